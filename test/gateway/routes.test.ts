// Every app-facing route's refusals over real HTTP, against the real Temporal server and worker: auth,
// validation (422 with field details), body limits (413), state conflicts (409), cooldown (429 with
// Retry-After), not found (404), rate limits, the error shape, /healthz both ways.
import { describe, expect } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { createDataConverter } from '../../codec';
import { ALEXANDRIA, deviceAt, FIXTURE_CODEC_KEYS } from '../temporal/harness';
import { API_KEY, freePort, http } from './stack';
import { gatewayTest as test } from '../temporal/fixtures';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('gateway routes: refusals and edge cases', () => {
  const expectError = (answer: { status: number; body: any }, status: number, code: string) => {
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
    expect(typeof answer.body.error.message).toBe('string');
  };

  test('API key: missing, wrong and non-Bearer keys are 401; webhooks and /healthz need none', async ({ stack: s }) => {
    const url = `${s.gateway.url}/v1/activations/${UNKNOWN}`;
    const missing = await http(url, 'GET');
    expectError(missing, 401, 'unauthorized');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expectError(await http(url, 'GET', undefined, { authorization: 'Bearer not-the-key' }), 401, 'unauthorized');
    expectError(await http(url, 'GET', undefined, { authorization: 'Basic ZGV2LWtleQ==' }), 401, 'unauthorized');
    expectError(await http(url, 'GET', undefined, { authorization: 'Bearer dev-key' }), 404, 'not_found');
    expect((await http(`${s.gateway.url}/healthz`, 'GET')).status).toBe(200);
    expectError(await http(`${s.gateway.url}/v1/webhooks/vlens`, 'POST', { nope: true }), 400, 'bad_request');
  });

  test('a credential in the URL is refused (401), even beside a valid header; the same secret in the header streams', async ({
    stack: s,
  }) => {
    const { seeded, answer } = await s.startActivation();
    const secret: string = answer.body.clientSecret;
    const events = `${s.gateway.url}/v1/activations/${seeded.requestId}/events`;
    const inUrl = `${events}?access_token=${encodeURIComponent(secret)}`;
    const refusals = [
      await http(inUrl, 'GET'),
      // A header does not make it good: the URL, with the secret in it, has already passed every proxy's log.
      await http(inUrl, 'GET', undefined, { authorization: `Bearer ${secret}` }),
      // An API key in the URL, under any case of the name, on the plain status read too.
      await http(`${s.gateway.url}/v1/activations/${seeded.requestId}?ACCESS_TOKEN=${API_KEY}`, 'GET'),
    ];
    for (const refused of refusals) {
      expectError(refused, 401, 'unauthorized');
      expect(refused.body.error.message).toMatch(/credential in the URL is refused/);
    }
    const stream = new AbortController();
    const opened = await fetch(events, { headers: { authorization: `Bearer ${secret}` }, signal: stream.signal });
    try {
      expect(opened.status).toBe(200);
      expect(opened.headers.get('content-type')).toMatch(/^text\/event-stream/);
    } finally {
      stream.abort();
    }
    const signature = secret.split('.').pop()!;
    expect(s.logs.some((line) => line.includes(signature))).toBe(false);
  });

  test('several API keys: each one works', async ({ stack: s }) => {
    const gateway = await startGateway({
      activations: s.activations,
      port: 0,
      apiKeys: ['key-a', 'key-b'],
      dedupStore: new MemoryDedupStore(),
      logLevel: 'silent',
    });
    try {
      for (const key of ['key-a', 'key-b']) {
        expectError(
          await http(`${gateway.url}/v1/activations/${UNKNOWN}`, 'GET', undefined, { authorization: `Bearer ${key}` }),
          404,
          'not_found',
        );
      }
      expectError(
        await http(`${gateway.url}/v1/activations/${UNKNOWN}`, 'GET', undefined, { authorization: 'Bearer dev-key' }),
        401,
        'unauthorized',
      );
    } finally {
      await gateway.close();
    }
  });

  test('POST /v1/activations: 422 names the fields, 400 for broken JSON, 415 for forms, 413 over the limit', async ({
    stack: s,
  }) => {
    const invalid = await s.api('POST', '/v1/activations', {
      requestId: 'nope',
      device: { geoLocation: { latitude: 91, longitude: 0 }, userDeviceUtcTime: 'yesterday' },
      policy: { otpTtl: 'banana' },
    });
    expectError(invalid, 422, 'invalid_request');
    const fields = invalid.body.error.details.map((p: { field: string }) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['requestId', 'device.geoLocation.latitude', 'device.userDeviceUtcTime', 'policy.otpTtl']),
    );

    expectError(
      await s.api('POST', '/v1/activations', '{"requestId": ', { 'content-type': 'application/json' }),
      400,
      'bad_request',
    );
    expectError(
      await s.api('POST', '/v1/activations', 'requestId=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
    const huge = await s.api('POST', '/v1/activations', {
      requestId: UNKNOWN,
      device: deviceAt(),
      accessToken: 'x'.repeat(40_000),
    });
    expectError(huge, 413, 'payload_too_large');
    expect(huge.body.error.message).toMatch(/larger than 16384 bytes/);
  });

  test('GET status: 404 for an unknown request, 422 for a malformed id; unknown routes answer the error shape', async ({
    stack: s,
  }) => {
    expectError(await s.api('GET', `/v1/activations/${UNKNOWN}`), 404, 'not_found');
    expectError(await s.api('GET', '/v1/activations/not-a-uuid'), 422, 'invalid_request');
    expectError(await s.api('GET', '/v1/nothing-here'), 404, 'not_found');
  });

  test('GET /v1/activations lists by state; an unknown state is 422', async ({ stack: s }) => {
    const { seeded } = await s.startActivation();
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    let listed: any[] = [];
    for (let i = 0; i < 50 && !listed.some((a) => a.requestId === seeded.requestId); i++) {
      listed = (await s.api('GET', '/v1/activations?state=awaiting_otp&limit=500')).body.activations;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed.find((a) => a.requestId === seeded.requestId)).toMatchObject({
      state: 'awaiting_otp',
      executionStatus: 'RUNNING',
    });
    expectError(await s.api('GET', '/v1/activations?state=bogus'), 422, 'invalid_request');
  });

  test('OTP: wrong code 200, bad body 422, bad Idempotency-Key 422, unknown 404, wrong state 409', async ({
    stack: s,
  }) => {
    const { seeded } = await s.startActivation();
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const route = `/v1/activations/${seeded.requestId}/otp`;
    const { code } = await s.h.latestOtp(seeded.requestId);
    const wrong = code === '000000' ? '111111' : '000000';

    const answer = await s.api('POST', route, { code: wrong, device: deviceAt() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'wrong_code', attemptsLeft: 4 });

    const bad = await s.api('POST', route, { code: '12ab', device: deviceAt() });
    expectError(bad, 422, 'invalid_request');
    expect(bad.body.error.details).toEqual([{ field: 'code', message: 'must be 4 to 8 digits' }]);
    expectError(
      await s.api('POST', route, { code, device: deviceAt() }, { 'idempotency-key': 'spaces are not allowed' }),
      422,
      'invalid_request',
    );
    expectError(await s.api('POST', `/v1/activations/${UNKNOWN}/otp`, { code, device: deviceAt() }), 404, 'not_found');

    // Liveness while awaiting the OTP is out of order.
    const image = Buffer.from('selfie').toString('base64');
    expectError(
      await s.api('POST', `/v1/activations/${seeded.requestId}/liveness`, { image, device: deviceAt() }),
      409,
      'invalid_state',
    );
  });

  test('resend: 429 resend_cooldown with Retry-After inside the cooldown; 409 sends_exhausted; 409 in the wrong state', async ({
    stack: s,
  }) => {
    const { seeded } = await s.startActivation({}, { policy: { resendCooldown: '1h' } });
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const cooldown = await s.api('POST', `/v1/activations/${seeded.requestId}/otp/resend`, { device: deviceAt() });
    expectError(cooldown, 429, 'resend_cooldown');
    expect(Number(cooldown.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(Date.parse(cooldown.body.error.details.resendAvailableAt)).toBeGreaterThan(Date.now());

    const single = await s.startActivation({}, { policy: { maxOtpSends: 1, resendCooldown: '0s' } });
    await s.waitForState(single.seeded.requestId, 'awaiting_otp');
    expectError(
      await s.api('POST', `/v1/activations/${single.seeded.requestId}/otp/resend`, { device: deviceAt() }),
      409,
      'sends_exhausted',
    );

    const far = await s.startActivation({}, { device: deviceAt(ALEXANDRIA) });
    await s.waitForState(far.seeded.requestId, 'awaiting_liveness');
    expectError(
      await s.api('POST', `/v1/activations/${far.seeded.requestId}/otp/resend`, { device: deviceAt(ALEXANDRIA) }),
      409,
      'invalid_state',
    );

    // Liveness: a broken image is 422, an oversized body 413 with a hint.
    const liveness = `/v1/activations/${far.seeded.requestId}/liveness`;
    const broken = await s.api('POST', liveness, { image: 'not base64!', device: deviceAt(ALEXANDRIA) });
    expectError(broken, 422, 'invalid_request');
    expect(broken.body.error.details[0].field).toBe('image');
    const oversized = await s.api('POST', liveness, {
      image: 'A'.repeat(3.5 * 1024 * 1024),
      device: deviceAt(ALEXANDRIA),
    });
    expectError(oversized, 413, 'payload_too_large');
    expect(oversized.body.error.message).toMatch(/liveness images/);
  });

  test('payment-completed and cancel: 202, 404 for unknown, 422 for bad bodies, then 409 once ended', async ({
    stack: s,
  }) => {
    const { seeded } = await s.startActivation();
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const base = `/v1/activations/${seeded.requestId}`;

    const paid = await s.api('POST', `${base}/payment-completed`, { eventId: 'app-evt-1', reference: 'R-1' });
    expect(paid.status).toBe(202);
    expectError(await s.api('POST', `${base}/payment-completed`, { eventId: '' }), 422, 'invalid_request');
    expectError(
      await s.api('POST', `/v1/activations/${UNKNOWN}/payment-completed`, { eventId: 'x' }),
      404,
      'not_found',
    );

    expectError(await s.api('POST', `${base}/cancel`, {}), 422, 'invalid_request');
    expectError(await s.api('POST', `/v1/activations/${UNKNOWN}/cancel`, { reason: 'test' }), 404, 'not_found');
    expect((await s.api('POST', `${base}/cancel`, { reason: 'user gave up' })).status).toBe(202);
    const cancelled = await s.waitForState(seeded.requestId, 'cancelled');
    expect(cancelled.failureReason).toBe('cancelled');

    // Closed now: an OTP is refused as the activation having ended.
    let ended = await s.api('POST', `${base}/otp`, { code: '123456', device: deviceAt() });
    for (let i = 0; i < 20 && ended.status !== 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ended = await s.api('POST', `${base}/otp`, { code: '123456', device: deviceAt() });
    }
    expectError(ended, 409, 'invalid_state');
    expect(ended.body.error.details).toMatchObject({ ended: true });

    // A cancelled activation may be started again.
    const restarted = await s.api('POST', '/v1/activations', { requestId: seeded.requestId, device: deviceAt() });
    expect(restarted.status).toBe(202);
  });

  test('rate limits: per activation on OTP and resend, per API key across activations (429 with Retry-After)', async ({
    stack: s,
  }) => {
    const gateway: RunningGateway = await startGateway({
      activations: s.activations,
      port: 0,
      dedupStore: new MemoryDedupStore(),
      rateLimits: { otpPerActivation: 2, resendPerActivation: 1, perApiKey: 5 },
      logLevel: 'silent',
    });
    const post = (route: string, body: unknown) =>
      http(`${gateway.url}${route}`, 'POST', body, { authorization: 'Bearer dev-key' });
    try {
      const otp = { code: '12', device: deviceAt() }; // invalid on purpose: limits apply before validation
      expect((await post(`/v1/activations/${UNKNOWN}/otp`, otp)).status).toBe(422);
      expect((await post(`/v1/activations/${UNKNOWN}/otp`, otp)).status).toBe(422);
      const limited = await post(`/v1/activations/${UNKNOWN}/otp`, otp);
      expectError(limited, 429, 'rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

      const other = '00000000-0000-4000-8000-000000000001';
      expect((await post(`/v1/activations/${other}/otp/resend`, {})).status).toBe(422);
      expectError(await post(`/v1/activations/${other}/otp/resend`, {}), 429, 'rate_limited');

      // Five calls so far for this key: the next one, for yet another activation, hits the key's limit.
      expectError(await post(`/v1/activations/00000000-0000-4000-8000-000000000002/otp`, otp), 429, 'rate_limited');
    } finally {
      await gateway.close();
    }
  });

  test('a retried OTP with the same Idempotency-Key works once Vlens answers again after a 503 vlens_unavailable', async ({
    stack: s,
  }) => {
    // Vlens down for the whole user-facing budget (workflows/vlens-steps.ts): the app is told 503, retry later.
    const { seeded } = await s.startActivation();
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const { code } = await s.h.latestOtp(seeded.requestId);
    const fault = await s.h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidateOtp',
      status: 503,
    });
    // The production update timeout (75 s), longer than the workflow's Vlens budget, unlike the shared stack's.
    const activations = new ActivationClient({
      client: s.h.client,
      taskQueue: s.h.taskQueue,
      imageStore: s.h.imageStore,
    });
    const gateway = await startGateway({
      activations,
      port: 0,
      apiKeys: ['key-a'],
      dedupStore: new MemoryDedupStore(),
      logLevel: 'silent',
    });
    try {
      const url = `${gateway.url}/v1/activations/${seeded.requestId}/otp`;
      const headers = { authorization: 'Bearer key-a', 'idempotency-key': 'otp-retry-after-outage' };
      const submit = () => http(url, 'POST', { code, device: deviceAt() }, headers);
      const unavailable = await submit();
      expectError(unavailable, 503, 'vlens_unavailable');
      expect(Number(unavailable.headers.get('retry-after'))).toBeGreaterThan(0);

      // Vlens is back: the same key is a real second try, not a replay of the outage.
      await s.h.sandbox('DELETE', `/sandbox/faults/${fault.body.id}`);
      const accepted = await submit();
      expect({ status: accepted.status, outcome: accepted.body.outcome }).toEqual({ status: 200, outcome: 'accepted' });
      // ...and from now on the key answers with that success, without a second validation at Vlens.
      const replayed = await submit();
      expect({ status: replayed.status, outcome: replayed.body.outcome }).toEqual({ status: 200, outcome: 'accepted' });
      const validations = (await s.h.calls(seeded.requestId)).filter(
        (c) => c.path.endsWith('StepValidateOtp') && c.httpStatus === 200,
      );
      expect(validations).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  }, 150_000);

  test('a resend refused for the cooldown can be retried with the same Idempotency-Key once the cooldown is over', async ({
    stack: s,
  }) => {
    const { seeded } = await s.startActivation({}, { policy: { resendCooldown: '2s' } });
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // Two resends at once: both pass the validator; the second one, run after the first under the lock,
    // meets the cooldown the first one started. That refusal is recorded for its key in Temporal.
    const route = `/v1/activations/${seeded.requestId}/otp/resend`;
    const resend = (key: string) => s.api('POST', route, { device: deviceAt() }, { 'idempotency-key': key });
    const answers = await Promise.all([resend('resend-a'), resend('resend-b')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 429]);
    const refusedKey = answers[0]!.status === 429 ? 'resend-a' : 'resend-b';
    const refused = answers.find((a) => a.status === 429)!;
    expectError(refused, 429, 'resend_cooldown');

    const waitMs = Date.parse(refused.body.error.details.resendAvailableAt) - Date.now() + 200;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
    const retried = await resend(refusedKey);
    expect(retried.status).toBe(200);
    const smsSent = (await s.h.calls(seeded.requestId)).filter(
      (c) => c.path.endsWith('StepRequestOtp') && c.httpStatus === 200,
    );
    expect(smsSent).toHaveLength(3);
  });

  test('/healthz is 503 when Temporal cannot be reached', async ({ stack: s }) => {
    const deadPort = await freePort();
    const unreachable = new ActivationClient({
      temporal: { address: `127.0.0.1:${deadPort}`, env: {} },
      dataConverter: createDataConverter(FIXTURE_CODEC_KEYS, { namespace: 'default' }),
      imageStore: s.h.imageStore,
    });
    const gateway = await startGateway({
      activations: unreachable,
      port: 0,
      dedupStore: new MemoryDedupStore(),
      logLevel: 'silent',
    });
    try {
      const health = await http(`${gateway.url}/healthz`, 'GET');
      expectError(health, 503, 'temporal_unavailable');
    } finally {
      await gateway.close();
      await unreachable.close().catch(() => undefined);
    }
  });
});
