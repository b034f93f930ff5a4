// Authentication rules of part B: ApiKey (401), Bearer (403), requireBearer mode, token life, login and refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, base, CS, errorOf, fakeClock, startTestSandbox, type HttpClient } from './helpers';

const LOGIN = { tenancyName: 'sandbox', userNameOrEmailAddress: 'admin', password: 'sandbox-password' };
type Tokens = { accessToken: string; expireInSeconds: number; refreshToken: string; refreshTokenExpireInSeconds: number };

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
        expect(res.body).toEqual({ data: null, error_code: 401, error_message: expect.any(String), error_descriptions: null });
      }
    }
  });

  it('ApiKey alone is accepted; a valid Bearer is accepted; an unknown Bearer is 403', async () => {
    const s = await http.seed();
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.error_code).toBeNull();
    const withToken = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), { ApiKey: API_KEY, Authorization: `Bearer ${s.accessToken}` });
    expect(withToken.body.error_code).toBeNull();
    for (const authorization of ['Bearer not-a-token', 'Bearer ', 'Basic abc', s.accessToken]) {
      const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), { ApiKey: API_KEY, Authorization: authorization });
      expect(errorOf(res)).toMatchObject({ status: 403, code: 403 });
      expect(res.body.data).toBeNull();
    }
  });

  it('an expired Bearer is 403', async () => {
    const s = await http.seed();
    const headers = { ApiKey: API_KEY, Authorization: `Bearer ${s.accessToken}` };
    clock.advance(59_999);
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId), headers)).status).toBe(200);
    clock.advance(1);
    expect(errorOf(await http.post(`${CS}/StepRequestOtp`, base(s.requestId), headers))).toMatchObject({ status: 403, code: 403 });
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

    clock.advance(60_000);
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`, asService)).status).toBe(403);
    const refreshed = await http.post('/api/credentials/RefreshToken', { refreshToken: tokens.refreshToken });
    expect(refreshed.body.error_code).toBeNull();
    const next = refreshed.body.data as { accessToken: string; expireInSeconds: number };
    expect(next.expireInSeconds).toBe(60);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    const renewed = { ApiKey: API_KEY, Authorization: `Bearer ${next.accessToken}` };
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`, renewed)).status).toBe(200);

    // An access token is not a refresh token, and refresh tokens expire too.
    expect(errorOf(await http.post('/api/credentials/RefreshToken', { refreshToken: next.accessToken }))).toMatchObject({ status: 401, code: 401 });
    clock.advance(600_000);
    expect(errorOf(await http.post('/api/credentials/RefreshToken', { refreshToken: tokens.refreshToken }))).toMatchObject({ status: 401, code: 401 });
  });

  it('credentials Login rejects wrong password, user or tenancy with 401', async () => {
    for (const body of [
      { ...LOGIN, password: 'nope' },
      { ...LOGIN, userNameOrEmailAddress: 'root' },
      { ...LOGIN, tenancyName: 'other' },
    ]) {
      expect(errorOf(await http.post('/api/credentials/Login', body))).toMatchObject({ status: 401, code: 401 });
    }
    expect(errorOf(await http.post('/api/credentials/Login', LOGIN, { ApiKey: API_KEY, TenancyName: 'other' }))).toMatchObject({ status: 401 });
    expect(errorOf(await http.post('/api/credentials/Login', { tenancyName: 'sandbox' }))).toMatchObject({ status: 400, code: 4000 });
  });

  it('DigitalIdentity Login issues a user token for a seeded transactionId or requestId', async () => {
    const s = await http.seed();
    for (const body of [{ transactionId: s.transactionId }, { requestId: s.requestId }]) {
      const res = await http.post('/api/DigitalIdentity/Login', body);
      expect(res.body.error_code).toBeNull();
      const { accessToken } = res.body.data as Tokens;
      const call = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), { ApiKey: API_KEY, Authorization: `Bearer ${accessToken}` });
      expect(call.body.error_code).toBeNull();
    }
    expect(errorOf(await http.post('/api/DigitalIdentity/Login', { transactionId: '0f0f0f0f-0000-4000-8000-000000000000' }))).toMatchObject({ status: 401 });
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

  it('a missing Bearer is 403; the seeded user token works; credentials routes need only ApiKey', async () => {
    const s = await http.seed();
    expect(errorOf(await http.post(`${CS}/StepRequestOtp`, base(s.requestId)))).toMatchObject({ status: 403, code: 403 });
    const ok = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), { ApiKey: API_KEY, Authorization: `Bearer ${s.accessToken}` });
    expect(ok.body.error_code).toBeNull();
    expect((await http.post('/api/credentials/Login', LOGIN)).status).toBe(200);
  });
});
