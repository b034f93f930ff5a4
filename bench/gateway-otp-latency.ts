// `npm run bench:otp` with `npm start` running: the latency of `POST /v1/activations/:id/otp` through the
// HTTP gateway (gateway -> Temporal update -> worker -> Vlens sandbox StepValidateOtp -> answer), measured
// over many activations at a fixed concurrency. Writes bench/results/gateway-otp-latency.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const sandbox = process.env.SANDBOX_URL ?? 'http://127.0.0.1:4010';
const apiKey = process.env.GATEWAY_API_KEY ?? 'dev-key';
const total = Number(process.env.BENCH_ACTIVATIONS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const CAIRO = { latitude: 30.0444, longitude: 31.2357 };

const device = () => ({ geoLocation: CAIRO, userDeviceUtcTime: new Date().toISOString() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const authed = (body?: unknown): RequestInit => ({
  method: body === undefined ? 'GET' : 'POST',
  headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function oneActivation(samples: number[]): Promise<void> {
  const seeded = await call(`${sandbox}/sandbox/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lastLocation: CAIRO, hasPayment: false }),
  });
  const { requestId, transactionId } = seeded.body;
  const started = await call(`${gateway}/v1/activations`, authed({ requestId, transactionId, device: device() }));
  if (started.status >= 300) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  // Like an app: submit once the activation asks for the OTP (the SMS can land a moment earlier).
  for (let i = 0; i < 120; i++) {
    const status = await call(`${gateway}/v1/activations/${requestId}`, authed());
    if (status.body?.state === 'awaiting_otp') break;
    await sleep(250);
  }
  let code: string | undefined;
  for (let i = 0; i < 200 && !code; i++) {
    const inbox = await call(`${sandbox}/sandbox/requests/${requestId}/latest-otp`);
    if (inbox.status === 200) code = inbox.body.code;
    else await sleep(100);
  }
  if (!code) throw new Error(`no OTP for ${requestId}`);
  const t0 = performance.now();
  const answer = await call(`${gateway}/v1/activations/${requestId}/otp`, authed({ code, device: device() }));
  const ms = performance.now() - t0;
  if (answer.status !== 200 || answer.body.outcome !== 'accepted') {
    throw new Error(`otp failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  samples.push(ms);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const health = await call(`${gateway}/healthz`).catch(() => ({ status: 0 }));
  if (health.status !== 200) throw new Error(`gateway ${gateway} is not healthy; start the stack with \`npm start\``);
  console.log(`POST /otp latency: ${total} activations, concurrency ${concurrency}, against ${gateway}`);
  const samples: number[] = [];
  let next = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await oneActivation(samples);
        if (samples.length % 25 === 0) console.log(`  ${samples.length}/${total} done`);
      }
    }),
  );
  const sorted = [...samples].sort((a, b) => a - b);
  const result = {
    benchmark: 'gateway POST /v1/activations/:id/otp (accepted), end to end through Temporal and the sandbox',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    activations: samples.length,
    concurrency,
    durationS: (Date.now() - startedAt) / 1000,
    latencyMs: {
      p50: +percentile(sorted, 50).toFixed(1),
      p95: +percentile(sorted, 95).toFixed(1),
      p99: +percentile(sorted, 99).toFixed(1),
      max: +(sorted.at(-1) ?? NaN).toFixed(1),
    },
  };
  console.log(JSON.stringify(result.latencyMs));
  const dir = path.resolve(new URL('results', import.meta.url).pathname);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'gateway-otp-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
