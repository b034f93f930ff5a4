// Authentication rules of part B: ApiKey (401 envelope naming it), Bearer (401, empty body), user tokens
// bound to their request, requireBearer mode, token life, login and refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  base,
  bearerRefusal,
  CS,
  errorOf,
  fakeClock,
  INVALID_TOKEN,
  startTestSandbox,
  type HttpClient,
} from './helpers';

const LOGIN = { tenancyName: 'sandbox', userNameOrEmailAddress: 'admin', password: 'sandbox-password' };
type Tokens = {
  accessToken: string;
  expireInSeconds: number;
  refreshToken: string;
  refreshTokenExpireInSeconds: number;
};

describe('auth (default mode: Bearer optional)', () => {
  const clock = fakeClock();
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox({ now: clock.now, tokenTtlSeconds: 60, refreshTokenTtlSeconds: 600 });
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());

  it('missing or wrong ApiKey: 401 envelope with code 401, on every Vlens route', async () => {
    const s = await http.seed();
    for (const headers of [{}, { ApiKey: 'wrong' }, { ApiKey: '' }] as Record<string, string>[]) {
      for (const [method, path] of [
        ['POST', `${CS}/StepRequestOtp`],
        ['POST', '/api/BusinessRequest/Activate'],
        ['GET', `/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`],
        ['POST', '/api/credentials/Login'],
      ] as const) {
        const res = await http.request(method, path, method === 'POST' ? base(s.requestId) : undefined, headers);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          data: null,
          error_code: 401,
          error_message: 'Invalid or missing ApiKey',
          error_descriptions: null,
        });
      }
    }
  });

  it('ApiKey alone is accepted; a valid Bearer is accepted; an unknown or malformed Bearer is an empty 401', async () => {
    const s = await http.seed();
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.error_code).toBeNull();
    const withToken = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
      ApiKey: API_KEY,
      Authorization: `Bearer ${s.accessToken}`,
    });
    expect(withToken.body.error_code).toBeNull();
    for (const authorization of ['Bearer not-a-token', 'Bearer ', 'Basic abc', s.accessToken]) {
      const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
        ApiKey: API_KEY,
        Authorization: authorization,
      });
      expect(bearerRefusal(res), authorization).toEqual(INVALID_TOKEN);
      expect(res.headers.get('content-length')).toBe('0');
    }
    // A wrong ApiKey is still the envelope, even beside a bad Bearer: the ApiKey is checked first.
    const both = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
      ApiKey: 'wrong',
      Authorization: 'Bearer nope',
    });
    expect(both.status).toBe(401);
    expect(both.body).toMatchObject({ error_code: 401, error_message: 'Invalid or missing ApiKey' });
  });

  it('an expired Bearer is an empty 401, logged without an error code', async () => {
    const s = await http.seed();
    const headers = { ApiKey: API_KEY, Authorization: `Bearer ${s.accessToken}` };
    clock.advance(59_999);
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId), headers)).status).toBe(200);
    clock.advance(1);
    expect(bearerRefusal(await http.post(`${CS}/StepRequestOtp`, base(s.requestId), headers))).toEqual(INVALID_TOKEN);
    // Refused before the body is read, so the log cannot name the request.
    const calls = await http.get<{ httpStatus: number; errorCode: number | null; requestId?: string }[]>(
      '/sandbox/calls',
      {},
    );
    expect(calls.body.at(-1)).toEqual(expect.objectContaining({ httpStatus: 401, errorCode: null }));
    expect(calls.body.at(-1)?.requestId).toBeUndefined();
  });

  it("a user token is bound to its request: user A's token on request B is an empty 401, on every BusinessRequest route", async () => {
    const a = await http.seed();
    const b = await http.seed();
    const asA = { ApiKey: API_KEY, Authorization: `Bearer ${a.accessToken}` };
    expect((await http.post(`${CS}/StepRequestOtp`, base(a.requestId), asA)).body.error_code).toBeNull();
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${a.requestId}`, asA)).status).toBe(200);
    for (const res of [
      await http.post(`${CS}/StepRequestOtp`, base(b.requestId), asA),
      await http.post(`${CS}/StepValidatePayment`, base(b.requestId), asA),
      await http.post('/api/BusinessRequest/Activate', base(b.requestId), asA),
      await http.get(`/api/BusinessRequest/GetBusinessRequestById/${b.requestId}`, asA),
      await http.get(`/api/BusinessRequest/GetBusinessRequestById/${b.requestId.toUpperCase()}`, asA),
      // An unknown request is not A's either.
      await http.post(`${CS}/StepRequestOtp`, base('0f0f0f0f-0000-4000-8000-000000000000'), asA),
    ]) {
      expect(bearerRefusal(res)).toEqual(INVALID_TOKEN);
    }
    // Nothing happened to B: no OTP was sent.
    expect((await http.get<{ smsSent: number }>(`/sandbox/requests/${b.requestId}`, {})).body.smsSent).toBe(0);
    // The refused call is logged under B, without an error code.
    const calls = await http.get<{ httpStatus: number; errorCode: number | null }[]>(
      `/sandbox/calls?requestId=${b.requestId}`,
      {},
    );
    expect(calls.body[0]).toMatchObject({ httpStatus: 401, errorCode: null });
  });

  it('credentials Login issues tokens; RefreshToken issues a new access token; both expire', async () => {
    const login = await http.post('/api/credentials/Login', LOGIN, { ApiKey: API_KEY, TenancyName: 'sandbox' });
    expect(login.status).toBe(200);
    expect(login.body.error_code).toBeNull();
    const tokens = login.body.data as Tokens;
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      expireInSeconds: 60,
      refreshToken: expect.any(String),
      refreshTokenExpireInSeconds: 600,
    });
    const s = await http.seed();
    const asService = { ApiKey: API_KEY, Authorization: `Bearer ${tokens.accessToken}` };
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`, asService)).status).toBe(200);

    // A service token serves every request.
    const other = await http.seed();
    expect((await http.post(`${CS}/StepRequestOtp`, base(other.requestId), asService)).body.error_code).toBeNull();

    clock.advance(60_000);
    expect(
      bearerRefusal(await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`, asService)),
    ).toEqual(INVALID_TOKEN);
    const refreshed = await http.post('/api/credentials/RefreshToken', { refreshToken: tokens.refreshToken });
    expect(refreshed.body.error_code).toBeNull();
    const next = refreshed.body.data as { accessToken: string; expireInSeconds: number };
    expect(next.expireInSeconds).toBe(60);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    const renewed = { ApiKey: API_KEY, Authorization: `Bearer ${next.accessToken}` };
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`, renewed)).status).toBe(200);

    // An access token is not a refresh token, and refresh tokens expire too.
    expect(errorOf(await http.post('/api/credentials/RefreshToken', { refreshToken: next.accessToken }))).toMatchObject(
      { status: 401, code: 401 },
    );
    clock.advance(600_000);
    expect(
      errorOf(await http.post('/api/credentials/RefreshToken', { refreshToken: tokens.refreshToken })),
    ).toMatchObject({ status: 401, code: 401 });
  });

  it('credentials Login rejects wrong password, user or tenancy with 401', async () => {
    for (const body of [
      { ...LOGIN, password: 'nope' },
      { ...LOGIN, userNameOrEmailAddress: 'root' },
      { ...LOGIN, tenancyName: 'other' },
    ]) {
      expect(errorOf(await http.post('/api/credentials/Login', body))).toMatchObject({ status: 401, code: 401 });
    }
    expect(
      errorOf(await http.post('/api/credentials/Login', LOGIN, { ApiKey: API_KEY, TenancyName: 'other' })),
    ).toMatchObject({ status: 401 });
    expect(errorOf(await http.post('/api/credentials/Login', { tenancyName: 'sandbox' }))).toMatchObject({
      status: 400,
      code: 4000,
    });
  });

  it('DigitalIdentity Login issues a user token for a seeded transactionId or requestId, bound to that request (refreshed too)', async () => {
    const s = await http.seed();
    const other = await http.seed();
    for (const body of [{ transactionId: s.transactionId }, { requestId: s.requestId }]) {
      const res = await http.post('/api/DigitalIdentity/Login', body);
      expect(res.body.error_code).toBeNull();
      const { accessToken, refreshToken } = res.body.data as Tokens;
      const call = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
        ApiKey: API_KEY,
        Authorization: `Bearer ${accessToken}`,
      });
      expect(call.body.error_code).toBeNull();
      const refreshed = (await http.post('/api/credentials/RefreshToken', { refreshToken })).body.data as Tokens;
      for (const token of [accessToken, refreshed.accessToken]) {
        const elsewhere = await http.post(`${CS}/StepRequestOtp`, base(other.requestId), {
          ApiKey: API_KEY,
          Authorization: `Bearer ${token}`,
        });
        expect(bearerRefusal(elsewhere)).toEqual(INVALID_TOKEN);
      }
    }
    expect(
      errorOf(await http.post('/api/DigitalIdentity/Login', { transactionId: '0f0f0f0f-0000-4000-8000-000000000000' })),
    ).toMatchObject({ status: 401 });
    expect(errorOf(await http.post('/api/DigitalIdentity/Login', {}))).toMatchObject({ status: 400, code: 4000 });
  });
});

describe('auth in requireBearer mode', () => {
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox({ requireBearer: true });
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());

  it('a missing Bearer is an empty 401 (challenge without an error); the seeded user token works; credentials routes need only ApiKey', async () => {
    const s = await http.seed();
    expect(bearerRefusal(await http.post(`${CS}/StepRequestOtp`, base(s.requestId)))).toEqual({
      status: 401,
      body: '',
      challenge: 'Bearer',
    });
    expect(bearerRefusal(await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`))).toMatchObject({
      status: 401,
      body: '',
    });
    const ok = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
      ApiKey: API_KEY,
      Authorization: `Bearer ${s.accessToken}`,
    });
    expect(ok.body.error_code).toBeNull();
    expect((await http.post('/api/credentials/Login', LOGIN)).status).toBe(200);
  });
});
