// Webhook signature verification of the gateway, against golden vectors computed independently (Python's
// urllib.parse.quote + hmac/hashlib and `openssl dgst -sha256 -hmac`, frozen here as literals, and
// node:crypto inline over the literal canonical text), plus agreement with what the sandbox actually
// sends. Tampered bodies, wrong keys, the old construction, the old shape, missing signatures and hostile
// JSON are refused.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { GatewayError } from '../../gateway/http-errors';
import { readFawry, readKashier, readVlens } from '../../gateway/webhooks/providers';
import { fawrySignature, kashierCanonical, kashierSignature, signaturesMatch } from '../../gateway/webhooks/signatures';
import { fawryPaidEvent, kashierPaidEvent } from '../../sandbox/gateway-events';
import type { PaymentRecord } from '../../sandbox/state';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const KASHIER_SECRET = 'kashier-dev-secret';
const FAWRY_KEY = 'fawry-dev-secure-key';

/**
 * Kashier golden vector: values that percent-encoding changes (a space, colons, and all of `!'()*`, which
 * `encodeURIComponent` leaves alone but query-string's strict RFC 3986 encoding escapes).
 */
const kashierData = {
  merchantOrderId: REQUEST,
  kashierOrderId: '7c0a1f3e9b2d4c5a6e8f0b1d',
  orderReference: "ORD-(42)*O'Neil!",
  transactionId: 'TX-0001',
  status: 'SUCCESS',
  amount: '100.00',
  currency: 'EGP',
  method: 'card',
  cardBrand: 'Master Card',
  creationDate: '2026-01-01T10:00:00.000Z',
};
/** query-string's stringify of the picked keys: sorted, values strictly percent-encoded. */
const KASHIER_CANONICAL =
  'amount=100.00&cardBrand=Master%20Card&creationDate=2026-01-01T10%3A00%3A00.000Z&currency=EGP' +
  '&kashierOrderId=7c0a1f3e9b2d4c5a6e8f0b1d&merchantOrderId=81f404b3-d7dc-4f08-b4fe-934853c86282&method=card' +
  '&orderReference=ORD-%2842%29%2AO%27Neil%21&status=SUCCESS&transactionId=TX-0001';
// Python: hmac.new(b'kashier-dev-secret', KASHIER_CANONICAL, sha256), the canonical text built with
// quote(value, safe=''); the same digest from `openssl dgst -sha256 -hmac kashier-dev-secret`.
const KASHIER_VECTOR = 'dae44fc6f11c1ff27700598f51ba9412820d7490b275826d5be0f334f5c3806c';
/** The old, wrong construction: `key=value` joined by `&`, nothing encoded (Python, same key). */
const KASHIER_OLD_CANONICAL =
  'amount=100.00&cardBrand=Master Card&creationDate=2026-01-01T10:00:00.000Z&currency=EGP' +
  '&kashierOrderId=7c0a1f3e9b2d4c5a6e8f0b1d&merchantOrderId=81f404b3-d7dc-4f08-b4fe-934853c86282&method=card' +
  "&orderReference=ORD-(42)*O'Neil!&status=SUCCESS&transactionId=TX-0001";
const KASHIER_OLD_VECTOR = '448abeb0eb2fb5a42de447b09e0bbdc66b5b7b0a33f9f17754932da74163f066';
/** A hand-written `encodeURIComponent` join: right for the space and colons, wrong for `!'()*`. */
const KASHIER_ENCODE_URI_COMPONENT_VECTOR = '630618473b76803dc285344ab1c27db868b9a5e4b6a669eef22ae4fcc05966b5';

// Python: sha256(fields + key), amounts with two decimals.
const FAWRY_VECTOR = '896f2b935bf2261d2a78027f5cfcd623932776ba067646991d9028f9d87f2c81';

const fawryFields = {
  fawryRefNumber: '1234567890',
  merchantRefNumber: REQUEST,
  paymentAmount: 100,
  orderAmount: 100,
  orderStatus: 'PAID',
  paymentMethod: 'PayAtFawry',
  paymentRefrenceNumber: '98765432',
};

const raw = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const hmacHex = (text: string, secret = KASHIER_SECRET) =>
  createHmac('sha256', secret).update(text, 'utf8').digest('hex');

function refusal(fn: () => unknown): { statusCode: number; code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const e = error as GatewayError;
    return { statusCode: e.statusCode, code: e.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

describe('Kashier', () => {
  const signatureKeys = Object.keys(kashierData).sort();
  const body = { event: 'pay', data: { ...kashierData, signatureKeys } };

  test("golden vector: the canonical text is query-string's, and the digest matches the independent one", () => {
    expect(kashierCanonical(kashierData, signatureKeys)).toBe(KASHIER_CANONICAL);
    expect(hmacHex(KASHIER_CANONICAL)).toBe(KASHIER_VECTOR);
    expect(kashierSignature(kashierData, signatureKeys, KASHIER_SECRET)).toBe(KASHIER_VECTOR);
    // Key order in the payload does not matter: the keys are sorted.
    expect(kashierSignature(kashierData, [...signatureKeys].reverse(), KASHIER_SECRET)).toBe(KASHIER_VECTOR);
    // The vector tells the real encoding from the near misses: unencoded, and encodeURIComponent (which
    // leaves `!'()*` alone).
    const join = (encode: (v: string) => string) =>
      signatureKeys.map((k) => `${k}=${encode(kashierData[k as keyof typeof kashierData])}`).join('&');
    expect(join((v) => v)).toBe(KASHIER_OLD_CANONICAL);
    expect(hmacHex(KASHIER_OLD_CANONICAL)).toBe(KASHIER_OLD_VECTOR);
    expect(join(encodeURIComponent)).not.toBe(KASHIER_CANONICAL);
    expect(hmacHex(join(encodeURIComponent))).toBe(KASHIER_ENCODE_URI_COMPONENT_VECTOR);
    expect(new Set([KASHIER_VECTOR, KASHIER_OLD_VECTOR, KASHIER_ENCODE_URI_COMPONENT_VECTOR]).size).toBe(3);
  });

  test('only the signature keys are signed, picked from data; numbers and booleans sign as received', () => {
    expect(kashierCanonical({ ...kashierData, extra: 'not signed' }, ['status', 'amount'])).toBe(
      'amount=100.00&status=SUCCESS',
    );
    expect(kashierCanonical({ amount: 100.5, status: 'SUCCESS', test: false }, ['test', 'status', 'amount'])).toBe(
      'amount=100.5&status=SUCCESS&test=false',
    );
  });

  test('the golden vector becomes a payment event with the provider identity and details', () => {
    expect(readKashier(raw(body), KASHIER_VECTOR, KASHIER_SECRET)).toEqual({
      kind: 'payment',
      provider: 'kashier',
      providerEventId: 'TX-0001',
      requestId: REQUEST,
      reference: "ORD-(42)*O'Neil!",
      amount: 100,
      currency: 'EGP',
      paidAt: '2026-01-01T10:00:00.000Z',
    });
    expect(readKashier(raw(body), KASHIER_VECTOR.toUpperCase(), KASHIER_SECRET).kind).toBe('payment');
    // Numeric values, as received, verify too.
    const numeric = { ...kashierData, amount: 100.5 };
    const numericSig = hmacHex(KASHIER_CANONICAL.replace('amount=100.00', 'amount=100.5'));
    expect(
      readKashier(raw({ event: 'pay', data: { ...numeric, signatureKeys } }), numericSig, KASHIER_SECRET),
    ).toMatchObject({ kind: 'payment', amount: 100.5 });
  });

  test('the old construction (unencoded key=value) and the encodeURIComponent join are 401 bad_signature', () => {
    expect(refusal(() => readKashier(raw(body), KASHIER_OLD_VECTOR, KASHIER_SECRET))).toMatchObject({
      statusCode: 401,
      code: 'bad_signature',
    });
    expect(refusal(() => readKashier(raw(body), KASHIER_ENCODE_URI_COMPONENT_VECTOR, KASHIER_SECRET))).toMatchObject({
      statusCode: 401,
      code: 'bad_signature',
    });
  });

  test('the old shape (data.paymentStatus, no data.status) is 400 bad_request naming data.status, however it is signed', () => {
    const { status: _status, ...rest } = kashierData;
    const oldData = { ...rest, paymentStatus: 'SUCCESS' };
    const oldKeys = Object.keys(oldData).sort();
    const oldBody = { event: 'pay', data: { ...oldData, signatureKeys: oldKeys } };
    const unencoded = hmacHex(oldKeys.map((k) => `${k}=${oldData[k as keyof typeof oldData]}`).join('&'));
    const encoded = kashierSignature(oldData, oldKeys, KASHIER_SECRET);
    for (const signature of [unencoded, encoded]) {
      const refused = refusal(() => readKashier(raw(oldBody), signature, KASHIER_SECRET));
      expect(refused).toMatchObject({ statusCode: 400, code: 'bad_request' });
      expect(refused.message).toMatch(/data\.status/);
    }
  });

  test('tampered body, wrong key, missing or truncated signature: 401 bad_signature', () => {
    const tampered = { ...body, data: { ...body.data, amount: '1.00' } };
    expect(refusal(() => readKashier(raw(tampered), KASHIER_VECTOR, KASHIER_SECRET))).toMatchObject({
      statusCode: 401,
      code: 'bad_signature',
    });
    // A value that only differs in what encoding hides (a space for `+`) breaks the signature too.
    const respelled = { ...body, data: { ...body.data, cardBrand: 'Master+Card' } };
    expect(refusal(() => readKashier(raw(respelled), KASHIER_VECTOR, KASHIER_SECRET)).code).toBe('bad_signature');
    expect(refusal(() => readKashier(raw(body), KASHIER_VECTOR, 'another-secret')).code).toBe('bad_signature');
    expect(refusal(() => readKashier(raw(body), undefined, KASHIER_SECRET)).statusCode).toBe(401);
    expect(refusal(() => readKashier(raw(body), '  ', KASHIER_SECRET)).statusCode).toBe(401);
    expect(refusal(() => readKashier(raw(body), KASHIER_VECTOR.slice(0, 32), KASHIER_SECRET)).statusCode).toBe(401);
    // Re-aiming a captured event at another activation breaks the signature too.
    const reaimed = { ...body, data: { ...body.data, merchantOrderId: '00000000-0000-4000-8000-000000000000' } };
    expect(refusal(() => readKashier(raw(reaimed), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(401);
  });

  test('fields the gateway acts on must be signed; values must be plain; hostile JSON is 400', () => {
    const unsigned = { event: 'pay', data: { ...kashierData, signatureKeys: ['amount', 'currency'] } };
    const sig = hmacHex('amount=100.00&currency=EGP');
    expect(refusal(() => readKashier(raw(unsigned), sig, KASHIER_SECRET))).toMatchObject({
      statusCode: 400,
      code: 'bad_request',
    });
    // The outcome itself must be signed, or a captured failure could be turned into a success.
    const keysWithoutStatus = signatureKeys.filter((k) => k !== 'status');
    const noStatus = { event: 'pay', data: { ...kashierData, signatureKeys: keysWithoutStatus } };
    const noStatusRefusal = refusal(() =>
      readKashier(raw(noStatus), kashierSignature(kashierData, keysWithoutStatus, KASHIER_SECRET), KASHIER_SECRET),
    );
    expect(noStatusRefusal).toMatchObject({ statusCode: 400, code: 'bad_request' });
    expect(noStatusRefusal.message).toMatch(/must cover status/);

    const nested = { event: 'pay', data: { ...kashierData, amount: { value: 1 }, signatureKeys } };
    expect(refusal(() => readKashier(raw(nested), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    const missingKey = { event: 'pay', data: { ...kashierData, signatureKeys: [...signatureKeys, 'ghost'] } };
    expect(refusal(() => readKashier(raw(missingKey), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    const nullValue = { event: 'pay', data: { ...kashierData, method: null, signatureKeys } };
    expect(refusal(() => readKashier(raw(nullValue), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    const hugeValue = { event: 'pay', data: { ...kashierData, method: 'm'.repeat(2_001), signatureKeys } };
    expect(refusal(() => readKashier(raw(hugeValue), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);

    expect(
      refusal(() => readKashier(raw('{"__proto__":{"x":1},"data":{}}'), KASHIER_VECTOR, KASHIER_SECRET)).statusCode,
    ).toBe(400);
    expect(
      refusal(() => readKashier(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), KASHIER_VECTOR, KASHIER_SECRET)).statusCode,
    ).toBe(400);
    expect(refusal(() => readKashier(raw('not json'), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
  });

  test('verified non-payments are acknowledged and ignored', () => {
    const failed = { ...kashierData, status: 'FAILED' };
    const sig = hmacHex(KASHIER_CANONICAL.replace('status=SUCCESS', 'status=FAILED'));
    expect(readKashier(raw({ event: 'pay', data: { ...failed, signatureKeys } }), sig, KASHIER_SECRET)).toEqual({
      kind: 'ignored',
      provider: 'kashier',
      reason: 'status FAILED',
    });
    expect(
      readKashier(raw({ event: 'refund', data: { ...kashierData, signatureKeys } }), KASHIER_VECTOR, KASHIER_SECRET),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'event refund',
    });
  });
});

describe('Fawry', () => {
  test('the signature formula matches the independent vector (amounts with two decimals)', () => {
    expect(fawrySignature(fawryFields, FAWRY_KEY)).toBe(FAWRY_VECTOR);
    const inline = createHash('sha256')
      .update(`1234567890${REQUEST}100.00100.00PAIDPayAtFawry98765432${FAWRY_KEY}`)
      .digest('hex');
    expect(inline).toBe(FAWRY_VECTOR);
  });

  test('signed PAID becomes a payment; tampering, wrong key, missing signature are 401; unpaid is ignored', () => {
    const body = { ...fawryFields, paymentTime: Date.parse('2026-01-01T10:00:00Z'), messageSignature: FAWRY_VECTOR };
    expect(readFawry(raw(body), FAWRY_KEY)).toEqual({
      kind: 'payment',
      provider: 'fawry',
      providerEventId: '1234567890',
      requestId: REQUEST,
      reference: '98765432',
      amount: 100,
      paidAt: '2026-01-01T10:00:00.000Z',
    });
    // The amount as text with two decimals signs the same.
    expect(readFawry(raw({ ...body, paymentAmount: '100.00' }), FAWRY_KEY).kind).toBe('payment');
    expect(refusal(() => readFawry(raw({ ...body, paymentAmount: 99 }), FAWRY_KEY)).code).toBe('bad_signature');
    expect(refusal(() => readFawry(raw(body), 'wrong-key')).code).toBe('bad_signature');
    const { messageSignature: _gone, ...unsigned } = body;
    expect(refusal(() => readFawry(raw(unsigned), FAWRY_KEY)).statusCode).toBe(401);
    const unpaidSig = fawrySignature({ ...fawryFields, orderStatus: 'UNPAID' }, FAWRY_KEY);
    expect(readFawry(raw({ ...body, orderStatus: 'UNPAID', messageSignature: unpaidSig }), FAWRY_KEY)).toMatchObject({
      kind: 'ignored',
    });
    expect(refusal(() => readFawry(raw({ messageSignature: 'ab', fawryRefNumber: [] }), FAWRY_KEY)).statusCode).toBe(
      400,
    );
  });
});

describe('agreement with the sandbox', () => {
  const payment = (gateway: 'kashier' | 'fawry'): PaymentRecord => ({
    paymentId: '3b241101-e2bb-4255-8caf-4136c566a962',
    requestId: REQUEST,
    amount: 125.5,
    currency: 'EGP',
    gateway,
    status: 'paid',
    paidAt: '2026-01-01T10:00:00.000Z',
    gatewayEvent: null,
  });

  test("the gateway verifies exactly what the sandbox's Kashier and Fawry send", () => {
    const kashier = kashierPaidEvent(payment('kashier'), KASHIER_SECRET, '2026-01-01T10:00:00.000Z');
    expect(readKashier(raw(kashier.body), kashier.headers['x-kashier-signature'], KASHIER_SECRET)).toMatchObject({
      kind: 'payment',
      providerEventId: kashier.eventId,
      requestId: REQUEST,
      amount: 125.5,
      paidAt: '2026-01-01T10:00:00.000Z',
    });
    // The sandbox signs every field it sends, including those encoding changes, with the golden construction.
    const data = (kashier.body as { data: Record<string, string> & { signatureKeys: string[] } }).data;
    expect(data.signatureKeys).toEqual(
      Object.keys(data)
        .filter((k) => k !== 'signatureKeys')
        .sort(),
    );
    expect(data).toMatchObject({
      status: 'SUCCESS',
      cardBrand: 'Master Card',
      creationDate: '2026-01-01T10:00:00.000Z',
    });
    expect(kashier.headers['x-kashier-signature']).toBe(hmacHex(kashierCanonical(data, data.signatureKeys)));
    for (const method of ['PayAtFawry', 'CARD'] as const) {
      const fawry = fawryPaidEvent(payment('fawry'), FAWRY_KEY, Date.parse('2026-01-01T10:00:00Z'), method);
      expect(readFawry(raw(fawry.body), FAWRY_KEY)).toMatchObject({
        kind: 'payment',
        providerEventId: fawry.eventId,
        requestId: REQUEST,
      });
    }
  });
});

describe('Vlens', () => {
  const event = {
    Id: 'e1',
    WebhookEvent: 'App.BusinessRequestStatusChange',
    Attempt: 1,
    Data: { Id: REQUEST, NewStatus: 'CustomerSigned' },
  };
  test('CustomerSigned is a payment hint; other statuses and events are ignored; junk is 400', () => {
    expect(readVlens(raw(event))).toEqual({
      kind: 'payment',
      provider: 'vlens',
      providerEventId: 'e1',
      requestId: REQUEST,
    });
    expect(readVlens(raw({ ...event, Data: { Id: REQUEST, NewStatus: 'Approved' } })).kind).toBe('ignored');
    expect(readVlens(raw({ ...event, WebhookEvent: 'App.Other' })).kind).toBe('ignored');
    expect(refusal(() => readVlens(raw({ Id: 'e1' }))).statusCode).toBe(400);
  });
});

test('signaturesMatch compares hex case-insensitively and never matches a prefix', () => {
  expect(signaturesMatch('abcdef', 'ABCDEF')).toBe(true);
  expect(signaturesMatch('abcdef', ' abcdef ')).toBe(true);
  expect(signaturesMatch('abcdef', 'abcde')).toBe(false);
  expect(signaturesMatch('abcdef', '')).toBe(false);
});
