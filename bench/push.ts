// `npm run bench:push` with the local stack running and its worker and gateway told about this script's
// receiver (docs/gateway.md, "Webhooks to backends"):
//   ACTIVATION_WEBHOOKS='[{"url":"http://127.0.0.1:4099/hook","secrets":["whsec_bench_0123456789abcdef"]}]' npm start
// (a) How long after `POST /v1/activations` the app knows the OTP is out: before issue 16 (the start answers at
// once, the app polls GET every 100 ms until `awaiting_otp`; an in-process gateway with firstStepWaitMs 0 on
// the same Temporal) and after (the first answer of the stack's gateway already says `awaiting_otp`).
// (b) Webhook delivery latency: from the change (the newest `at` in the delivered status's events, workflow
// time) to receipt at a local receiver, with BENCH_CONCURRENCY activations driven to the end at once.
// Writes bench/results/push.json.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ActivationClient } from '../client/activation-client';
import { loadGatewayConfig } from '../gateway/config';
import { startGateway } from '../gateway/server';
import { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from '../contract/webhook-signature';
import { httpJson } from './lib/http';
import { machineInfo } from './lib/machine';

const env = process.env;
const gateway = env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const sandbox = env.SANDBOX_URL ?? 'http://127.0.0.1:4010';
const apiKey = env.GATEWAY_API_KEY ?? 'dev-key';
const starts = Number(env.BENCH_STARTS ?? 50);
const webhookActivations = Number(env.BENCH_WEBHOOK_ACTIVATIONS ?? 30);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 10);
const receiverPort = Number(env.BENCH_RECEIVER_PORT ?? 4099);
const secret = env.BENCH_WEBHOOK_SECRET ?? 'whsec_bench_0123456789abcdef';
const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
const device = () => ({ geoLocation: CAIRO, userDeviceUtcTime: new Date().toISOString() });
const auth = { authorization: `Bearer ${apiKey}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(): Promise<{ requestId: string; transactionId: string; accessToken: string }> {
  const seeded = await httpJson(`${sandbox}/sandbox/requests`, 'POST', { lastLocation: CAIRO, hasPayment: true });
  if (seeded.status !== 200 && seeded.status !== 201) throw new Error(`seed failed: ${seeded.status}`);
  return seeded.body;
}

/** First answers that came after the gateway's wait, still "requesting" (counted, not hidden). */
let slowFirstSteps = 0;
/** Webhook run: starts answered 503 (Temporal too slow under load) and sent again. */
let retriedStarts = 0;

async function untilOtpSent(
  base: string,
  requestId: string,
  version: number,
): Promise<{ state: string; version: number }> {
  let status = { state: 'requesting_otp', version };
  for (let i = 0; i < 10 && status.state === 'requesting_otp'; i++) {
    status = (
      await httpJson(
        `${base}/v1/activations/${requestId}?waitForChange=${status.version}&timeout=30s`,
        'GET',
        undefined,
        auth,
        45_000,
      )
    ).body;
  }
  return status;
}

/** Milliseconds from sending the start until the app knows the OTP was sent. */
async function timeToOtpKnown(base: string, poll: boolean): Promise<number> {
  const { requestId, transactionId, accessToken } = await seed();
  const t0 = performance.now();
  const started = await httpJson(
    `${base}/v1/activations`,
    'POST',
    { requestId, transactionId, accessToken, device: device() },
    auth,
  );
  if (started.status >= 300) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  let state: string = started.body.state;
  // Before: the answer says "requesting", so the app polls (every 100 ms, like a responsive app would).
  while (poll && state !== 'awaiting_otp') {
    if (performance.now() - t0 > 30_000) throw new Error(`${requestId} never reached awaiting_otp`);
    await sleep(100);
    state = (await httpJson(`${base}/v1/activations/${requestId}`, 'GET', undefined, auth)).body.state;
  }
  // After: a first step slower than the gateway's wait answers "requesting"; the app then long-polls.
  if (!poll && state !== 'awaiting_otp') {
    slowFirstSteps++;
    state = (await untilOtpSent(base, requestId, started.body.version)).state;
  }
  const ms = performance.now() - t0;
  if (state !== 'awaiting_otp') throw new Error(`${requestId}: reached ${state}, not awaiting_otp`);
  await httpJson(`${base}/v1/activations/${requestId}/cancel`, 'POST', { reason: 'benchmark' }, auth).catch(
    () => undefined,
  );
  return ms;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    +(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN).toFixed(1);
  return { n: sorted.length, p50: at(50), p99: at(99), max: at(100) };
}

async function firstAnswer(): Promise<{ before: ReturnType<typeof stats>; after: ReturnType<typeof stats> }> {
  // The old behaviour, on the same Temporal and worker: a second gateway that answers the start at once.
  const config = loadGatewayConfig({ ...env, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1' });
  const { serverPolicy, ...settings } = config;
  const activations = new ActivationClient();
  const old = await startGateway({
    ...settings,
    activations,
    serverPolicy: serverPolicy.enforce ? serverPolicy.policy : 'unbounded',
    firstStepWaitMs: 0,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'bench-push-')),
    logLevel: 'warn',
  });
  const before: number[] = [];
  const after: number[] = [];
  try {
    // Interleaved, so both see the same background load on a shared machine.
    for (let i = 0; i < starts; i++) {
      before.push(await timeToOtpKnown(old.url, true));
      after.push(await timeToOtpKnown(gateway, false));
      if ((i + 1) % 10 === 0) console.log(`  ${i + 1}/${starts} starts each`);
    }
  } finally {
    await old.close();
    await activations.close();
  }
  return { before: stats(before), after: stats(after) };
}

async function webhookLatency(): Promise<ReturnType<typeof stats> & { deliveries: number; rejected: number }> {
  const ours = new Set<string>();
  const samples: number[] = [];
  let rejected = 0;
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receivedAt = Date.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        const event = verifyWebhook<{ data: { activationId: string; object: { events?: { at: string }[] } } }>(
          raw,
          request.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined,
          [secret],
        );
        const changedAt = Math.max(...(event.data.object.events ?? []).map((e) => Date.parse(e.at)));
        // Deliveries for activations of earlier runs (retried while no receiver listened) are not measured.
        if (ours.has(event.data.activationId) && Number.isFinite(changedAt)) samples.push(receivedAt - changedAt);
        response.writeHead(204).end();
      } catch {
        rejected++;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
  try {
    let next = 0;
    const finished: string[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < webhookActivations) {
          next++;
          const { requestId, transactionId, accessToken } = await seed();
          ours.add(`activation-${requestId}`);
          // A start the loaded dev server answers late is 503; starting again joins the same activation.
          let started = await httpJson(
            `${gateway}/v1/activations`,
            'POST',
            { requestId, transactionId, accessToken, device: device() },
            auth,
            90_000,
          );
          for (let retry = 0; retry < 3 && started.status === 503; retry++) {
            retriedStarts++;
            started = await httpJson(
              `${gateway}/v1/activations`,
              'POST',
              { requestId, transactionId, accessToken, device: device() },
              auth,
              90_000,
            );
          }
          if (started.status >= 300) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
          if (started.body.state !== 'awaiting_otp') {
            slowFirstSteps++;
            const sent = await untilOtpSent(gateway, requestId, started.body.version);
            if (sent.state !== 'awaiting_otp') throw new Error(`${requestId}: reached ${sent.state}, not awaiting_otp`);
          }
          const otp = await httpJson(
            `${sandbox}/sandbox/requests/${requestId}/latest-otp`,
            'GET',
            undefined,
            {},
            90_000,
          );
          const accepted = await httpJson(
            `${gateway}/v1/activations/${requestId}/otp`,
            'POST',
            { code: otp.body.code, device: device() },
            auth,
            90_000,
          );
          const link: string | undefined = accepted.body?.status?.nextAction?.paymentLink;
          if (!link) throw new Error(`${requestId}: no payment link after the OTP (${JSON.stringify(accepted.body)})`);
          await httpJson(
            `${sandbox}/sandbox/payments/${new URL(link).pathname.split('/').pop()}`,
            'POST',
            { outcome: 'paid' },
            {},
            90_000,
          );
          const done = await httpJson(
            `${gateway}/v1/activations/${requestId}?waitForChange=${accepted.body.status.version}&timeout=30s`,
            'GET',
            undefined,
            auth,
            90_000,
          );
          finished.push(done.body.state);
        }
      }),
    );
    // Let the last deliveries (the final status of each activation) land.
    await sleep(3_000);
    return { ...stats(samples), deliveries: samples.length, rejected };
  } finally {
    receiver.close();
  }
}

async function main(): Promise<void> {
  const health = await httpJson(`${gateway}/healthz`, 'GET').catch(() => ({ status: 0 }));
  if (health.status !== 200) throw new Error(`gateway ${gateway} is not healthy; start the stack with \`npm start\``);
  // `--only=otp` or `--only=webhooks` runs one part and keeps the other's last result in push.json.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const dir = path.resolve(new URL('results', import.meta.url).pathname);
  const file = path.join(dir, 'push.json');
  const result: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  result.benchmark = 'push, not poll (issue 16): first actionable answer vs polling; webhook delivery latency';
  if (only !== 'webhooks') {
    console.log(`(a) POST /v1/activations -> OTP known: ${starts} starts each, one at a time`);
    const machine = machineInfo();
    const otpKnownMs = await firstAnswer();
    console.log(JSON.stringify({ ...otpKnownMs, slowFirstSteps }));
    result.otpKnownMs = {
      ...otpKnownMs,
      slowFirstSteps,
      machine,
      beforeMethod: 'firstStepWaitMs 0 + GET every 100 ms',
      afterMethod: 'first answer (update-with-start)',
    };
  }
  if (only !== 'otp') {
    console.log(`(b) webhook delivery: ${webhookActivations} activations to the end, concurrency ${concurrency}`);
    const machine = machineInfo();
    slowFirstSteps = 0;
    const webhookMs = await webhookLatency();
    console.log(JSON.stringify({ ...webhookMs, slowFirstSteps, retriedStarts }));
    result.webhookMs = {
      ...webhookMs,
      slowFirstSteps,
      retriedStarts,
      machine,
      concurrency,
      activations: webhookActivations,
      from: 'newest status event `at` (workflow time)',
    };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
