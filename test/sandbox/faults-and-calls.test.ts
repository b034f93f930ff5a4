// Fault injection (status by count, seeded probability, delay, drop), the call log, and reset.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../sandbox/state';
import { base, CS, startTestSandbox, type HttpClient } from './helpers';

type Fault = { id: string; hits: number };
/** The call log's entries as the sandbox writes them (sandbox/state.ts). */
type Call = CallRecord;

describe('faults, call log, reset', () => {
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox();
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());
  afterEach(async () => {
    await http.request('DELETE', '/sandbox/faults', undefined, {});
  });

  const addFault = async (spec: Record<string, unknown>) => {
    const res = await http.post<Fault>('/sandbox/faults', spec, {});
    expect(res.status).toBe(201);
    return res.body;
  };

  it('a status fault hits `times` matching calls, then the real answer returns', async () => {
    const s = await http.seed();
    const fault = await addFault({ path: '/api/BusinessRequest/CustomerSign/*', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId));
      statuses.push([res.status, res.body.error_code]);
    }
    expect(statuses).toEqual([
      [503, 503],
      [503, 503],
      [200, null],
    ]);
    // Faults never touch non-matching Vlens paths or the /sandbox controls.
    expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`)).status).toBe(200);
    const faults = await http.get<Fault[]>('/sandbox/faults', {});
    expect(faults.body.find((f) => f.id === fault.id)?.hits).toBe(2);
    // Faulted calls are in the log, with the fault id; only one SMS went out.
    const calls = await http.get<Call[]>(`/sandbox/calls?requestId=${s.requestId}`, {});
    expect(calls.body.filter((c) => c.faultId === fault.id).map((c) => c.httpStatus)).toEqual([503, 503]);
    expect((await http.get<{ smsSent: number }>(`/sandbox/requests/${s.requestId}`, {})).body.smsSent).toBe(1);
  });

  it('429 faults carry Retry-After: 1 and error_code 429', async () => {
    const s = await http.seed();
    await addFault({ path: '/api/**', status: 429, times: 1 });
    const res = await http.post(`${CS}/StepValidatePayment`, base(s.requestId));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ data: null, error_code: 429 });
  });

  it('probability faults are deterministic for a seed', async () => {
    const s = await http.seed();
    const run = async () => {
      const fault = await addFault({ path: `${CS}/StepValidatePayment`, status: 500, probability: 0.5, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await http.post(`${CS}/StepValidatePayment`, base(s.requestId))).status);
      await http.request('DELETE', `/sandbox/faults/${fault.id}`, undefined, {});
      return out;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    // A different seed gives a different sequence.
    const other = await addFault({ path: `${CS}/StepValidatePayment`, status: 500, probability: 0.5, seed: 7 });
    const third: number[] = [];
    for (let i = 0; i < 20; i++) third.push((await http.post(`${CS}/StepValidatePayment`, base(s.requestId))).status);
    expect(third).not.toEqual(first);
    expect((await http.request('DELETE', `/sandbox/faults/${other.id}`, undefined, {})).status).toBe(200);
    expect((await http.request('DELETE', `/sandbox/faults/${other.id}`, undefined, {})).status).toBe(404);
  });

  it('delay faults delay, then the real handler answers', async () => {
    const s = await http.seed();
    await addFault({ path: `${CS}/StepRequestOtp`, delayMs: 300, times: 1 });
    const started = Date.now();
    const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    expect(res.body.error_code).toBeNull();
  });

  it('drop faults close the connection without a response (fetch rejects), logged with httpStatus 0', async () => {
    const s = await http.seed();
    const fault = await addFault({ path: `${CS}/StepRequestOtp`, drop: true, times: 1 });
    await expect(http.post(`${CS}/StepRequestOtp`, base(s.requestId))).rejects.toThrow();
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).status).toBe(200);
    const calls = await http.get<Call[]>(`/sandbox/calls?requestId=${s.requestId}`, {});
    expect(calls.body.find((c) => c.dropped)).toMatchObject({
      httpStatus: 0,
      errorCode: null,
      faultId: fault.id,
      path: `${CS}/StepRequestOtp`,
    });
    // The dropped call never reached the handler: one SMS in total.
    expect((await http.get<{ smsSent: number }>(`/sandbox/requests/${s.requestId}`, {})).body.smsSent).toBe(1);
  });

  it('invalid fault specs are 400 envelopes', async () => {
    for (const spec of [
      {},
      { path: '/api/*' },
      { path: '/api/*', status: 418 },
      { path: '/api/*', drop: true, status: 500 },
    ]) {
      const res = await http.post('/sandbox/faults', spec, {});
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe(4000);
    }
  });

  it('the call log records every Vlens-surface call and filters by requestId', async () => {
    const a = await http.seed();
    const b = await http.seed();
    await http.post(`${CS}/StepRequestOtp`, base(a.requestId));
    await http.post(`${CS}/StepValidatePayment`, base(a.requestId));
    await http.post(`${CS}/StepRequestOtp`, base(b.requestId), {});
    const res = await http.get<Call[]>(`/sandbox/calls?requestId=${a.requestId}`, {});
    expect(res.body.map((c) => [c.method, c.path, c.httpStatus, c.errorCode])).toEqual([
      ['POST', `${CS}/StepRequestOtp`, 200, null],
      ['POST', `${CS}/StepValidatePayment`, 200, 4013],
    ]);
    expect(res.body[0]).toMatchObject({ requestId: a.requestId, at: expect.stringMatching(/Z$/) });
    const all = await http.get<Call[]>('/sandbox/calls', {});
    // A 401 call is logged too (requestId unknown: auth fails before the body is read).
    expect(all.body.at(-1)).toMatchObject({ httpStatus: 401, errorCode: 401 });
    // /sandbox controls are not Vlens calls.
    expect(all.body.some((c) => c.path.startsWith('/sandbox'))).toBe(false);
  });

  it('reset forgets requests, OTPs, calls and faults', async () => {
    const s = await http.seed();
    const otp = ((await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.data as { otpRequestId: string })
      .otpRequestId;
    await addFault({ path: '/api/credentials/*', status: 500 });
    expect((await http.post('/sandbox/reset', undefined, {})).body).toEqual({ reset: true });
    expect((await http.get<Call[]>('/sandbox/calls', {})).body).toEqual([]);
    expect((await http.get<Fault[]>('/sandbox/faults', {})).body).toEqual([]);
    expect((await http.get(`/sandbox/otps/${otp}`, {})).body).toMatchObject({ error_code: 404 });
    expect((await http.get(`/sandbox/requests/${s.requestId}`, {})).status).toBe(404);
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.error_code).toBe(4040);
    // Tokens are forgotten too: the old one is refused as ASP.NET refuses an unknown JWT (401, no body).
    const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId), {
      ApiKey: 'sandbox-key',
      Authorization: `Bearer ${s.accessToken}`,
    });
    expect([res.status, res.body]).toEqual([401, '']);
  });
});
