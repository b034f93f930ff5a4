// `npm run demo` (with `npm start` running): seeds a business request in the sandbox and drives one
// activation to the end through the HTTP gateway, as a backend and its app would: the backend's
// `POST /v1/activations` answers once the first Vlens step is done (the OTP is out, or selfies are needed),
// and the app follows the activation on its event stream (`GET /v1/activations/:id/events`, Server-Sent
// Events) instead of polling. OTP from the sandbox's SMS inbox, payment on its payment page. Pass `--far` to
// start 180 km away and go through liveness re-validation first.
//
// `--page`: the backend's part only. It prints the hosted activation page's link (`activationUrl`, issue 26)
// for a person to open in a browser and finish there (the OTP is in the sandbox inbox, printed below), then
// follows the activation to its end. With `--far` the page asks for selfies first.
import { createParser } from 'eventsource-parser';

const env = process.env;
const sandboxUrl = env.VLENS_BASE_URL ?? 'http://127.0.0.1:4010';
const gatewayUrl = env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const apiKey = env.GATEWAY_API_KEY ?? 'dev-key';
const uiUrl = env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const far = process.argv.includes('--far');
const hostedPage = process.argv.includes('--page');

const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
const ALEXANDRIA = { latitude: 31.2001, longitude: 29.9187 };
const device = () => ({ geoLocation: far ? ALEXANDRIA : CAIRO, userDeviceUtcTime: new Date().toISOString() });
const step = (n: number, text: string) => console.log(`${n}. ${text}`);

interface Status {
  state: string;
  version: number;
  nextAction: { type: string; expiresAt?: string; paymentLink?: string };
  failureReason?: string;
  events?: { at: string; type: string; detail?: string }[];
}

async function call<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * The activation's status changes on its event stream, read as the activation page reads it (page/events.ts):
 * the app's client secret in Authorization, never in the URL, which the gateway refuses (gateway/auth.ts).
 * The stream ends by itself once the activation has ended (gateway/waiting.ts).
 */
async function* statusEvents(
  requestId: string,
  clientSecret: string,
  afterVersion: number,
  signal: AbortSignal,
): AsyncGenerator<Status> {
  const url = `${gatewayUrl}/v1/activations/${requestId}/events`;
  // Last-Event-ID (what a reconnecting stream sends): the version already acted on is not sent again.
  const response = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${clientSecret}`,
      'last-event-id': String(afterVersion),
    },
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`event stream: HTTP ${response.status} ${await response.text()}`);
  // The SSE body parsed by eventsource-parser, as the page does; what one chunk completes is handed on.
  const statuses: Status[] = [];
  let failure: string | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (event.event === 'error') failure ??= event.data;
      else if (event.event === 'status' && event.data && failure === undefined)
        statuses.push(JSON.parse(event.data) as Status);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    yield* statuses.splice(0);
    if (failure !== undefined) throw new Error(`event stream: ${failure}`);
  }
}

async function main(): Promise<void> {
  const seeded = await call<{ requestId: string; transactionId: string; accessToken: string }>(
    sandboxUrl,
    'POST',
    '/sandbox/requests',
    {
      lastLocation: CAIRO,
    },
  );
  const { requestId } = seeded;
  step(1, `seeded an approved business request ${requestId} in the sandbox`);

  // The backend starts the activation; the answer already carries the first Vlens step's outcome.
  const t0 = performance.now();
  const started = await call<Status & { clientSecret: string; activationUrl?: string }>(
    gatewayUrl,
    'POST',
    '/v1/activations',
    {
      requestId,
      transactionId: seeded.transactionId,
      device: device(),
      accessToken: seeded.accessToken,
    },
    apiKey,
  );
  step(
    2,
    `POST /v1/activations answered in ${Math.round(performance.now() - t0)} ms: ${started.state}, next ${started.nextAction.type}`,
  );
  console.log(`   (see ${uiUrl}/namespaces/default/workflows/activation-${requestId})`);

  if (hostedPage) return followHostedPage(requestId, started);

  // From here on the app is in charge, with its client secret: it acts on each status it is told about.
  const app = (method: string, path: string, body: unknown) =>
    call<{ outcome: string; status: Status }>(gatewayUrl, method, path, body, started.clientSecret);
  let n = 3;
  // Some changes keep the state (a payment notification while awaiting payment): act once per state.
  let actedOn = '';
  const act = async (status: Status) => {
    if (status.state === actedOn) return;
    actedOn = status.state;
    if (status.nextAction.type === 'submit_liveness') {
      const selfie = (i: number) => Buffer.from(`demo-selfie-${i}-${Date.now()}-${'x'.repeat(40)}`).toString('base64');
      const answer = await app('POST', `/v1/activations/${requestId}/liveness`, {
        image: selfie(0),
        faces: [selfie(1), selfie(2), selfie(3)],
        device: device(),
      });
      step(n++, `the device moved more than 80 km: selfies sent, liveness ${answer.outcome}`);
    } else if (status.nextAction.type === 'submit_otp') {
      const otp = await call<{ code: string }>(sandboxUrl, 'GET', `/sandbox/requests/${requestId}/latest-otp`);
      const answer = await app('POST', `/v1/activations/${requestId}/otp`, { code: otp.code, device: device() });
      step(n++, `OTP from the sandbox SMS inbox (expires ${status.nextAction.expiresAt}) submitted: ${answer.outcome}`);
    } else if (status.nextAction.type === 'pay' && status.nextAction.paymentLink) {
      const link = status.nextAction.paymentLink;
      // The payment page's Pay button: the sandbox sends the signed payment webhook to the gateway.
      await call(sandboxUrl, 'POST', `/sandbox/payments/${new URL(link).pathname.split('/').pop()}`, {
        outcome: 'paid',
      });
      step(n++, `paid on the sandbox payment page ${link}`);
    }
  };

  // The first answer is actionable; after it, every change arrives on the stream without asking.
  await act(started);
  const stream = new AbortController();
  const timeout = setTimeout(() => stream.abort(), 120_000);
  let last: Status = started;
  try {
    for await (const status of statusEvents(requestId, started.clientSecret, started.version, stream.signal)) {
      last = status;
      console.log(`   event: ${status.state} (version ${status.version}), next ${status.nextAction.type}`);
      await act(status);
    }
  } finally {
    clearTimeout(timeout);
  }
  if (!['activated', 'failed', 'cancelled'].includes(last.state))
    throw new Error(`the event stream ended in state ${last.state}`);
  const final = await call<Status>(gatewayUrl, 'GET', `/v1/activations/${requestId}`, undefined, apiKey);
  step(n, `activation ${final.state}${final.failureReason ? ` (${final.failureReason})` : ''}. Audit trail:`);
  for (const event of final.events ?? [])
    console.log(`   ${event.at}  ${event.type}${event.detail ? `  (${event.detail})` : ''}`);
  if (final.state !== 'activated') process.exit(1);
}

/** `--page`: a person finishes the activation on the hosted page; this only prints what they need and waits. */
async function followHostedPage(requestId: string, started: Status & { clientSecret: string; activationUrl?: string }) {
  if (!started.activationUrl)
    throw new Error(
      'the gateway answered no activationUrl: start it with ACTIVATION_PAGE_BASE_URL set (npm start does)',
    );
  const where = far ? 'Alexandria (180 km from the last location: selfies first)' : 'Cairo';
  console.log(`
3. Open this link in a browser and finish the activation there:

   ${started.activationUrl}

   The page asks for your location: allow it, or set it in the browser's developer tools (Sensors) to ${where}
   (${JSON.stringify(device().geoLocation)}). The OTP is in the sandbox's SMS inbox:
   curl -s ${sandboxUrl}/sandbox/requests/${requestId}/latest-otp
   The payment page is the sandbox's: press Pay, then "Return to the merchant".
`);
  const stream = new AbortController();
  const timeout = setTimeout(() => stream.abort(), 30 * 60_000);
  let last: Status = started;
  let otpShown = '';
  // Each new OTP (the first, or one the person asked for again) as the SMS would bring it.
  const showOtp = async (status: Status) => {
    if (status.nextAction.type !== 'submit_otp' || status.nextAction.expiresAt === otpShown) return;
    otpShown = status.nextAction.expiresAt ?? '';
    const otp = await call<{ code: string }>(sandboxUrl, 'GET', `/sandbox/requests/${requestId}/latest-otp`);
    console.log(`   the SMS says: ${otp.code}`);
  };
  try {
    await showOtp(started);
    for await (const status of statusEvents(requestId, started.clientSecret, started.version, stream.signal)) {
      last = status;
      console.log(`   event: ${status.state} (version ${status.version}), next ${status.nextAction.type}`);
      await showOtp(status);
    }
  } finally {
    clearTimeout(timeout);
  }
  console.log(`4. activation ${last.state}${last.failureReason ? ` (${last.failureReason})` : ''}`);
  if (last.state !== 'activated') process.exit(1);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Is the local stack running? Start it with `npm start` in another terminal.');
  process.exit(1);
});
