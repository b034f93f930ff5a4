// The payment page, the signed gateway webhooks (verified here with our own implementation of the
// formulas in docs/design.md §3, deliberately not importing sandbox/signatures.ts: for Kashier, Kashier's
// reference construction with the query-string package), and Vlens's status webhook.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import queryString from 'query-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base, CS, startReceiver, startTestSandbox, type HttpClient } from './helpers';

const KASHIER_SECRET = 'test-kashier-secret';
const FAWRY_KEY = 'test-fawry-key';

/** Kashier's reference check: sort signatureKeys, pick them from data, query-string's stringify, HMAC-SHA256. */
function kashierText(data: Record<string, unknown> & { signatureKeys: string[] }): string {
  const keys = [...data.signatureKeys].sort();
  return queryString.stringify(Object.fromEntries(keys.filter((k) => k in data).map((k) => [k, data[k]])));
}

/** The old, wrong construction: `key=value` joined by `&`, nothing encoded. */
const oldKashierText = (data: Record<string, unknown> & { signatureKeys: string[] }) =>
  [...data.signatureKeys]
    .sort()
    .map((k) => `${k}=${String(data[k])}`)
    .join('&');

function verifyKashier(rawBody: string, signature: string, secret: string, text = kashierText): boolean {
  const { data } = JSON.parse(rawBody) as { data: Record<string, unknown> & { signatureKeys: string[] } };
  const expected = Buffer.from(createHmac('sha256', secret).update(text(data)).digest('hex'));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function verifyFawry(rawBody: string, secureKey: string): boolean {
  const b = JSON.parse(rawBody) as Record<string, string | number>;
  const text = `${b.fawryRefNumber}${b.merchantRefNumber}${Number(b.paymentAmount).toFixed(2)}${Number(b.orderAmount).toFixed(2)}${b.orderStatus}${b.paymentMethod}${b.paymentRefrenceNumber}${secureKey}`;
  return createHash('sha256').update(text).digest('hex') === b.messageSignature;
}

describe('payments and webhooks', () => {
  let http: HttpClient;
  let close: () => Promise<void>;
  let gatewayReceiver: Awaited<ReturnType<typeof startReceiver>>;
  let vlensReceiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    gatewayReceiver = await startReceiver();
    vlensReceiver = await startReceiver();
    const started = await startTestSandbox({
      webhookUrl: `${gatewayReceiver.url}/v1/webhooks/{gateway}`,
      vlensWebhookUrl: `${vlensReceiver.url}/v1/webhooks/vlens`,
      kashierWebhookSecret: KASHIER_SECRET,
      fawrySecureKey: FAWRY_KEY,
      webhookRetryDelaysMs: [20, 20],
    });
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => {
    await close();
    await gatewayReceiver.close();
    await vlensReceiver.close();
  });

  async function toPaymentLink(seed: Record<string, unknown> = {}) {
    const s = await http.seed(seed);
    const otpRequestId = (
      (await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.data as { otpRequestId: string }
    ).otpRequestId;
    const code = await http.otpCode(otpRequestId);
    const link = (
      await http.post(`${CS}/StepValidateOtp`, base(s.requestId, undefined, { otpRequestId, otpCode: code }))
    ).body.data as string;
    return { ...s, link, paymentId: link.split('/').pop() as string };
  }

  it('the payment link opens an HTML page with the amount and Pay / Decline buttons', async () => {
    const p = await toPaymentLink({ amount: 1500 });
    const page = await fetch(p.link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<title>[^<]*1500\.00 EGP[^<]*<\/title>/);
    expect(html).toContain('id="pay"');
    expect(html).toContain('id="decline"');
    expect(html).toContain(`/sandbox/payments/`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect((await fetch(`${http.baseUrl}/sandbox/pay/nope`)).status).toBe(404);
  });

  it('paying sends a Kashier webhook whose signature verifies independently; a repeat is a duplicate delivery', async () => {
    const p = await toPaymentLink({ paymentGateway: 'kashier', amount: 1500 });
    const before = gatewayReceiver.received.length;
    const res = await http.post<{
      status: string;
      eventId: string;
      webhook: { delivered: boolean; httpStatus: number };
    }>(`/sandbox/payments/${p.paymentId}`, { outcome: 'paid' }, {});
    expect(res.body).toMatchObject({ status: 'paid', webhook: { delivered: true, httpStatus: 200 } });
    const delivery = (await gatewayReceiver.waitFor(before + 1))[before];
    expect(delivery?.path).toBe('/v1/webhooks/kashier');
    const raw = delivery?.raw as string;
    const signature = delivery?.headers['x-kashier-signature'] as string;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyKashier(raw, signature, KASHIER_SECRET)).toBe(true);
    expect(verifyKashier(raw, signature, 'another-secret')).toBe(false);
    // Not the old construction: the signed values include some that percent-encoding changes.
    expect(verifyKashier(raw, signature, KASHIER_SECRET, oldKashierText)).toBe(false);

    const body = JSON.parse(raw) as { event: string; data: Record<string, unknown> & { signatureKeys: string[] } };
    expect(body.event).toBe('pay');
    expect(body.data).toMatchObject({
      merchantOrderId: p.requestId,
      kashierOrderId: expect.stringMatching(/^\w+$/),
      orderReference: expect.any(String),
      transactionId: res.body.eventId,
      status: 'SUCCESS',
      amount: '1500.00',
      currency: 'EGP',
      method: 'card',
      cardBrand: 'Master Card',
      creationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(body.data).not.toHaveProperty('paymentStatus');
    // Every field sent in data is signed, the keys named in sorted order.
    expect(body.data.signatureKeys).toEqual(
      Object.keys(body.data)
        .filter((k) => k !== 'signatureKeys')
        .sort(),
    );
    expect(kashierText(body.data)).toContain('cardBrand=Master%20Card');
    expect(kashierText(body.data)).toMatch(/creationDate=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A/);
    // Tampering breaks the signature.
    const tampered = raw.replace('"1500.00"', '"1.00"');
    expect(verifyKashier(tampered, signature, KASHIER_SECRET)).toBe(false);

    // The same "paid" again re-sends the same event (same transactionId): a provider duplicate.
    await http.post(`/sandbox/payments/${p.paymentId}`, { outcome: 'paid' }, {});
    const dup = (await gatewayReceiver.waitFor(before + 2))[before + 1];
    expect(dup?.raw).toBe(raw);
    // Declining a paid payment is refused.
    expect((await http.post(`/sandbox/payments/${p.paymentId}`, { outcome: 'declined' }, {})).status).toBe(409);
  });

  it('paying sends a Fawry V2 notification whose messageSignature verifies independently', async () => {
    const p = await toPaymentLink({ paymentGateway: 'fawry', amount: 99.5 });
    const before = gatewayReceiver.received.length;
    const res = await http.post<{ webhook: { delivered: boolean } }>(
      `/sandbox/payments/${p.paymentId}`,
      { outcome: 'paid', paymentMethod: 'CARD' },
      {},
    );
    expect(res.body.webhook.delivered).toBe(true);
    const delivery = (await gatewayReceiver.waitFor(before + 1))[before];
    expect(delivery?.path).toBe('/v1/webhooks/fawry');
    const raw = delivery?.raw as string;
    expect(verifyFawry(raw, FAWRY_KEY)).toBe(true);
    expect(verifyFawry(raw, 'wrong-key')).toBe(false);
    expect(JSON.parse(raw)).toMatchObject({
      merchantRefNumber: p.requestId,
      paymentAmount: 99.5,
      orderAmount: 99.5,
      orderStatus: 'PAID',
      paymentMethod: 'CARD',
      fawryRefNumber: expect.stringMatching(/^\d+$/),
      paymentRefrenceNumber: expect.stringMatching(/^\d+$/),
      messageSignature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('declining marks the payment declined, sends nothing, and StepValidatePayment stays 4020', async () => {
    const p = await toPaymentLink();
    const before = gatewayReceiver.received.length;
    const res = await http.post<{ status: string; webhook: unknown }>(
      `/sandbox/payments/${p.paymentId}`,
      { outcome: 'declined' },
      {},
    );
    expect(res.body).toMatchObject({ status: 'declined', webhook: null });
    expect((await http.post(`${CS}/StepValidatePayment`, base(p.requestId))).body.error_code).toBe(4020);
    expect(gatewayReceiver.received.length).toBe(before);
    expect((await http.post('/sandbox/payments/unknown', { outcome: 'paid' }, {})).status).toBe(404);
    expect((await http.post(`/sandbox/payments/${p.paymentId}`, { outcome: 'maybe' }, {})).status).toBe(400);
  });

  it('StepValidatePayment success sends App.BusinessRequestStatusChange (CustomerSigned) once', async () => {
    const p = await toPaymentLink();
    await http.pay(p.link);
    const before = vlensReceiver.received.length;
    expect((await http.post(`${CS}/StepValidatePayment`, base(p.requestId))).body.error_code).toBeNull();
    const delivery = (await vlensReceiver.waitFor(before + 1))[before];
    expect(delivery?.path).toBe('/v1/webhooks/vlens');
    expect(delivery?.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(delivery?.raw as string)).toEqual({
      Id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      WebhookEvent: 'App.BusinessRequestStatusChange',
      Attempt: 1,
      Data: { Id: p.requestId, NewStatus: 'CustomerSigned' },
      CreationTimeUtc: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    // The idempotent repeat does not send it again.
    expect((await http.post(`${CS}/StepValidatePayment`, base(p.requestId))).body.error_code).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(vlensReceiver.received.length).toBe(before + 1);
  });
});

describe('webhook delivery failures', () => {
  it('the Vlens webhook is retried with the same Id and a growing Attempt; an unreachable gateway receiver is reported, not fatal', async () => {
    const receiver = await startReceiver([500, 503, 200]);
    // A port that was just free: nothing listens there any more.
    const gone = await startReceiver();
    await gone.close();
    const { sandbox, http } = await startTestSandbox({
      vlensWebhookUrl: receiver.url,
      webhookUrl: `${gone.url}/webhooks`,
      webhookRetryDelaysMs: [20, 20],
      webhookTimeoutMs: 2_000,
    });
    try {
      const s = await http.seed({ hasPayment: true });
      const otpRequestId = (
        (await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.data as { otpRequestId: string }
      ).otpRequestId;
      const link = (
        await http.post(
          `${CS}/StepValidateOtp`,
          base(s.requestId, undefined, { otpRequestId, otpCode: await http.otpCode(otpRequestId) }),
        )
      ).body.data as string;
      const paid = await http.pay(link);
      expect(paid.body).toMatchObject({
        status: 'paid',
        webhook: { delivered: false, httpStatus: null, error: expect.any(String) },
      });

      expect((await http.post(`${CS}/StepValidatePayment`, base(s.requestId))).body.error_code).toBeNull();
      const deliveries = await receiver.waitFor(3);
      const events = deliveries.map((d) => JSON.parse(d.raw) as { Id: string; Attempt: number });
      expect(events.map((e) => e.Attempt)).toEqual([1, 2, 3]);
      expect(new Set(events.map((e) => e.Id)).size).toBe(1);
      const log = await http.get<{ kind: string; httpStatus: number | null }[]>('/sandbox/webhooks', {});
      expect(log.body.filter((d) => d.kind === 'vlens').map((d) => d.httpStatus)).toEqual([500, 503, 200]);
      // Still serving.
      expect((await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`)).status).toBe(200);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});
