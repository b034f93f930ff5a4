#!/usr/bin/env node
/* global process, console, fetch, AbortSignal, URL, setTimeout */
// Drives activations end to end through a running gateway and Vlens sandbox, the way an app and a payment
// provider would (the same steps as scripts/postgres/e2e.ts): seed a request on the sandbox, start the
// activation on the gateway, read the OTP from the sandbox inbox and submit it, pay on the sandbox (which
// sends the signed webhook to the gateway), wait for `activated`. Plain Node (fetch), no dependencies, so it
// runs beside a production image as well as on a development machine.
//
//   node scripts/docker/drive-activations.mjs --gateway=http://127.0.0.1:3000 --sandbox=http://127.0.0.1:4010 \
//     --api-key=KEY [--count=3] [--timeout-seconds=180]
//
// Exits 0 when every activation reached `activated`, 1 otherwise (with what each one last answered).
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a} (use --name=value)`);
    return [m[1], m[2]];
  }),
);
const gateway = args.gateway ?? 'http://127.0.0.1:3000';
const sandbox = args.sandbox ?? 'http://127.0.0.1:4010';
const apiKey = args['api-key'] ?? process.env.GATEWAY_API_KEY;
const count = Number(args.count ?? 3);
const timeoutMs = Number(args['timeout-seconds'] ?? 180) * 1000;
if (!apiKey) throw new Error('--api-key (or GATEWAY_API_KEY) is required');

const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
const device = () => ({ geoLocation: CAIRO, userDeviceUtcTime: new Date().toISOString() });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const log = (line) => console.log(`[drive ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

/** JSON over HTTP; 5xx and connection errors are retried (a starting gateway answers 503 until Temporal does). */
async function http(url, method, body, headers = {}, budgetMs = 60_000) {
  const until = Date.now() + budgetMs;
  let last = '';
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      const response = await fetch(url, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let parsed = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      if (response.status < 500) return { status: response.status, body: parsed };
      last = `HTTP ${response.status} ${text.slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > until) throw new Error(`${method} ${url} kept failing: ${last}`);
    await sleep(delay);
  }
}

const api = (method, route, body, headers = {}) =>
  http(`${gateway}${route}`, method, body, { authorization: `Bearer ${apiKey}`, ...headers });
const sandboxApi = (method, route, body) => http(`${sandbox}${route}`, method, body);

async function waitForState(requestId, wanted, budgetMs) {
  const until = Date.now() + budgetMs;
  let last;
  while (Date.now() < until) {
    const answer = await api('GET', `/v1/activations/${requestId}`);
    last = answer.body;
    if (answer.status === 200 && wanted.includes(last.state)) return last;
    if (answer.status === 200 && (last.state === 'failed' || last.state === 'cancelled')) {
      throw new Error(`ended ${last.state} (${last.failureReason})`);
    }
    await sleep(250);
  }
  throw new Error(
    `did not reach ${wanted.join('|')} in ${budgetMs / 1000}s; last ${JSON.stringify(last)?.slice(0, 400)}`,
  );
}

async function drive(index) {
  const paymentGateway = index % 2 === 0 ? 'kashier' : 'fawry';
  const seeded = await sandboxApi('POST', '/sandbox/requests', { lastLocation: CAIRO, paymentGateway });
  if (seeded.status !== 201 && seeded.status !== 200)
    throw new Error(`seeding answered ${seeded.status}: ${JSON.stringify(seeded.body)}`);
  const { requestId, transactionId, accessToken } = seeded.body;
  const start = await api('POST', '/v1/activations', {
    requestId,
    transactionId,
    device: device(),
    accessToken,
    paymentGateway,
  });
  if (start.status !== 202 && start.status !== 200)
    throw new Error(`start answered ${start.status}: ${JSON.stringify(start.body).slice(0, 400)}`);
  await waitForState(requestId, ['awaiting_otp'], timeoutMs);
  const otp = await sandboxApi('GET', `/sandbox/requests/${requestId}/latest-otp`);
  if (otp.status !== 200) throw new Error(`no OTP in the sandbox inbox: ${JSON.stringify(otp.body)}`);
  const submitted = await api(
    'POST',
    `/v1/activations/${requestId}/otp`,
    { code: otp.body.code, device: device() },
    { 'idempotency-key': `otp-${requestId}` },
  );
  if (submitted.status !== 200 || submitted.body.outcome !== 'accepted') {
    throw new Error(`OTP answered ${submitted.status}: ${JSON.stringify(submitted.body).slice(0, 400)}`);
  }
  const status = submitted.body.status;
  if (status.state === 'awaiting_payment') {
    const link = status.nextAction?.paymentLink ?? status.payment?.link;
    if (!link) throw new Error(`no payment link in ${JSON.stringify(status).slice(0, 400)}`);
    const paymentId = new URL(link).pathname.split('/').pop();
    for (let attempt = 1; ; attempt++) {
      const paid = await sandboxApi('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
      if (paid.status !== 200)
        throw new Error(`payment answered ${paid.status}: ${JSON.stringify(paid.body).slice(0, 300)}`);
      if (paid.body.webhook?.httpStatus === 200) break;
      if (attempt >= 30)
        throw new Error(
          `the gateway never accepted the ${paymentGateway} webhook: ${JSON.stringify(paid.body.webhook)}`,
        );
      await sleep(1_000);
    }
  }
  await waitForState(requestId, ['activated'], timeoutMs);
  return requestId;
}

const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => sleep(i * 200).then(() => drive(i))));
let failures = 0;
results.forEach((r, i) => {
  if (r.status === 'fulfilled') log(`activation #${i} ${r.value}: activated`);
  else {
    failures++;
    log(`activation #${i} FAILED: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  }
});
log(`${count - failures}/${count} activated`);
process.exit(failures === 0 ? 0 : 1);
