// The HTTP client against a tiny local server: envelopes, transport failures, service tokens, and the
// bound on unrecognised answers inside an activity.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVlensConfig, type VlensConfigOverrides } from '../../activities/config';
import { VLENS_FAILURE_TYPES as F, VLENS_TRANSIENT_FAILURE_TYPES as TF } from '../../contract/activities';
import { VlensHttpClient } from '../../activities/http';
import { createActivities } from '../../activities/index';
import type { VlensCallContext } from '../../contract/activities';
import {
  envelope,
  isRequestStatus,
  LOGIN_PATH,
  REFRESH_PATH,
  rejection,
  REQUEST_STATUS_PREFIX,
  requestStatus,
  startFakeVlens,
  tokenIssuer,
  withoutCode,
  type FakeReply,
  type FakeVlens,
  type Handler,
} from './fake-vlens';

const OTP_PATH = '/api/BusinessRequest/CustomerSign/StepRequestOtp';
const VALIDATE_OTP_PATH = '/api/BusinessRequest/CustomerSign/StepValidateOtp';
const PAYMENT_PATH = '/api/BusinessRequest/CustomerSign/StepValidatePayment';
const PENDING = 'This request is pending approval form admin';

const ctx: VlensCallContext = {
  requestId: '81f404b3-d7dc-4f08-b4fe-934853c86282',
  device: { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2025-01-15T10:30:00Z' },
};

let vlens: FakeVlens;
let now = 1_000_000;

/** Logins are answered by `tokens`, everything else by `rest`. */
function withLogin(rest: Handler, tokens = tokenIssuer()): Handler {
  return (req) => tokens(req) ?? rest(req);
}

function setup(overrides: VlensConfigOverrides = {}, handler?: Handler) {
  if (handler) vlens.setHandler(handler);
  const config = makeVlensConfig({ baseUrl: vlens.url, ...overrides });
  const http = new VlensHttpClient({ config, now: () => now });
  return { config, http, activities: createActivities({ config, http }) };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const otpOk: FakeReply = { json: envelope({ otpRequestId: 'otp-1' }) };
const STATUS_PATH = `${REQUEST_STATUS_PREFIX}${ctx.requestId}`;

beforeEach(async () => {
  now = 1_000_000;
  vlens = await startFakeVlens(withLogin(() => otpOk));
});
afterEach(async () => {
  await vlens.close();
});

describe('envelopes', () => {
  it('treats error_code null, 0 and "0" as success', async () => {
    for (const json of [
      envelope({ otpRequestId: 'a' }, null),
      envelope({ otpRequestId: 'a' }, 0),
      envelope({ otpRequestId: 'a' }, '0'),
    ]) {
      const { activities } = setup(
        {},
        withLogin(() => ({ json })),
      );
      await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'a', livenessRequired: false });
    }
  });

  // Fail closed: none of these is a success, whatever its data says.
  const UNREADABLE: Array<[string, FakeReply]> = [
    ['a missing error_code', { json: withoutCode({ otpRequestId: 'a' }) }],
    ['an empty body', { raw: '' }],
    ['a non-JSON body', { raw: '<html>OK</html>' }],
    ['{}', { json: {} }],
    ['a JSON array', { json: [{ otpRequestId: 'a' }] }],
    ['null data', { json: envelope(null) }],
    ['data without an otpRequestId', { json: envelope({ transactionId: 't-1' }) }],
  ];
  for (const [name, answer] of UNREADABLE) {
    // A 2xx may have sent an SMS: held at once, never retried (docs/vlens-answers.md, rule 7).
    it(`reads a 200 with ${name} as a VlensUnrecognisedAnswer on requestOtp, held without a retry`, async () => {
      const { activities } = setup(
        {},
        withLogin(() => answer),
      );
      const f = await failureOf(activities.requestOtp(ctx));
      expect(f.type).toBe(TF.unrecognised);
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain('may have sent an SMS');
      expect(f.details?.[0]).toMatchObject({
        condition: 'unrecognised',
        op: 'requestOtp',
        path: OTP_PATH,
        answer: { httpStatus: 200 },
      });
    });
  }

  it('describes an empty or non-JSON answer by its shape only', async () => {
    const empty = await failureOf(
      setup(
        {},
        withLogin(() => ({ raw: '' })),
      ).activities.validatePayment(ctx),
    );
    expect(empty.details?.[0]).toMatchObject({ answer: { httpStatus: 200, body: 'empty' } });
    const html = await failureOf(
      setup(
        {},
        withLogin(() => ({ raw: 'otp=654321' })),
      ).activities.validatePayment(ctx),
    );
    expect((html.details?.[0] as { answer: { body: string } }).answer.body).toMatch(
      /^non-JSON body \(content-type text\/html, 10 chars\)$/,
    );
    const noCode = await failureOf(
      setup(
        {},
        withLogin(() => ({ json: withoutCode({ isActive: true, otp: '654321' }) })),
      ).activities.validatePayment(ctx),
    );
    expect(noCode.details?.[0]).toMatchObject({
      answer: { body: { error_code: 'absent', data: { isActive: true, otp: 'string(6)' } } },
    });
    expect(JSON.stringify([empty.details, html.details, noCode.details])).not.toContain('654321');
    // Nothing proved the payment, so the request status was never asked for either.
    expect(vlens.callsTo(STATUS_PATH)).toHaveLength(0);
  });

  it('reads a 200 with a non-zero error_code as an error', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ json: envelope(null, 4001, 'Invalid OTP code') })),
    );
    await expect(activities.validateOtp(ctx, { otpRequestId: 'otp-1', code: '123456' })).resolves.toEqual({
      outcome: 'wrong_code',
    });
  });

  // Every configured code through the wire, on the operation where it is a business answer or a failure.
  // [HTTP status, error_code, error_message, step, result or failure type]
  const CODES: Array<[number, number, string, 'validateOtp' | 'validatePayment' | 'requestOtp', unknown]> = [
    [200, 4010, 'message', 'requestOtp', { livenessRequired: true }],
    [200, 4012, 'message', 'validateOtp', { outcome: 'liveness_required' }],
    [200, 4001, 'message', 'validateOtp', { outcome: 'wrong_code' }],
    [200, 4002, 'message', 'validateOtp', { outcome: 'expired' }],
    [200, 4003, 'message', 'validateOtp', { outcome: 'locked' }],
    [200, 4011, 'message', 'validateOtp', { outcome: 'liveness_rejected' }],
    [200, 4020, 'message', 'validatePayment', { activated: false }],
    [200, 4013, 'message', 'validatePayment', F.outOfOrder],
    [403, 403, PENDING, 'requestOtp', F.requestNotApproved],
    [200, 403, PENDING, 'requestOtp', F.requestNotApproved],
    [403, 4030, PENDING, 'validatePayment', F.requestNotApproved],
    [200, 4031, 'message', 'requestOtp', F.requestRejected],
    [404, 4040, 'message', 'requestOtp', F.requestRejected],
    [200, 4032, 'message', 'requestOtp', F.alreadySigned],
    [400, 4000, 'message', 'validateOtp', F.invalidRequest],
  ];
  for (const [status, code, message, op, want] of CODES) {
    it(`maps HTTP ${status} / ${code} (${message}) on ${op}`, async () => {
      const { activities } = setup(
        {},
        withLogin(() => ({ status, json: envelope(null, code, message) })),
      );
      const call =
        op === 'requestOtp'
          ? activities.requestOtp(ctx)
          : op === 'validateOtp'
            ? activities.validateOtp(ctx, { otpRequestId: 'otp-1', code: '123456' })
            : activities.validatePayment(ctx);
      if (typeof want === 'string') {
        const f = await failureOf(call);
        expect(f.type).toBe(want);
        expect(f.nonRetryable).toBe(true);
      } else {
        await expect(call).resolves.toEqual(want);
      }
      // A 403 is not a token problem: no second login.
      expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
      expect(vlens.callsTo(STATUS_PATH)).toHaveLength(0);
    });
  }

  it('reads a 403 without "pending approval" as unrecognised, not as a token problem', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 403, json: envelope(null, 403, 'Forbidden') })),
    );
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(false);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(1);
  });

  it('confirms 4032 (already signed) on validatePayment with GetBusinessRequestById', async () => {
    const { activities } = setup(
      {},
      withLogin((req) =>
        isRequestStatus(req) ? requestStatus(4) : { json: envelope(null, 4032, 'Request already signed') },
      ),
    );
    await expect(activities.validatePayment(ctx)).resolves.toEqual({ activated: true });
    const [get] = vlens.callsTo(STATUS_PATH);
    expect(get).toMatchObject({ method: 'GET', body: undefined });
    expect(get!.headers.apikey).toBe('sandbox-key');
    expect(get!.headers.authorization).toBe('Bearer token-1');
    expect(vlens.callsTo(PAYMENT_PATH)).toHaveLength(1);
  });

  it('does not activate on 4032 when GetBusinessRequestById says the request is not Customer Signed', async () => {
    const { activities } = setup(
      {},
      withLogin((req) =>
        isRequestStatus(req) ? requestStatus(2) : { json: envelope(null, 4032, 'Request already signed') },
      ),
    );
    await expect(activities.validatePayment(ctx)).resolves.toEqual({ activated: false });
    expect(vlens.callsTo(STATUS_PATH)).toHaveLength(1);
  });

  it('maps 5xx (with an envelope or an HTML page) to a retryable VlensUnavailable', async () => {
    for (const reply of [
      { status: 500, json: envelope(null, 500, 'Internal') },
      { status: 502, raw: '<html>Bad gateway</html>' },
    ]) {
      const { activities } = setup(
        {},
        withLogin(() => reply),
      );
      const f = await failureOf(activities.validatePayment(ctx));
      expect(f.type).toBe(TF.unavailable);
      expect(f.nonRetryable).toBe(false);
    }
  });

  it('maps 429 to VlensRateLimited with nextRetryDelay from Retry-After', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 429, headers: { 'Retry-After': '7' }, json: envelope(null, 429, 'Too many') })),
    );
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.rateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7000);
  });

  it('maps a 401 naming the ApiKey (even on the login) to a retryable failure that tells the operator what to fix', async () => {
    const { activities } = setup({}, () => ({ status: 401, json: envelope(null, 401, 'Invalid ApiKey') }));
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.apiKeyRejected);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('VLENS_API_KEY');
  });

  it('does not log in again when a business call is refused for its ApiKey', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 401, json: envelope(null, 401, 'Missing or invalid Api Key') })),
    );
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.apiKeyRejected);
    expect(f.nonRetryable).toBe(false);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(1);
  });

  it('maps a non-JSON 200 to a retryable unrecognised answer without quoting the body', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ raw: 'otp=654321 token=secret' })),
    );
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('non-JSON');
    expect(f.message).not.toContain('654321');
    expect(f.message).not.toContain('secret');
  });

  it('maps success data of the wrong shape to an unrecognised answer', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ json: envelope({ otpRequestId: 42 }) })),
    );
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('data');
  });

  it('maps a 400 to VlensInvalidRequest naming the fields only', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({
        status: 400,
        json: envelope(null, 4000, 'Bad', [{ field: 'otpCode', message: 'abc123 is not 6 digits' }]),
      })),
    );
    const f = await failureOf(activities.validateOtp(ctx, { otpRequestId: 'o', code: 'abc123' }));
    expect(f.type).toBe(F.invalidRequest);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('otpCode');
    expect(f.message).not.toContain('abc123');
  });
});

describe('transport', () => {
  it('times out a server that never answers', async () => {
    const { activities } = setup(
      { httpTimeoutMs: 150 },
      withLogin(() => 'hang'),
    );
    const started = Date.now();
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.timeout);
    expect(f.nonRetryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a body that stalls after the headers', async () => {
    vlens.setHandler(withLogin(() => 'hang'));
    const { http } = setup({ httpTimeoutMs: 150 });
    // The login itself answers; the business call hangs.
    await expect(http.serviceToken()).resolves.toBe('token-1');
    const f = await failureOf(http.post('validatePayment', PAYMENT_PATH, {}));
    expect(f.type).toBe(TF.timeout);
  });

  it('maps a dropped connection to a retryable VlensUnavailable', async () => {
    const { activities } = setup(
      {},
      withLogin(() => 'drop'),
    );
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.unavailable);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/ECONNRESET|UND_ERR_SOCKET \(other side closed\)/);
  });

  it('maps a refused connection to a retryable VlensUnavailable', async () => {
    const url = vlens.url;
    await vlens.close();
    const config = makeVlensConfig({ baseUrl: url, serviceAuth: 'none' });
    const f = await failureOf(createActivities({ config }).validatePayment(ctx));
    expect(f.type).toBe(TF.unavailable);
    expect(f.message).toContain('ECONNREFUSED');
    vlens = await startFakeVlens(() => otpOk); // for afterEach
  });

  it("honours the caller's cancellation signal", async () => {
    const controller = new AbortController();
    vlens.setHandler(withLogin(() => 'hang'));
    const config = makeVlensConfig({ baseUrl: vlens.url });
    const http = new VlensHttpClient({ config, cancellationSignal: () => controller.signal });
    const call = http.post('validatePayment', PAYMENT_PATH, {});
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(call);
    expect(error).toBeInstanceOf(CancelledFailure);
  });

  it('sends ApiKey and JSON headers on every call', async () => {
    const { activities } = setup({ apiKey: 'the-key' });
    await activities.requestOtp(ctx);
    for (const call of vlens.calls) {
      expect(call.method).toBe('POST');
      expect(call.headers.apikey).toBe('the-key');
      expect(call.headers['content-type']).toBe('application/json');
    }
  });

  it('GETs without a body, with the same headers and token', async () => {
    const { http } = setup(
      { apiKey: 'the-key' },
      withLogin(() => requestStatus(4)),
    );
    const reply = await http.get('requestStatus', STATUS_PATH);
    expect(reply).toMatchObject({ path: STATUS_PATH, httpStatus: 200, tokenSource: 'service', body: { ok: true } });
    const [get] = vlens.callsTo(STATUS_PATH);
    expect(get).toMatchObject({ method: 'GET', body: undefined });
    expect(get!.headers.apikey).toBe('the-key');
    expect(get!.headers.accept).toBe('application/json');
    expect(get!.headers.authorization).toBe('Bearer token-1');
    await http.get('requestStatus', STATUS_PATH, { userToken: 'user-jwt' });
    expect(vlens.callsTo(STATUS_PATH)[1]!.headers.authorization).toBe('Bearer user-jwt');
  });

  it('tells an empty body from an unparseable one', async () => {
    const { http } = setup({ serviceAuth: 'none' }, () => ({ raw: '' }));
    expect((await http.post('requestOtp', OTP_PATH, {})).body).toEqual({
      ok: false,
      reason: 'empty body',
      empty: true,
    });
    vlens.setHandler(() => ({ raw: '<html/>' }));
    expect((await http.post('requestOtp', OTP_PATH, {})).body).toMatchObject({ ok: false, empty: false });
    vlens.setHandler(() => ({ json: 'just a string' }));
    expect((await http.post('requestOtp', OTP_PATH, {})).body).toMatchObject({
      ok: false,
      empty: false,
      reason: expect.stringMatching(/not an envelope/),
    });
  });
});

describe('service token', () => {
  it('logs in once with ApiKey, TenancyName and the credentials, then reuses the token', async () => {
    const { activities } = setup({ tenancy: 'acme', username: 'svc', password: 'pw' });
    for (let i = 0; i < 5; i++) await activities.requestOtp(ctx);
    const logins = vlens.callsTo(LOGIN_PATH);
    expect(logins).toHaveLength(1);
    expect(logins[0]!.headers.tenancyname).toBe('acme');
    expect(logins[0]!.headers.apikey).toBe('sandbox-key');
    expect(logins[0]!.body).toEqual({ tenancyName: 'acme', userNameOrEmailAddress: 'svc', password: 'pw' });
    expect(vlens.callsTo(OTP_PATH).map((c) => c.headers.authorization)).toEqual(Array(5).fill('Bearer token-1'));
  });

  it('shares one login among concurrent calls (single flight)', async () => {
    const tokens = tokenIssuer();
    const { activities } = setup({}, async (req) => {
      const t = tokens(req);
      if (t) return { ...(t as object), delayMs: 50 };
      return otpOk;
    });
    await Promise.all(Array.from({ length: 10 }, () => activities.requestOtp(ctx)));
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(10);
  });

  it('a caller cancelled while waiting for the shared login does not abort it for the others', async () => {
    const tokens = tokenIssuer();
    vlens.setHandler((req) => {
      const t = tokens(req);
      return t ? { ...(t as object), delayMs: 100 } : otpOk;
    });
    const config = makeVlensConfig({ baseUrl: vlens.url });
    const controller = new AbortController();
    let signal: AbortSignal | undefined = controller.signal;
    const http = new VlensHttpClient({ config, cancellationSignal: () => signal });
    const cancelledCall = http.post('requestOtp', OTP_PATH, {});
    signal = undefined;
    const otherCall = http.post('requestOtp', OTP_PATH, {});
    controller.abort();
    expect(await rejection(cancelledCall)).toBeInstanceOf(CancelledFailure);
    await expect(otherCall).resolves.toMatchObject({ httpStatus: 200 });
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(1);
  });

  it('refreshes the token at 80% of its life, before it expires', async () => {
    const { activities } = setup(
      {},
      withLogin(() => otpOk, tokenIssuer(100)),
    );
    await activities.requestOtp(ctx);
    now += 79_000;
    await activities.requestOtp(ctx);
    expect(vlens.callsTo(REFRESH_PATH)).toHaveLength(0);
    now += 2_000; // 81 s of a 100 s token
    await activities.requestOtp(ctx);
    await activities.requestOtp(ctx);
    const refreshes = vlens.callsTo(REFRESH_PATH);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.body).toEqual({ refreshToken: 'refresh-1' });
    expect(refreshes[0]!.headers.apikey).toBe('sandbox-key');
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    expect(vlens.callsTo(OTP_PATH).map((c) => c.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer refreshed-1',
      'Bearer refreshed-1',
    ]);
  });

  it('logs in again when the refresh fails', async () => {
    const tokens = tokenIssuer(100);
    const { activities } = setup({}, (req) =>
      req.path === REFRESH_PATH ? { status: 401, json: envelope(null, 401, 'revoked') } : (tokens(req) ?? otpOk),
    );
    await activities.requestOtp(ctx);
    now += 90_000;
    await activities.requestOtp(ctx);
    expect(vlens.callsTo(REFRESH_PATH)).toHaveLength(1);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH)[1]!.headers.authorization).toBe('Bearer token-2');
  });

  it('logs in again after a 401 and retries the call once', async () => {
    const { activities } = setup(
      {},
      withLogin((req) =>
        req.headers.authorization === 'Bearer token-1'
          ? { status: 401, json: envelope(null, 401, 'Token expired') }
          : otpOk,
      ),
    );
    await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'otp-1', livenessRequired: false });
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH).map((c) => c.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('renews the token once after an empty-body 401 (an expired JWT), and keeps the new one', async () => {
    const { activities } = setup(
      {},
      withLogin((req) => (req.headers.authorization === 'Bearer token-1' ? { status: 401, raw: '' } : otpOk)),
    );
    await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'otp-1', livenessRequired: false });
    await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'otp-1', livenessRequired: false });
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH).map((c) => c.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-2',
    ]);
  });

  it('renews the token on a 401 to the GetBusinessRequestById GET too', async () => {
    const { activities } = setup(
      {},
      withLogin((req) => {
        if (!isRequestStatus(req)) return { json: envelope(null) }; // a payment answer without flags
        return req.headers.authorization === 'Bearer token-1' ? { status: 401, raw: '' } : requestStatus(4);
      }),
    );
    await expect(activities.validatePayment(ctx)).resolves.toEqual({ activated: true });
    expect(vlens.callsTo(STATUS_PATH).map((c) => c.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
  });

  it('gives up with a retryable VlensServiceAuthFailed when the fresh token is rejected too (renewing only once)', async () => {
    for (const rejected of [
      { status: 401, json: envelope(null, 401, 'Unauthorized') },
      { status: 401, raw: '' },
    ]) {
      const { activities } = setup(
        {},
        withLogin(() => rejected),
      );
      const before = { logins: vlens.callsTo(LOGIN_PATH).length, calls: vlens.callsTo(OTP_PATH).length };
      const f = await failureOf(activities.requestOtp(ctx));
      expect(f.type).toBe(TF.serviceAuthFailed);
      expect(f.nonRetryable).toBe(false);
      expect(vlens.callsTo(LOGIN_PATH).length - before.logins).toBe(2);
      expect(vlens.callsTo(OTP_PATH).length - before.calls).toBe(2);
    }
  });

  it('reports a failed login (wrong password) as a retryable VlensServiceAuthFailed', async () => {
    // The sandbox answers a wrong password with 401.
    const { activities } = setup({}, (req) =>
      req.path === LOGIN_PATH ? { status: 401, json: envelope(null, 401, 'Invalid user name or password') } : otpOk,
    );
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.serviceAuthFailed);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('VLENS_PASSWORD');
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(0);
  });

  it("uses the user's token when the context has one, and never replaces it on a 401", async () => {
    const { activities } = setup(
      {},
      withLogin((req) =>
        req.path === PAYMENT_PATH ? { status: 401, json: envelope(null, 401, 'Token expired') } : otpOk,
      ),
    );
    await activities.requestOtp({ ...ctx, accessToken: 'user-jwt' });
    expect(vlens.callsTo(OTP_PATH)[0]!.headers.authorization).toBe('Bearer user-jwt');
    const f = await failureOf(activities.validatePayment({ ...ctx, accessToken: 'user-jwt' }));
    expect(f.type).toBe(F.userTokenRejected);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).not.toContain('user-jwt');
    expect(vlens.callsTo(PAYMENT_PATH)).toHaveLength(1);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(0);
  });

  it("reads an empty-body 401 on the user's token as VlensUserTokenRejected", async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 401, raw: '' })),
    );
    const f = await failureOf(
      activities.validateOtp({ ...ctx, accessToken: 'user-jwt' }, { otpRequestId: 'o', code: '123456' }),
    );
    expect(f.type).toBe(F.userTokenRejected);
    expect(f.nonRetryable).toBe(true);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(0);
  });

  it("reads a 403 on the user's token as what its message says, not as a token problem", async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 403, json: envelope(null, 403, PENDING) })),
    );
    expect((await failureOf(activities.requestOtp({ ...ctx, accessToken: 'user-jwt' }))).type).toBe(
      F.requestNotApproved,
    );
    vlens.setHandler(withLogin(() => ({ status: 403, json: envelope(null, 403, 'Forbidden') })));
    expect((await failureOf(activities.requestOtp({ ...ctx, accessToken: 'user-jwt' }))).type).toBe(TF.unrecognised);
  });

  it('sends no bearer at all with VLENS_SERVICE_AUTH=none', async () => {
    const { activities } = setup({ serviceAuth: 'none' });
    await activities.requestOtp(ctx);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(0);
    expect(vlens.callsTo(OTP_PATH)[0]!.headers.authorization).toBeUndefined();
  });

  it('validates OTP over the wire (smoke)', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ json: envelope('http://127.0.0.1:4010/sandbox/pay/p-1') })),
    );
    await expect(activities.validateOtp(ctx, { otpRequestId: 'otp-1', code: '123456' })).resolves.toEqual({
      outcome: 'accepted',
      paymentLink: 'http://127.0.0.1:4010/sandbox/pay/p-1',
    });
    expect(vlens.callsTo(VALIDATE_OTP_PATH)).toHaveLength(1);
  });
});

describe('unrecognised answers are bounded per step', () => {
  const unreadable: FakeReply = { json: withoutCode({ otpRequestId: 'o-1' }) };
  const STEPS = {
    requestOtp: (a: ReturnType<typeof setup>['activities']) => a.requestOtp,
    validateOtp: (a: ReturnType<typeof setup>['activities']) => a.validateOtp,
    validatePayment: (a: ReturnType<typeof setup>['activities']) => a.validatePayment,
  };

  async function attempt(
    step: keyof typeof STEPS,
    n: number,
    overrides: VlensConfigOverrides = {},
    answer: FakeReply = unreadable,
  ): Promise<ApplicationFailure> {
    const { activities } = setup(
      overrides,
      withLogin(() => answer),
    );
    const env = new MockActivityEnvironment({ attempt: n });
    const fn = STEPS[step](activities) as (...args: unknown[]) => Promise<unknown>;
    const args = step === 'validateOtp' ? [ctx, { otpRequestId: 'o-1', code: '123456' }] : [ctx];
    return failureOf(env.run(fn, ...args));
  }

  it('validateOtp: retryable on attempt 1, non-retryable on attempt 2', async () => {
    const first = await attempt('validateOtp', 1);
    expect(first.type).toBe(TF.unrecognised);
    expect(first.nonRetryable).toBe(false);
    const second = await attempt('validateOtp', 2);
    expect(second.type).toBe(TF.unrecognised);
    expect(second.nonRetryable).toBe(true);
    expect(second.message).toContain('attempt 2 of 2 for validateOtp');
    // The operator still sees what was answered.
    expect(second.details?.[0]).toMatchObject({
      condition: 'unrecognised',
      answer: { body: { error_code: 'absent' } },
    });
  });

  it('requestOtp: a 2xx it cannot read is held at attempt 1; other unreadable answers from attempt 3', async () => {
    const first = await attempt('requestOtp', 1);
    expect(first.nonRetryable).toBe(true);
    expect(first.message).toContain('a 2xx to requestOtp may have sent an SMS');
    const unknownCode: FakeReply = { status: 422, json: envelope(null, 9999, 'Something new') };
    expect((await attempt('requestOtp', 2, {}, unknownCode)).nonRetryable).toBe(false);
    expect((await attempt('requestOtp', 3, {}, unknownCode)).nonRetryable).toBe(true);
    expect((await attempt('requestOtp', 4, {}, unknownCode)).nonRetryable).toBe(true);
    expect((await attempt('validatePayment', 4)).nonRetryable).toBe(false);
    expect((await attempt('validatePayment', 5)).nonRetryable).toBe(true);
  });

  it('revalidateLiveness: non-retryable from attempt 2', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ json: withoutCode('Liveness re-validation successful.') })),
    );
    const images = { image: 'A', faces: ['1', '2', '3'] as [string, string, string] };
    expect(
      (await failureOf(new MockActivityEnvironment({ attempt: 1 }).run(activities.revalidateLiveness, ctx, images)))
        .nonRetryable,
    ).toBe(false);
    const last = await failureOf(
      new MockActivityEnvironment({ attempt: 2 }).run(activities.revalidateLiveness, ctx, images),
    );
    expect(last.type).toBe(TF.unrecognised);
    expect(last.nonRetryable).toBe(true);
  });

  it('follows config.unrecognisedMaxAttempts, and counts a call outside an activity as attempt 1', async () => {
    const overrides = {
      unrecognisedMaxAttempts: { requestOtp: 1, revalidateLiveness: 2, validateOtp: 2, validatePayment: 8 },
    };
    expect((await attempt('requestOtp', 1, overrides)).nonRetryable).toBe(true);
    expect((await attempt('validatePayment', 7, overrides)).nonRetryable).toBe(false);
    const { activities } = setup(
      overrides,
      withLogin(() => unreadable),
    );
    expect((await failureOf(activities.requestOtp(ctx))).nonRetryable).toBe(true);
    expect((await failureOf(activities.validateOtp(ctx, { otpRequestId: 'o', code: '1' }))).nonRetryable).toBe(false);
  });

  it('leaves other failures alone, however late the attempt', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 503, json: envelope(null, 503, 'down') })),
    );
    const f = await failureOf(
      new MockActivityEnvironment({ attempt: 10 }).run(activities.validateOtp, ctx, { otpRequestId: 'o', code: '1' }),
    );
    expect(f.type).toBe(TF.unavailable);
    expect(f.nonRetryable).toBe(false);
    vlens.setHandler(withLogin(() => ({ json: envelope(null, 4001, 'Invalid OTP code') })));
    await expect(
      new MockActivityEnvironment({ attempt: 10 }).run(activities.validateOtp, ctx, { otpRequestId: 'o', code: '1' }),
    ).resolves.toEqual({
      outcome: 'wrong_code',
    });
  });
});
