// The HTTP client against a tiny local server: envelopes, transport failures, service tokens.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVlensConfig, type VlensConfigOverrides } from '../../activities/config';
import { VLENS_FAILURE_TYPES as F, VLENS_TRANSIENT_FAILURE_TYPES as TF } from '../../activities/contract';
import { VlensHttpClient } from '../../activities/http';
import { createActivities } from '../../activities/index';
import type { VlensCallContext } from '../../activities/contract';
import {
  envelope,
  LOGIN_PATH,
  REFRESH_PATH,
  rejection,
  startFakeVlens,
  tokenIssuer,
  type FakeReply,
  type FakeVlens,
  type Handler,
} from './fake-vlens';

const OTP_PATH = '/api/BusinessRequest/CustomerSign/StepRequestOtp';
const VALIDATE_OTP_PATH = '/api/BusinessRequest/CustomerSign/StepValidateOtp';
const PAYMENT_PATH = '/api/BusinessRequest/CustomerSign/StepValidatePayment';

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

beforeEach(async () => {
  now = 1_000_000;
  vlens = await startFakeVlens(withLogin(() => otpOk));
});
afterEach(async () => {
  await vlens.close();
});

describe('envelopes', () => {
  it('treats error_code null, 0 and a missing error_code as success', async () => {
    for (const json of [envelope({ otpRequestId: 'a' }, null), envelope({ otpRequestId: 'a' }, 0), { data: { otpRequestId: 'a' } }]) {
      const { activities } = setup({}, withLogin(() => ({ json })));
      await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'a', livenessRequired: false });
    }
  });

  it('reads a 200 with a non-zero error_code as an error', async () => {
    const { activities } = setup({}, withLogin(() => ({ json: envelope(null, 4001, 'Invalid OTP code') })));
    await expect(activities.validateOtp(ctx, { otpRequestId: 'otp-1', code: '123456' })).resolves.toEqual({ outcome: 'wrong_code' });
  });

  // Every configured code through the wire, on the operation where it is a business answer or a failure.
  const CODES: Array<[number, number, 'validateOtp' | 'validatePayment' | 'requestOtp', unknown]> = [
    [200, 4010, 'requestOtp', { livenessRequired: true }],
    [200, 4012, 'validateOtp', { outcome: 'liveness_required' }],
    [200, 4001, 'validateOtp', { outcome: 'wrong_code' }],
    [200, 4002, 'validateOtp', { outcome: 'expired' }],
    [200, 4003, 'validateOtp', { outcome: 'locked' }],
    [200, 4011, 'validateOtp', { outcome: 'liveness_rejected' }],
    [200, 4020, 'validatePayment', { activated: false }],
    [200, 4032, 'validatePayment', { activated: true }],
    [200, 4013, 'validatePayment', F.outOfOrder],
    [403, 4030, 'requestOtp', F.requestNotApproved],
    [200, 4031, 'requestOtp', F.requestRejected],
    [404, 4040, 'requestOtp', F.requestRejected],
    [200, 4032, 'requestOtp', F.alreadySigned],
    [400, 4000, 'validateOtp', F.invalidRequest],
  ];
  for (const [status, code, op, want] of CODES) {
    it(`maps HTTP ${status} / ${code} on ${op}`, async () => {
      const { activities } = setup({}, withLogin(() => ({ status, json: envelope(null, code, 'message') })));
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
      // A business 403 (4030) is not a token problem: no second login.
      expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(1);
    });
  }

  it('maps 5xx (with an envelope or an HTML page) to a retryable VlensUnavailable', async () => {
    for (const reply of [{ status: 500, json: envelope(null, 500, 'Internal') }, { status: 502, raw: '<html>Bad gateway</html>' }]) {
      const { activities } = setup({}, withLogin(() => reply));
      const f = await failureOf(activities.validatePayment(ctx));
      expect(f.type).toBe(TF.unavailable);
      expect(f.nonRetryable).toBe(false);
    }
  });

  it('maps 429 to VlensRateLimited with nextRetryDelay from Retry-After', async () => {
    const { activities } = setup({}, withLogin(() => ({ status: 429, headers: { 'Retry-After': '7' }, json: envelope(null, 429, 'Too many') })));
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.rateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7000);
  });

  it('maps 401 (bad ApiKey) to a retryable failure that tells the operator what to fix', async () => {
    const { activities } = setup({}, () => ({ status: 401, json: envelope(null, 401, 'Invalid ApiKey') }));
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.apiKeyRejected);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('VLENS_API_KEY');
  });

  it('maps a non-JSON 200 to a retryable malformed-response failure without quoting the body', async () => {
    const { activities } = setup({}, withLogin(() => ({ raw: 'otp=654321 token=secret' })));
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.malformedResponse);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('non-JSON');
    expect(f.message).not.toContain('654321');
    expect(f.message).not.toContain('secret');
  });

  it('maps success data of the wrong shape to a malformed-response failure', async () => {
    const { activities } = setup({}, withLogin(() => ({ json: envelope({ otpRequestId: 42 }) })));
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.malformedResponse);
    expect(f.message).toContain('data');
  });

  it('maps a 400 to VlensInvalidRequest naming the fields only', async () => {
    const { activities } = setup(
      {},
      withLogin(() => ({ status: 400, json: envelope(null, 4000, 'Bad', [{ field: 'otpCode', message: 'abc123 is not 6 digits' }]) })),
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
    const { activities } = setup({ httpTimeoutMs: 150 }, withLogin(() => 'hang'));
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
    const { activities } = setup({}, withLogin(() => 'drop'));
    const f = await failureOf(activities.validatePayment(ctx));
    expect(f.type).toBe(TF.unavailable);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/ECONNRESET|socket hang up/);
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

  it("a caller cancelled while waiting for the shared login does not abort it for the others", async () => {
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
    const { activities } = setup({}, withLogin(() => otpOk, tokenIssuer(100)));
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
      req.path === REFRESH_PATH ? { status: 403, json: envelope(null, 403, 'revoked') } : (tokens(req) ?? otpOk),
    );
    await activities.requestOtp(ctx);
    now += 90_000;
    await activities.requestOtp(ctx);
    expect(vlens.callsTo(REFRESH_PATH)).toHaveLength(1);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH)[1]!.headers.authorization).toBe('Bearer token-2');
  });

  it('logs in again after a 403 and retries the call once', async () => {
    const { activities } = setup(
      {},
      withLogin((req) => (req.headers.authorization === 'Bearer token-1' ? { status: 403, json: envelope(null, 403, 'Token expired') } : otpOk)),
    );
    await expect(activities.requestOtp(ctx)).resolves.toEqual({ otpRequestId: 'otp-1', livenessRequired: false });
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH).map((c) => c.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('gives up with a retryable VlensServiceAuthFailed when the fresh token is rejected too', async () => {
    const { activities } = setup({}, withLogin(() => ({ status: 403, json: envelope(null, 403, 'Forbidden') })));
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.serviceAuthFailed);
    expect(f.nonRetryable).toBe(false);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(2);
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(2);
  });

  it('reports a failed login (wrong password) as a retryable VlensServiceAuthFailed', async () => {
    const { activities } = setup({}, (req) =>
      req.path === LOGIN_PATH ? { status: 403, json: envelope(null, 403, 'Invalid user name or password') } : otpOk,
    );
    const f = await failureOf(activities.requestOtp(ctx));
    expect(f.type).toBe(TF.serviceAuthFailed);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('VLENS_PASSWORD');
    expect(vlens.callsTo(OTP_PATH)).toHaveLength(0);
  });

  it("uses the user's token when the context has one, and never replaces it on a 403", async () => {
    const { activities } = setup(
      {},
      withLogin((req) => (req.path === PAYMENT_PATH ? { status: 403, json: envelope(null, 403, 'Token expired') } : otpOk)),
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

  it("sends no bearer at all with VLENS_SERVICE_AUTH=none", async () => {
    const { activities } = setup({ serviceAuth: 'none' });
    await activities.requestOtp(ctx);
    expect(vlens.callsTo(LOGIN_PATH)).toHaveLength(0);
    expect(vlens.callsTo(OTP_PATH)[0]!.headers.authorization).toBeUndefined();
  });

  it('validates OTP over the wire (smoke)', async () => {
    const { activities } = setup({}, withLogin(() => ({ json: envelope('http://127.0.0.1:4010/sandbox/pay/p-1') })));
    await expect(activities.validateOtp(ctx, { otpRequestId: 'otp-1', code: '123456' })).resolves.toEqual({
      outcome: 'accepted',
      paymentLink: 'http://127.0.0.1:4010/sandbox/pay/p-1',
    });
    expect(vlens.callsTo(VALIDATE_OTP_PATH)).toHaveLength(1);
  });
});
