// Issue 12's findings, each run as an attack against the real stack (Temporal dev server, worker,
// sandbox over HTTP, the gateway over HTTP) and shown refused. Keys, client-secret key and policy are
// configured as in production (tenant:role:key entries, the workflow's default policy enforced).
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { createClientSecrets } from '../../contract/client-secret';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway } from '../../gateway/server';
import { ALEXANDRIA, CAIRO, deviceAt } from '../temporal/harness';
import { http, type GatewayStack, type GatewayStackOptions, type HttpAnswer } from '../gateway/stack';
import { gatewayTest } from '../temporal/fixtures';
import { DEFAULT_POLICY } from '../../contract/types';

const KEYS = {
  acme: 'acme-backend-key-0123456789',
  acmeReader: 'acme-reader-key-0123456789',
  acmeOperator: 'acme-operator-key-0123456789',
  globex: 'globex-backend-key-0123456789',
  globexOperator: 'globex-operator-key-0123456789',
  support: 'support-operator-key-0123456789',
};
const CLIENT_SECRET_KEY = 'client-secret-key-for-the-security-suite-0123456789';
const VLENS_TOKEN = 'vlens-webhook-token-0123456789';

const expectError = (answer: HttpAnswer, status: number, code: string) =>
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });

/** Keys, client-secret key and policy as in production. */
const PRODUCTION_LIKE: GatewayStackOptions = {
  gateway: {
    apiKeys: [
      `acme:backend:${KEYS.acme}`,
      `acme:read-only:${KEYS.acmeReader}`,
      `acme:operator:${KEYS.acmeOperator}`,
      `globex:backend:${KEYS.globex}`,
      `globex:operator:${KEYS.globexOperator}`,
      `*:operator:${KEYS.support}`,
    ],
    clientSecretKeys: [CLIENT_SECRET_KEY],
    vlensWebhookToken: VLENS_TOKEN,
    serverPolicy: DEFAULT_POLICY,
  },
};

/** Requests against a stack with one of the keys above, and the steps most attacks start from. */
function attacker(s: GatewayStack) {
  const call = (key: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    http(`${s.gateway.url}${route}`, method, body, { authorization: `Bearer ${key}`, ...headers });

  /** Seeds a sandbox request and starts it with `key` (default: acme's backend key). */
  async function start(key = KEYS.acme, input: Record<string, unknown> = {}, seedBody: Record<string, unknown> = {}) {
    const seeded = await s.h.seed(seedBody);
    const answer = await call(key, 'POST', '/v1/activations', {
      requestId: seeded.requestId,
      transactionId: seeded.transactionId,
      device: deviceAt(CAIRO),
      accessToken: seeded.accessToken,
      ...input,
    });
    return { seeded, answer, requestId: seeded.requestId };
  }

  async function waitFor(key: string, requestId: string, state: string) {
    for (let i = 0; i < 100; i++) {
      const answer = await call(key, 'GET', `/v1/activations/${requestId}`);
      if (answer.body?.state === state) return answer.body;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`${requestId} never reached ${state}`);
  }

  return { call, start, waitFor };
}

type Attacker = ReturnType<typeof attacker>;

const test = gatewayTest.extend<Attacker>({
  call: async ({ stack }, use) => use(attacker(stack).call),
  start: async ({ stack }, use) => use(attacker(stack).start),
  waitFor: async ({ stack }, use) => use(attacker(stack).waitFor),
});

describe('security: attacks on the gateway are refused', () => {
  test.scoped({ stackOptions: PRODUCTION_LIKE });

  test('no tenancy: another tenant can neither read, list, drive, cancel nor restart an activation (404, never 403)', async ({
    stack: s,
    call,
    start,
    waitFor,
  }) => {
    const { requestId, answer } = await start();
    expect(answer.status).toBe(202);
    await waitFor(KEYS.acme, requestId, 'awaiting_otp');
    const smsBefore = (await s.h.calls(requestId)).length;

    expectError(await call(KEYS.globex, 'GET', `/v1/activations/${requestId}`), 404, 'not_found');
    expectError(
      await call(KEYS.globex, 'POST', `/v1/activations/${requestId}/otp`, { code: '123456', device: deviceAt() }),
      404,
      'not_found',
    );
    expectError(
      await call(KEYS.globex, 'POST', `/v1/activations/${requestId}/otp/resend`, { device: deviceAt() }),
      404,
      'not_found',
    );
    expectError(
      await call(KEYS.globex, 'POST', `/v1/activations/${requestId}/cancel`, { reason: 'mine now' }),
      404,
      'not_found',
    );
    expectError(
      await call(KEYS.globex, 'POST', `/v1/activations/${requestId}/payment-completed`, { eventId: 'fake' }),
      404,
      'not_found',
    );
    expectError(
      await call(KEYS.globexOperator, 'POST', `/v1/activations/${requestId}/ops/new-otp`, {
        operator: 'x',
        reason: 'y',
      }),
      404,
      'not_found',
    );
    // Nor take the workflow id over with a start of its own.
    expectError(
      await call(KEYS.globex, 'POST', '/v1/activations', { requestId, device: deviceAt() }),
      404,
      'not_found',
    );

    // Lists: each tenant sees its own; the all-tenant support key sees every tenant's.
    const other = await start(KEYS.globex);
    const listed = async (key: string) => {
      for (let i = 0; i < 50; i++) {
        const ids = (
          (await call(key, 'GET', '/v1/activations?limit=1000')).body.activations as Array<{ requestId: string }>
        ).map((a) => a.requestId);
        if (ids.includes(requestId) || ids.includes(other.requestId)) return ids;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return [];
    };
    const acmeIds = await listed(KEYS.acme);
    expect(acmeIds).toContain(requestId);
    expect(acmeIds).not.toContain(other.requestId);
    const globexIds = await listed(KEYS.globex);
    expect(globexIds).not.toContain(requestId);
    let supportIds: string[] = [];
    for (let i = 0; i < 50 && !(supportIds.includes(requestId) && supportIds.includes(other.requestId)); i++) {
      supportIds = await listed(KEYS.support);
    }
    expect(supportIds).toEqual(expect.arrayContaining([requestId, other.requestId]));

    // The owner still sees its activation untouched: no SMS, no cancel, no hint from the attacker.
    const status = await call(KEYS.acme, 'GET', `/v1/activations/${requestId}`);
    expect(status.body.state).toBe('awaiting_otp');
    expect((await s.h.calls(requestId)).length).toBe(smsBefore);
  });

  test('roles: read-only reads only, backend cannot repair, operator cannot start or cancel as a backend (403)', async ({
    call,
    start,
    waitFor,
  }) => {
    const { requestId } = await start();
    await waitFor(KEYS.acme, requestId, 'awaiting_otp');
    expect((await call(KEYS.acmeReader, 'GET', `/v1/activations/${requestId}`)).status).toBe(200);
    expectError(
      await call(KEYS.acmeReader, 'POST', `/v1/activations/${requestId}/cancel`, { reason: 'x' }),
      403,
      'forbidden',
    );
    expectError(
      await call(KEYS.acmeReader, 'POST', '/v1/activations', { requestId: randomUUID(), device: deviceAt() }),
      403,
      'forbidden',
    );
    expectError(
      await call(KEYS.acme, 'POST', `/v1/activations/${requestId}/ops/new-otp`, { operator: 'x', reason: 'y' }),
      403,
      'forbidden',
    );
    expectError(
      await call(KEYS.acmeOperator, 'POST', `/v1/activations/${requestId}/cancel`, { reason: 'x' }),
      403,
      'forbidden',
    );
    // The tenant's operator repairs its own activation; the audit trail names it.
    const extended = await call(KEYS.acmeOperator, 'POST', `/v1/activations/${requestId}/ops/extend-deadline`, {
      step: 'otp',
      extendBy: '10m',
      operator: 'alice',
      reason: 'user on a train',
    });
    expect(extended.status).toBe(200);
    expect(extended.body.status.events.map((e: { type: string }) => e.type)).toContain(
      'operator_extended_otp_deadline',
    );
  });

  test('client secret: drives only its own activation, only the app steps, sees no audit trail; forged or expired is 401', async ({
    stack: s,
    call,
    start,
    waitFor,
  }) => {
    const { requestId, answer, seeded } = await start();
    const secret: string = answer.body.clientSecret;
    expect(secret).toMatch(/^vcs1\.acme\./);
    expect(Date.parse(answer.body.clientSecretExpiresAt)).toBeGreaterThan(Date.now() + 24 * 3_600_000);
    await waitFor(KEYS.acme, requestId, 'awaiting_otp');

    const status = await call(secret, 'GET', `/v1/activations/${requestId}`);
    expect(status.status).toBe(200);
    expect(status.body.state).toBe('awaiting_otp');
    expect(status.body).not.toHaveProperty('events');
    const { code } = await s.h.latestOtp(seeded.requestId);
    const wrong = code === '000000' ? '111111' : '000000';
    const otp = await call(secret, 'POST', `/v1/activations/${requestId}/otp`, { code: wrong, device: deviceAt() });
    expect(otp.body).toMatchObject({ outcome: 'wrong_code' });
    expect(otp.body.status).not.toHaveProperty('events');

    // Another activation of the same tenant, a backend route, the list: all refused.
    const other = await start();
    expectError(await call(secret, 'GET', `/v1/activations/${other.requestId}`), 401, 'unauthorized');
    expectError(
      await call(secret, 'POST', `/v1/activations/${other.requestId}/otp`, { code, device: deviceAt() }),
      401,
      'unauthorized',
    );
    expectError(await call(secret, 'POST', `/v1/activations/${requestId}/cancel`, { reason: 'x' }), 403, 'forbidden');
    expectError(
      await call(secret, 'POST', `/v1/activations/${requestId}/payment-completed`, { eventId: 'x' }),
      403,
      'forbidden',
    );
    expectError(await call(secret, 'GET', '/v1/activations'), 403, 'forbidden');
    // Forged: another tenant in the token, a later expiry, or signed with another key.
    const [prefix, , expiry, mac] = secret.split('.');
    expectError(
      await call([prefix, 'globex', expiry, mac].join('.'), 'GET', `/v1/activations/${requestId}`),
      401,
      'unauthorized',
    );
    expectError(
      await call(
        [prefix, 'acme', String(Number(expiry) + 86_400), mac].join('.'),
        'GET',
        `/v1/activations/${requestId}`,
      ),
      401,
      'unauthorized',
    );
    const foreign = createClientSecrets(['someone-elses-key-0123456789-0123456789']).issue(
      requestId,
      'acme',
      3_600_000,
    );
    expectError(await call(foreign.clientSecret, 'GET', `/v1/activations/${requestId}`), 401, 'unauthorized');
    const expired = createClientSecrets([CLIENT_SECRET_KEY]).issue(requestId, 'acme', -60_000);
    const refused = await call(expired.clientSecret, 'GET', `/v1/activations/${requestId}`);
    expectError(refused, 401, 'unauthorized');
    expect(refused.body.error.message).toMatch(/expired/);
  });

  test('limits are caller input: a policy that loosens the server policy is 422 naming each field; nothing starts, no SMS', async ({
    stack: s,
    call,
    start,
  }) => {
    const seeded = await s.h.seed();
    const answer = await call(KEYS.acme, 'POST', '/v1/activations', {
      requestId: seeded.requestId,
      device: deviceAt(),
      policy: { maxOtpSends: 100, resendCooldown: 0, maxOtpAttempts: 100, paymentReconcileInitial: 0, deadline: '3d' },
    });
    expectError(answer, 422, 'invalid_request');
    expect(answer.body.error.details.map((p: { field: string }) => p.field).sort()).toEqual(
      [
        'policy.deadline',
        'policy.maxOtpAttempts',
        'policy.maxOtpSends',
        'policy.paymentReconcileInitial',
        'policy.resendCooldown',
      ].sort(),
    );
    expectError(await call(KEYS.acme, 'GET', `/v1/activations/${seeded.requestId}`), 404, 'not_found');
    expect(await s.h.calls(seeded.requestId)).toEqual([]);
    // Tightening is fine.
    const tight = await start(KEYS.acme, { policy: { maxOtpSends: 2, resendCooldown: '1h' } });
    expect(tight.answer.status).toBe(202);
  });

  test('requestId case: 81F4… and 81f4… are one activation; a webhook with the other case reaches it', async ({
    stack: s,
    call,
    waitFor,
  }) => {
    const seeded = await s.h.seed();
    const upper = seeded.requestId.toUpperCase();
    const first = await call(KEYS.acme, 'POST', '/v1/activations', {
      requestId: upper,
      device: deviceAt(),
      accessToken: seeded.accessToken,
    });
    expect(first.status).toBe(202);
    expect(first.body.requestId).toBe(seeded.requestId);
    await waitFor(KEYS.acme, seeded.requestId, 'awaiting_otp');
    const again = await call(KEYS.acme, 'POST', '/v1/activations', { requestId: seeded.requestId, device: deviceAt() });
    expect(again.status).toBe(200); // the same running activation, not a second one with fresh counters
    expect((await call(KEYS.acme, 'GET', `/v1/activations/${upper}`)).body.workflowId).toBe(
      `activation-${seeded.requestId}`,
    );
    // Vlens reports with the id in another case: it still reaches the activation (not "unknown").
    const event = {
      Id: randomUUID(),
      WebhookEvent: 'App.BusinessRequestStatusChange',
      Data: { Id: upper, NewStatus: 'CustomerSigned' },
    };
    const delivered = await http(`${s.gateway.url}/v1/webhooks/vlens?token=${VLENS_TOKEN}`, 'POST', event);
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ received: true });
  });

  test('idempotency keys: reuse with another body is 422 idempotency_key_reused; the same body replays; callers never share', async ({
    stack: s,
    call,
    start,
    waitFor,
  }) => {
    const { requestId, seeded, answer } = await start();
    await waitFor(KEYS.acme, requestId, 'awaiting_otp');
    const { code } = await s.h.latestOtp(seeded.requestId);
    const wrong = code === '000000' ? '111111' : '000000';
    const key = { 'idempotency-key': 'otp-try-1' };
    const first = await call(
      KEYS.acme,
      'POST',
      `/v1/activations/${requestId}/otp`,
      { code: wrong, device: deviceAt() },
      key,
    );
    expect(first.body).toMatchObject({ outcome: 'wrong_code', attemptsLeft: 4 });
    // The attack of the finding: the right code under the same key silently got the old answer.
    expectError(
      await call(KEYS.acme, 'POST', `/v1/activations/${requestId}/otp`, { code, device: deviceAt() }, key),
      422,
      'idempotency_key_reused',
    );
    const replay = await call(
      KEYS.acme,
      'POST',
      `/v1/activations/${requestId}/otp`,
      { code: wrong, device: deviceAt() },
      key,
    );
    expect(replay.body).toMatchObject({ outcome: 'wrong_code', attemptsLeft: 4 }); // the first answer, no second attempt
    // The app (another caller) using the same key is its own request, not the backend's answer.
    const app = await call(
      answer.body.clientSecret,
      'POST',
      `/v1/activations/${requestId}/otp`,
      { code: wrong, device: deviceAt() },
      key,
    );
    expect(app.body).toMatchObject({ outcome: 'wrong_code', attemptsLeft: 3 });
  });

  test('disk filling: selfies against an activation awaiting its OTP are refused before a byte is stored', async ({
    stack: s,
    call,
    start,
    waitFor,
  }) => {
    const { requestId } = await start();
    await waitFor(KEYS.acme, requestId, 'awaiting_otp');
    const image = Buffer.alloc(400_000, 7).toString('base64');
    for (let i = 0; i < 3; i++) {
      expectError(
        await call(KEYS.acme, 'POST', `/v1/activations/${requestId}/liveness`, {
          image,
          faces: [image, image, image],
          device: deviceAt(),
        }),
        409,
        'invalid_state',
      );
    }
    expect(await s.h.imageStore.countForActivation(requestId)).toBe(0);
  });

  test('uploads: a per-activation quota, and a blob ref of another activation is refused', async ({
    stack: s,
    call,
    start,
    waitFor,
  }) => {
    // An activation that needs liveness (the device moved far away).
    const { requestId } = await start(KEYS.acme, { device: deviceAt(ALEXANDRIA) });
    await waitFor(KEYS.acme, requestId, 'awaiting_liveness');
    const victim = await start();
    const victimRef = await s.h.imageStore.put(victim.requestId, Buffer.from('victim selfie').toString('base64'));
    const foreign = await call(KEYS.acme, 'POST', `/v1/activations/${requestId}/liveness`, {
      image: victimRef,
      device: deviceAt(ALEXANDRIA),
    });
    expectError(foreign, 422, 'invalid_request');
    expect(foreign.body.error.details[0]).toMatchObject({
      field: 'image',
      message: 'is not an image reference of this activation',
    });

    // Quota: 16 images stored already (earlier attempts): the next submission is refused whole.
    // Distinct images: the same image stored again is the same object (codec/sealed-image.ts, imageIdFor).
    const earlier = (i: number) => Buffer.from(`earlier attempt ${i}`).toString('base64');
    for (let i = 0; i < 16; i++) await s.h.imageStore.put(requestId, earlier(i));
    const small = Buffer.from('one more attempt').toString('base64');
    const over = await call(KEYS.acme, 'POST', `/v1/activations/${requestId}/liveness`, {
      image: small,
      device: deviceAt(ALEXANDRIA),
    });
    expectError(over, 409, 'upload_quota_exceeded');
    expect(await s.h.imageStore.countForActivation(requestId)).toBe(16);
  });

  test('unauthenticated Vlens webhooks with fresh ids are refused (401) and cost the activation nothing', async ({
    stack: s,
    start,
  }) => {
    const { requestId } = await start();
    const event = () => ({
      Id: randomUUID(),
      WebhookEvent: 'App.BusinessRequestStatusChange',
      Data: { Id: requestId, NewStatus: 'CustomerSigned' },
    });
    for (let i = 0; i < 5; i++)
      expectError(await http(`${s.gateway.url}/v1/webhooks/vlens`, 'POST', event()), 401, 'bad_signature');
  });
});

describe('security: rate limits per activation on every mutating route and on webhooks', () => {
  test('start -> cancel -> start loops, cancels, payment hints and webhook floods hit 429 with Retry-After', async ({
    stack: s,
  }) => {
    const activations = new ActivationClient({
      client: s.h.client,
      taskQueue: s.h.taskQueue,
      imageStore: s.h.imageStore,
    });
    const gateway = await startGateway({
      activations,
      port: 0,
      apiKeys: ['acme:backend:acme-backend-key-0123456789'],
      dedupStore: new MemoryDedupStore(),
      logLevel: 'silent',
      rateLimits: {
        startsPerActivationPerHour: 2,
        mutationsPerActivation: 3,
        webhooksPerActivation: 2,
        webhooksPerSource: 50,
        unverifiedWebhooksPerSource: 50,
      },
    });
    const post = (route: string, body: unknown) =>
      http(`${gateway.url}${route}`, 'POST', body, { authorization: 'Bearer acme-backend-key-0123456789' });
    try {
      const seeded = await s.h.seed();
      const startBody = { requestId: seeded.requestId, device: deviceAt(), accessToken: seeded.accessToken };
      const cancelAndWait = async () => {
        expect((await post(`/v1/activations/${seeded.requestId}/cancel`, { reason: 'loop' })).status).toBe(202);
        for (let i = 0; i < 50; i++) {
          const read = await http(`${gateway.url}/v1/activations/${seeded.requestId}`, 'GET', undefined, {
            authorization: 'Bearer acme-backend-key-0123456789',
          });
          if (read.body.state === 'cancelled') break;
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      };
      expect((await post('/v1/activations', startBody)).status).toBe(202);
      // Retries of a start whose activation runs (a timeout, a worker restarting) create nothing and are
      // answered with that activation: not counted (BENCHMARKS.md §8, worker-kill).
      for (let i = 0; i < 4; i++) expect((await post('/v1/activations', startBody)).status).toBe(200);
      await cancelAndWait();
      expect((await post('/v1/activations', startBody)).status).toBe(202);
      expect((await post('/v1/activations', startBody)).status).toBe(200);
      await cancelAndWait();
      // A third new run within the hour (a third SMS) is refused, and nothing is created.
      const third = await post('/v1/activations', startBody);
      expectError(third, 429, 'rate_limited');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(60);
      const after = await http(`${gateway.url}/v1/activations/${seeded.requestId}`, 'GET', undefined, {
        authorization: 'Bearer acme-backend-key-0123456789',
      });
      expect(after.body.state).toBe('cancelled');
      expect(
        (await s.h.calls(seeded.requestId)).filter((call) => call.path.endsWith('StepRequestOtp')).length,
      ).toBeLessThanOrEqual(2);

      // Every other mutating route: a few per minute per activation, each route on its own.
      const other = randomUUID();
      for (let i = 0; i < 3; i++)
        expect((await post(`/v1/activations/${other}/payment-completed`, { eventId: `e${i}` })).status).toBe(404);
      expectError(await post(`/v1/activations/${other}/payment-completed`, { eventId: 'e4' }), 429, 'rate_limited');

      // Verified webhooks for one activation (each would be a history event): bounded per activation.
      const requestId = seeded.requestId;
      const vlens = () =>
        http(`${gateway.url}/v1/webhooks/vlens`, 'POST', {
          Id: randomUUID(),
          WebhookEvent: 'App.BusinessRequestStatusChange',
          Data: { Id: requestId, NewStatus: 'CustomerSigned' },
        });
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await vlens()).status);
      expect(answers.slice(0, 2).every((status) => status < 300)).toBe(true);
      expect(answers.slice(2)).toEqual([429, 429]);
      // And per source address for requests that fail their signature (counted apart from verified ones).
      let last = 0;
      for (let i = 0; i < 60 && last !== 429; i++)
        last = (await http(`${gateway.url}/v1/webhooks/kashier`, 'POST', { junk: true })).status;
      expect(last).toBe(429);
    } finally {
      await gateway.close();
      await activations.close();
    }
  });
});
