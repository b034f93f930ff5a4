// Issue 27 items 4 and 6 (and the dedup race of item 8), each run as the attack that found it against the
// real stack (Temporal dev server, worker, sandbox over HTTP, the gateway over HTTP), and shown refused:
//   - waiting callers cannot starve acting: 100 streams and long polls on one activation, the OTP still
//     goes through, every waiter sees the change, and the workflow saw one shared wait, not 100;
//   - a dropped stream keeps its caller's slot until its wait ends;
//   - reads are rate limited, and 1 ms long polls do not grow the history;
//   - junk webhooks never delay a valid one; behind a load balancer each provider is its own source;
//   - six concurrent copies of one Kashier event give one signal.
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { startGateway, type GatewayOptions } from '../../gateway/server';
import { DEFAULT_POLICY } from '../../contract/types';
import { kashierEvent } from '../gateway/provider-events';
import { http, type GatewayStack, type GatewayStackOptions, type HttpAnswer } from '../gateway/stack';
import { CAIRO, deviceAt } from '../temporal/harness';
import { gatewayTest } from '../temporal/fixtures';

const BACKEND = 'acme-backend-key-0123456789';
const READERS = Array.from({ length: 10 }, (_, i) => `acme-reader-${i}-key-0123456789`);
/** Keys of their own for the later tests: the first test's dropped streams hold their slots a while. */
const DROPPER = 'acme-dropper-key-0123456789';
const POLLER = 'acme-poller-key-0123456789';
const CLIENT_SECRET_KEY = 'client-secret-key-for-the-limits-suite-0123456789';

const STACK: GatewayStackOptions = {
  gateway: {
    apiKeys: [`acme:backend:${BACKEND}`, ...[...READERS, DROPPER, POLLER].map((key) => `acme:read-only:${key}`)],
    clientSecretKeys: [CLIENT_SECRET_KEY],
    serverPolicy: DEFAULT_POLICY,
    rateLimits: { readsPerActivation: 40 },
  },
};

const expectError = (answer: HttpAnswer, status: number, code: string) =>
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });

const call = (s: GatewayStack, key: string, method: string, route: string, body?: unknown) =>
  http(`${s.gateway.url}${route}`, method, body, { authorization: `Bearer ${key}` });

async function awaitingOtp(s: GatewayStack): Promise<{ requestId: string; version: number }> {
  const seeded = await s.h.seed();
  const started = await call(s, BACKEND, 'POST', '/v1/activations', {
    requestId: seeded.requestId,
    transactionId: seeded.transactionId,
    device: deviceAt(CAIRO),
    accessToken: seeded.accessToken,
  });
  expect(started.status).toBe(202);
  for (let i = 0; i < 100; i++) {
    const status = await call(s, BACKEND, 'GET', `/v1/activations/${seeded.requestId}`);
    if (status.body?.state === 'awaiting_otp') return { requestId: seeded.requestId, version: status.body.version };
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${seeded.requestId} never reached awaiting_otp`);
}

/** An SSE stream as an app's EventSource holds it: the states it saw, and a way to drop the connection. */
function openStream(url: string, key: string) {
  const controller = new AbortController();
  const states: string[] = [];
  let answered!: (status: number) => void;
  const status = new Promise<number>((resolve) => (answered = resolve));
  const finished = (async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
    if (response.status !== 200 || !response.body) {
      answered(response.status);
      await response.body?.cancel();
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (block.startsWith('event: status') && data) {
          states.push(JSON.parse(data.slice(6)).state);
          answered(200);
        }
      }
    }
  })().catch(() => answered(0));
  return { status, states, finished, close: () => controller.abort() };
}

/** waitForChange updates the activation's workflow has accepted so far. */
async function waitUpdates(s: GatewayStack, requestId: string): Promise<number> {
  const history = await s.h.client.workflow.getHandle(`activation-${requestId}`).fetchHistory();
  return (history.events ?? []).filter(
    (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'waitForChange',
  ).length;
}

async function historyLength(s: GatewayStack, requestId: string): Promise<number> {
  return ((await s.h.client.workflow.getHandle(`activation-${requestId}`).fetchHistory()).events ?? []).length;
}

const test = gatewayTest;

describe('security: waiting can never starve acting (issue 27 item 4)', () => {
  test.scoped({ stackOptions: STACK });

  test("the backend's OTP succeeds while 100 streams and long polls are open on the same activation", async ({
    stack: s,
  }) => {
    const { requestId, version } = await awaitingOtp(s);
    const updatesBefore = await waitUpdates(s, requestId);
    const url = `${s.gateway.url}/v1/activations/${requestId}`;
    // Ten read-only keys, each within its cap of 10: 50 streams and 50 long polls.
    const streams = READERS.flatMap((key) => Array.from({ length: 5 }, () => openStream(`${url}/events`, key)));
    const controller = new AbortController();
    const polls = READERS.flatMap((key) =>
      Array.from({ length: 5 }, () =>
        fetch(`${url}?waitForChange=${version}&timeout=60s`, {
          headers: { authorization: `Bearer ${key}` },
          signal: controller.signal,
        })
          .then(async (response) => ({ status: response.status, body: (await response.json()) as { state?: string } }))
          // Aborted at the end when the test failed before they answered: the assertion says what went wrong.
          .catch((error: Error) => ({ status: 0, body: { state: error.name } })),
      ),
    );
    try {
      expect(await Promise.all(streams.map((stream) => stream.status))).toEqual(streams.map(() => 200));
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the long polls are waiting by now

      const { code } = await s.h.latestOtp(requestId);
      const otp = await fetch(`${url}/otp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BACKEND}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code, device: deviceAt() }),
        // Before the shared wait, Temporal refused the update for want of a slot and this answered 503 after 30 s.
        signal: AbortSignal.timeout(20_000),
      });
      expect(otp.status).toBe(200);
      expect(((await otp.json()) as { status: { state: string } }).status.state).toBe('awaiting_payment');

      // Every waiter got the change, from one shared wait.
      const answered = await Promise.all(polls);
      expect(answered.map((a) => `${a.status} ${a.body.state}`)).toEqual(polls.map(() => '200 awaiting_payment'));
      for (let i = 0; i < 50 && streams.some((stream) => !stream.states.includes('awaiting_payment')); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(streams.filter((stream) => stream.states.includes('awaiting_payment'))).toHaveLength(streams.length);
      expect((await waitUpdates(s, requestId)) - updatesBefore).toBeLessThanOrEqual(2);
    } finally {
      controller.abort();
      for (const stream of streams) stream.close();
    }
  });

  test("a dropped stream keeps its caller's slot until its wait ends: drop-and-reopen cannot exceed the cap", async ({
    stack: s,
  }) => {
    const { requestId } = await awaitingOtp(s);
    const url = `${s.gateway.url}/v1/activations/${requestId}/events`;
    const key = DROPPER;
    const first = Array.from({ length: 10 }, () => openStream(url, key));
    expect(await Promise.all(first.map((stream) => stream.status))).toEqual(first.map(() => 200));
    for (const stream of first) stream.close();
    await Promise.all(first.map((stream) => stream.finished));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Before: the slots were freed on disconnect while each stream's update kept running, so this was 200.
    const eleventh = await call(s, key, 'GET', `/v1/activations/${requestId}/events`);
    expectError(eleventh, 429, 'rate_limited');

    // A change ends the waits those streams were in; their slots come back.
    const wrong = await call(s, BACKEND, 'POST', `/v1/activations/${requestId}/otp`, {
      code: '000000',
      device: deviceAt(),
    });
    expect(wrong.status).toBe(200);
    let reopened: ReturnType<typeof openStream> | undefined;
    for (let i = 0; i < 30; i++) {
      reopened = openStream(url, key);
      if ((await reopened.status) === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
      expect(await reopened!.status).toBe(200);
    } finally {
      reopened?.close();
    }
  });

  test('reads are rate limited, and 1 ms long polls do not grow the history', async ({ stack: s }) => {
    const { requestId, version } = await awaitingOtp(s);
    const before = await historyLength(s, requestId);
    const answers: number[] = [];
    for (let i = 0; i < 50; i++)
      answers.push(
        (await call(s, POLLER, 'GET', `/v1/activations/${requestId}?waitForChange=${version}&timeout=1ms`)).status,
      );
    // 40 per caller per activation per minute in this stack (GATEWAY_READ_RATE_PER_ACTIVATION); before: no limit.
    expect(answers.slice(0, 40)).toEqual(Array.from({ length: 40 }, () => 200));
    expect(answers.slice(40)).toEqual(Array.from({ length: 10 }, () => 429));
    // Before: every poll was an update of its own (history 18 -> 2,534 events for 2,200 polls).
    expect((await historyLength(s, requestId)) - before).toBeLessThanOrEqual(8);
  });
});

describe('security: webhook limits outsiders cannot spend (issue 27 item 6)', () => {
  test.scoped({ stackOptions: STACK });

  /** A gateway of its own (webhooks reach it only from this test), on the stack's Temporal and worker. */
  async function gatewayWith(s: GatewayStack, options: Partial<GatewayOptions>) {
    return startGateway({
      activations: s.activations,
      port: 0,
      dataDir: s.dataDir + `-${randomUUID()}`,
      logLevel: 'silent',
      ...options,
    });
  }
  const kashier = (base: string, body: unknown, headers: Record<string, string> = {}) =>
    http(`${base}/v1/webhooks/kashier`, 'POST', body, headers);

  test('unsigned junk never delays a valid Kashier webhook', async ({ stack: s }) => {
    const { requestId } = await awaitingOtp(s);
    const gateway = await gatewayWith(s, { rateLimits: { webhooksPerSource: 5, unverifiedWebhooksPerSource: 5 } });
    try {
      const junk: number[] = [];
      for (let i = 0; i < 7; i++) junk.push((await kashier(gateway.url, { junk: true })).status);
      expect(junk).toEqual([401, 401, 401, 401, 401, 429, 429]);
      // Before: the junk used up the source's one counter, and this answered 429.
      const event = kashierEvent(requestId);
      const valid = await kashier(gateway.url, event.body, { 'x-kashier-signature': event.signature });
      expect({ status: valid.status, body: valid.body }).toEqual({ status: 200, body: { received: true } });
      const badlySigned = kashierEvent(requestId, {}, 'not-the-secret');
      expect(
        (await kashier(gateway.url, badlySigned.body, { 'x-kashier-signature': badlySigned.signature })).status,
      ).toBe(429);
    } finally {
      await gateway.close();
    }
  });

  test("behind the load balancer (GATEWAY_TRUST_PROXY) each source is counted on its own; an untrusted peer's X-Forwarded-For is ignored", async ({
    stack: s,
  }) => {
    const behindProxy = await gatewayWith(s, {
      trustProxy: ['127.0.0.1'],
      rateLimits: { unverifiedWebhooksPerSource: 3 },
    });
    // The peer (127.0.0.1) is not the configured proxy here: X-Forwarded-For cannot buy fresh counters.
    const notTheProxy = await gatewayWith(s, {
      trustProxy: ['192.0.2.10'],
      rateLimits: { unverifiedWebhooksPerSource: 3 },
    });
    try {
      const from = (base: string, ip: string) => kashier(base, { junk: true }, { 'x-forwarded-for': ip });
      const attacker: number[] = [];
      for (let i = 0; i < 4; i++) attacker.push((await from(behindProxy.url, '198.51.100.7')).status);
      expect(attacker).toEqual([401, 401, 401, 429]);
      // Before (no trustProxy): every provider behind the balancer shared the attacker's counter: 429.
      expect((await from(behindProxy.url, '198.51.100.8')).status).toBe(401);

      const spoofed: number[] = [];
      for (let i = 0; i < 4; i++) spoofed.push((await from(notTheProxy.url, `198.51.100.${20 + i}`)).status);
      expect(spoofed).toEqual([401, 401, 401, 429]);
    } finally {
      await behindProxy.close();
      await notTheProxy.close();
    }
  });

  test('six concurrent copies of one Kashier event give one signal (an atomic claim)', async ({ stack: s }) => {
    const { requestId } = await awaitingOtp(s);
    const event = kashierEvent(requestId);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => kashier(s.gateway.url, event.body, { 'x-kashier-signature': event.signature })),
    );
    const kinds = answers.map((a) =>
      a.status === 200 && a.body.duplicate
        ? 'duplicate'
        : a.status === 200
          ? 'signalled'
          : `${a.status} ${a.body?.error?.code}`,
    );
    expect(kinds.filter((kind) => kind === 'signalled')).toHaveLength(1);
    expect(kinds.every((kind) => ['signalled', 'duplicate', '409 delivery_in_progress'].includes(kind))).toBe(true);
    const history = await s.h.client.workflow.getHandle(`activation-${requestId}`).fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentCompleted',
    );
    // Before: six `received: true` and six signals.
    expect(signals).toHaveLength(1);
    // A later redelivery is a plain duplicate.
    const again = await kashier(s.gateway.url, event.body, { 'x-kashier-signature': event.signature });
    expect(again.body).toEqual({ received: true, duplicate: true });
  });
});
