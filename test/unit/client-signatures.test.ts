// Webhook signature verification of the gateway, against vectors computed independently (Python's
// hmac/hashlib, frozen here as constants, and node:crypto inline), plus agreement with what the sandbox
// actually sends. Tampered bodies, wrong keys, missing signatures and hostile JSON are refused.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { GatewayError } from '../../client/gateway/http-errors';
import { readFawry, readKashier, readVlens } from '../../client/gateway/webhooks/providers';
import { fawrySignature, kashierSignature, signaturesMatch } from '../../client/gateway/webhooks/signatures';
import { fawryPaidEvent, kashierPaidEvent } from '../../sandbox/gateway-events';
import type { PaymentRecord } from '../../sandbox/state';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const KASHIER_SECRET = 'kashier-dev-secret';
const FAWRY_KEY = 'fawry-dev-secure-key';

// Computed with Python: hmac.new(b'kashier-dev-secret', canonical, sha256) and sha256(fields + key).
const KASHIER_VECTOR = '5064ae3e9e22b08eba20a1ee317edeca79215471909f15840ce8023957bb8824';
const FAWRY_VECTOR = '896f2b935bf2261d2a78027f5cfcd623932776ba067646991d9028f9d87f2c81';

const kashierData = { merchantOrderId: REQUEST, transactionId: 'TX-0001', paymentStatus: 'SUCCESS', amount: '100.00', currency: 'EGP' };
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

function refusal(fn: () => unknown): { statusCode: number; code: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return { statusCode: (error as GatewayError).statusCode, code: (error as GatewayError).code };
  }
  throw new Error('expected a refusal');
}

describe('Kashier', () => {
  const signatureKeys = Object.keys(kashierData).sort();
  const body = { event: 'pay', data: { ...kashierData, signatureKeys } };

  test('the signature formula matches the independent vector', () => {
    expect(kashierSignature(kashierData, signatureKeys, KASHIER_SECRET)).toBe(KASHIER_VECTOR);
    // Key order in the payload does not matter: the keys are sorted.
    expect(kashierSignature(kashierData, [...signatureKeys].reverse(), KASHIER_SECRET)).toBe(KASHIER_VECTOR);
  });

  test('a signed success becomes a payment event with the provider identity and details', () => {
    expect(readKashier(raw(body), KASHIER_VECTOR, KASHIER_SECRET)).toEqual({
      kind: 'payment',
      provider: 'kashier',
      providerEventId: 'TX-0001',
      requestId: REQUEST,
      amount: 100,
      currency: 'EGP',
    });
    expect(readKashier(raw(body), KASHIER_VECTOR.toUpperCase(), KASHIER_SECRET).kind).toBe('payment');
  });

  test('tampered body, wrong key, missing or truncated signature: 401 bad_signature', () => {
    const tampered = { ...body, data: { ...body.data, amount: '1.00' } };
    expect(refusal(() => readKashier(raw(tampered), KASHIER_VECTOR, KASHIER_SECRET))).toEqual({ statusCode: 401, code: 'bad_signature' });
    expect(refusal(() => readKashier(raw(body), KASHIER_VECTOR, 'another-secret')).code).toBe('bad_signature');
    expect(refusal(() => readKashier(raw(body), undefined, KASHIER_SECRET)).statusCode).toBe(401);
    expect(refusal(() => readKashier(raw(body), '  ', KASHIER_SECRET)).statusCode).toBe(401);
    expect(refusal(() => readKashier(raw(body), KASHIER_VECTOR.slice(0, 32), KASHIER_SECRET)).statusCode).toBe(401);
    // Re-aiming a captured event at another activation breaks the signature too.
    const reaimed = { ...body, data: { ...body.data, merchantOrderId: '00000000-0000-4000-8000-000000000000' } };
    expect(refusal(() => readKashier(raw(reaimed), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(401);
  });

  test('fields the gateway acts on must be signed; values must be plain; hostile JSON is 400', () => {
    const keys = ['amount', 'currency'];
    const unsigned = { event: 'pay', data: { ...kashierData, signatureKeys: keys } };
    const sig = createHmac('sha256', KASHIER_SECRET).update('amount=100.00&currency=EGP').digest('hex');
    expect(refusal(() => readKashier(raw(unsigned), sig, KASHIER_SECRET))).toEqual({ statusCode: 400, code: 'bad_request' });

    const nested = { event: 'pay', data: { ...kashierData, amount: { value: 1 }, signatureKeys } };
    expect(refusal(() => readKashier(raw(nested), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    const missingKey = { event: 'pay', data: { ...kashierData, signatureKeys: [...signatureKeys, 'ghost'] } };
    expect(refusal(() => readKashier(raw(missingKey), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);

    expect(refusal(() => readKashier(raw('{"__proto__":{"x":1},"data":{}}'), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    expect(refusal(() => readKashier(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
    expect(refusal(() => readKashier(raw('not json'), KASHIER_VECTOR, KASHIER_SECRET)).statusCode).toBe(400);
  });

  test('verified non-payments are acknowledged and ignored', () => {
    const failed = { ...kashierData, paymentStatus: 'FAILED' };
    const sig = createHmac('sha256', KASHIER_SECRET)
      .update(signatureKeys.map((k) => `${k}=${failed[k as keyof typeof failed]}`).join('&'))
      .digest('hex');
    expect(readKashier(raw({ event: 'pay', data: { ...failed, signatureKeys } }), sig, KASHIER_SECRET)).toMatchObject({ kind: 'ignored' });
    expect(readKashier(raw({ event: 'refund', data: { ...kashierData, signatureKeys } }), KASHIER_VECTOR, KASHIER_SECRET)).toMatchObject({
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
    expect(readFawry(raw({ ...body, orderStatus: 'UNPAID', messageSignature: unpaidSig }), FAWRY_KEY)).toMatchObject({ kind: 'ignored' });
    expect(refusal(() => readFawry(raw({ messageSignature: 'ab', fawryRefNumber: [] }), FAWRY_KEY)).statusCode).toBe(400);
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
    });
    for (const method of ['PayAtFawry', 'CARD'] as const) {
      const fawry = fawryPaidEvent(payment('fawry'), FAWRY_KEY, Date.parse('2026-01-01T10:00:00Z'), method);
      expect(readFawry(raw(fawry.body), FAWRY_KEY)).toMatchObject({ kind: 'payment', providerEventId: fawry.eventId, requestId: REQUEST });
    }
  });
});

describe('Vlens', () => {
  const event = { Id: 'e1', WebhookEvent: 'App.BusinessRequestStatusChange', Attempt: 1, Data: { Id: REQUEST, NewStatus: 'CustomerSigned' } };
  test('CustomerSigned is a payment hint; other statuses and events are ignored; junk is 400', () => {
    expect(readVlens(raw(event))).toEqual({ kind: 'payment', provider: 'vlens', providerEventId: 'e1', requestId: REQUEST });
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
