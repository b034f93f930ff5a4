// Malformed and hostile input never crashes the sandbox and never yields a 500: every answer is a 4xx
// envelope, and a normal call still works afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, base, CS, startTestSandbox, type HttpClient } from './helpers';

const ROUTES = [
  `${CS}/StepRequestOtp`,
  `${CS}/StepReValidateLiveness`,
  `${CS}/StepValidateOtp`,
  `${CS}/StepValidatePayment`,
  '/api/BusinessRequest/Activate',
  '/api/credentials/Login',
  '/api/credentials/RefreshToken',
  '/api/DigitalIdentity/Login',
  '/sandbox/faults',
  '/sandbox/payments/whatever',
];

const RID = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

// [content-type or null, raw body]
const HOSTILE: [string | null, string][] = [
  ['application/json', 'not json'],
  ['application/json', '{'],
  ['application/json', '{"geoLocation":'],
  ['application/json', ''],
  ['application/json', '[]'],
  ['application/json', '[1,2,3]'],
  ['application/json', 'null'],
  ['application/json', 'true'],
  ['application/json', '"a string"'],
  ['application/json', '12345'],
  ['application/json', '{}'],
  ['application/json', deep(5_000)],
  ['application/json', '{"__proto__":{"isAdmin":true},"requestId":"' + RID + '"}'],
  ['application/json', '{"constructor":{"prototype":{"polluted":1}}}'],
  ['application/json', JSON.stringify({ requestId: 'x'.repeat(1_000_000) })],
  ['application/json', JSON.stringify({ ...base(RID), geoLocation: null })],
  ['application/json', JSON.stringify({ ...base(RID), geoLocation: [1, 2] })],
  ['application/json', JSON.stringify({ ...base(RID), geoLocation: { latitude: '30', longitude: 31 } })],
  // 1e400 overflows to Infinity when parsed.
  [
    'application/json',
    JSON.stringify({ ...base(RID), geoLocation: { latitude: 0, longitude: 31 } }).replace(
      '"latitude":0',
      '"latitude":1e400',
    ),
  ],
  ['application/json', JSON.stringify({ ...base(RID), userDeviceUtcTime: 12 })],
  ['application/json', JSON.stringify({ ...base(RID), otpRequestId: {}, otpCode: ['1'] })],
  ['application/json', JSON.stringify({ ...base(RID), scanTransaction: 'x' })],
  ['application/json', JSON.stringify({ ...base(RID), scanTransaction: { image: null, face_1: 1 } })],
  ['application/json', JSON.stringify({ ...base(RID), smsProviders: 'infobip' })],
  ['application/json', JSON.stringify({ path: 5, status: 'boom', outcome: null, refreshToken: {} })],
  ['application/json; charset=latin1', '{"a":1}'],
  ['text/plain', JSON.stringify(base(RID))],
  ['application/x-www-form-urlencoded', 'requestId=' + RID],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'],
  ['application/xml', '<a/>'],
  ['', '{}'],
  [null, JSON.stringify(base(RID))],
];

describe('hostile input', () => {
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox();
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());

  it('every hostile body on every route gets a 4xx envelope, never a 500', async () => {
    const seen = new Set<number>();
    for (const path of ROUTES) {
      for (const [contentType, body] of HOSTILE) {
        const headers: Record<string, string> = { ApiKey: API_KEY };
        if (contentType !== null) headers['content-type'] = contentType;
        const res = await fetch(http.baseUrl + path, { method: 'POST', headers, body });
        const text = await res.text();
        const label = `${path} ${contentType} ${body.slice(0, 40)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        const envelope = JSON.parse(text) as Record<string, unknown>;
        expect(Object.keys(envelope).sort(), label).toEqual([
          'data',
          'error_code',
          'error_descriptions',
          'error_message',
        ]);
        expect(envelope.data, label).toBeNull();
        expect(typeof envelope.error_code, label).toBe('number');
        seen.add(res.status);
      }
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining([400, 415]));
    // Nothing was polluted.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('bad seeds are 400 envelopes', async () => {
    for (const body of [
      'null',
      '[]',
      '{"requestId":"x"}',
      '{"status":"weird"}',
      '{"lastLocation":{"latitude":"a","longitude":1}}',
      '{"amount":-1}',
      '{"currency":"egp"}',
      '{"hasPayment":"yes"}',
      '{"paymentGateway":"paypal"}',
      '{"__proto__":{"x":1}}',
    ]) {
      const res = await http.post('/sandbox/requests', body, {});
      expect(res.status, body).toBe(400);
      expect(res.body, body).toMatchObject({ data: null, error_code: 4000 });
    }
  });

  it('oversized bodies, bad URLs, unknown routes and wrong methods are envelopes too', async () => {
    const huge = await fetch(`${http.baseUrl}${CS}/StepRequestOtp`, {
      method: 'POST',
      headers: { ApiKey: API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ requestId: 'x'.repeat(9 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ data: null, error_code: 413 });

    for (const [method, path] of [
      ['GET', '/api/%E0%A4%A'],
      ['GET', '/api/nope'],
      ['GET', `${CS}/StepRequestOtp`],
      ['DELETE', '/api/BusinessRequest/Activate'],
      ['GET', '/api/BusinessRequest/GetBusinessRequestById/not-a-uuid'],
      ['GET', `/api/BusinessRequest/GetBusinessRequestById/${'a'.repeat(5000)}`],
      ['GET', '/sandbox/calls?requestId=a&requestId=b'],
      ['GET', '/sandbox/otps/unknown'],
    ] as const) {
      const res = await fetch(http.baseUrl + path, { method, headers: { ApiKey: API_KEY } });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status >= 400)
        expect(body, `${method} ${path}`).toMatchObject({ data: null, error_code: expect.any(Number) });
    }
  });

  it('a normal call still works afterwards', async () => {
    const s = await http.seed({ requestId: RID });
    const res = await http.post(`${CS}/StepRequestOtp`, base(s.requestId));
    expect(res.status).toBe(200);
    expect(res.body.error_code).toBeNull();
  });
});
