// Payment webhooks over real HTTP into a real activation. Signatures are computed here with the test's
// own code (not the gateway's or the sandbox's signature modules), so a formula bug on both sides
// cannot hide; for Kashier that is Kashier's reference construction (sort signatureKeys, pick them from
// data, query-string's stringify, HMAC-SHA256). Covers: a Kashier webhook built that way activates an
// activation end to end, while one built the old way (unencoded `key=value`) or in the old shape
// (`paymentStatus`) is refused; valid events signal once; replays are acknowledged and signal nothing,
// also after a gateway restart; tampered bodies, wrong keys and missing signatures are 401; non-success
// statuses are acknowledged and ignored; unknown activations get 202 and a log line.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { createEncryptionCodec } from '../../codec';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway } from '../../gateway/server';
import { deviceAt } from '../temporal/harness';
import { gatewayTest, oncePerStack } from '../temporal/fixtures';
import { KASHIER_SECRET, kashierEvent, kashierText, oldKashierText, type KashierData } from './provider-events';
import { http, type GatewayStack, type HttpAnswer } from './stack';

const FAWRY_KEY = 'fawry-dev-secure-key';

function fawryEvent(requestId: string, overrides: Record<string, unknown> = {}, secureKey = FAWRY_KEY) {
  const fields = {
    fawryRefNumber: String(Math.floor(Math.random() * 1e10)).padStart(10, '7'),
    merchantRefNumber: requestId,
    paymentAmount: 250,
    orderAmount: 250,
    orderStatus: 'PAID',
    paymentMethod: 'PayAtFawry',
    paymentRefrenceNumber: '12345678',
    ...overrides,
  } as Record<string, string | number>;
  const text =
    `${fields.fawryRefNumber}${fields.merchantRefNumber}${Number(fields.paymentAmount).toFixed(2)}${Number(fields.orderAmount).toFixed(2)}` +
    `${fields.orderStatus}${fields.paymentMethod}${fields.paymentRefrenceNumber}${secureKey}`;
  const messageSignature = createHash('sha256').update(text).digest('hex');
  return {
    body: { requestId: randomUUID(), ...fields, paymentTime: Date.now(), messageSignature },
    eventId: String(fields.fawryRefNumber),
  };
}

/** An activation waiting for its OTP, started once for the describe block's tests to send webhooks to. */
const awaitingOtp = oncePerStack(async (s: GatewayStack) => {
  const { seeded } = await s.startActivation();
  await s.waitForState(seeded.requestId, 'awaiting_otp');
  return seeded.requestId;
});

const test = gatewayTest.extend<{
  requestId: string;
  post: (provider: string, body: unknown, headers?: Record<string, string>) => Promise<HttpAnswer>;
  /** The paymentCompleted signals in the activation's history, decrypted and decoded. */
  paymentSignals: (id?: string) => Promise<Array<{ source: string; eventId: string }>>;
}>({
  requestId: async ({ stack }, use) => use(await awaitingOtp(stack)),
  post: async ({ stack }, use) =>
    use((provider, body, headers = {}) => http(`${stack.gateway.url}/v1/webhooks/${provider}`, 'POST', body, headers)),
  paymentSignals: async ({ stack, requestId }, use) =>
    use(async (id = requestId) => {
      const history = await stack.h.client.workflow.getHandle(`activation-${id}`).fetchHistory();
      const payloads = (history.events ?? [])
        .map((event) => event.workflowExecutionSignaledEventAttributes)
        .filter((signal) => signal?.signalName === 'paymentCompleted')
        .map((signal) => signal!.input!.payloads![0]!);
      const decoded = await createEncryptionCodec(stack.h.keys, { namespace: stack.h.namespace }).decode(payloads);
      return decoded.map((payload) => JSON.parse(Buffer.from(payload.data!).toString('utf8')));
    }),
});

describe('payment webhooks', () => {
  // The sandbox's payment page sends no gateway webhook of its own here: every payment webhook in this
  // file is built by the test, so only those can move an activation.
  test.scoped({ stackOptions: { harness: { sandbox: { webhookUrl: null } } } });

  test("Kashier: a webhook built with Kashier's reference construction activates end to end; the old construction and shape are refused", async ({
    stack: s,
    post,
    paymentSignals,
  }) => {
    const { seeded, answer } = await s.startActivation({ paymentGateway: 'kashier', amount: 250 });
    expect(answer.status).toBe(202);
    const id = seeded.requestId;
    await s.waitForState(id, 'awaiting_otp');
    const { code } = await s.h.latestOtp(id);
    const otp = await s.api('POST', `/v1/activations/${id}/otp`, { code, device: deviceAt() });
    expect(otp.body.status.state).toBe('awaiting_payment');
    // The user pays on the (sandbox) gateway; the notification is ours to send.
    const paymentId = new URL(otp.body.status.nextAction.paymentLink as string).pathname.split('/').pop();
    const paid = await s.h.sandbox('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
    expect(paid.body).toMatchObject({ status: 'paid', webhook: { delivered: false } });

    // Built the old way: same body, `key=value` unencoded. The colons, spaces and `!'()*` make it differ.
    const old = kashierEvent(id, {}, KASHIER_SECRET, oldKashierText);
    const refused = await post('kashier', old.body, { 'x-kashier-signature': old.signature });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('bad_signature');
    // The old shape (data.paymentStatus, no data.status), however it is signed, is 400 naming data.status.
    for (const text of [oldKashierText, kashierText]) {
      const data: KashierData = {
        merchantOrderId: id,
        transactionId: `TX-${randomUUID().slice(0, 12)}`,
        paymentStatus: 'SUCCESS',
        amount: '250.00',
        currency: 'EGP',
        cardBrand: 'Master Card',
        creationDate: new Date().toISOString(),
      };
      const keys = Object.keys(data).sort();
      const signature = createHmac('sha256', KASHIER_SECRET).update(text(data, keys)).digest('hex');
      const answer400 = await post(
        'kashier',
        { event: 'pay', data: { ...data, signatureKeys: keys } },
        { 'x-kashier-signature': signature },
      );
      expect(answer400.status).toBe(400);
      expect(answer400.body.error.code).toBe('bad_request');
      expect(answer400.body.error.message).toMatch(/data\.status/);
    }
    expect(await paymentSignals(id)).toEqual([]);
    expect((await s.api('GET', `/v1/activations/${id}`)).body.state).toBe('awaiting_payment');

    // Kashier's reference construction: accepted, signalled, and the activation completes.
    const event = kashierEvent(id);
    const accepted = await post('kashier', event.body, { 'x-kashier-signature': event.signature });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ received: true });
    const final = await s.waitForState(id, 'activated');
    expect(final.nextAction.type).toBe('none');
    expect(await paymentSignals(id)).toContainEqual(
      expect.objectContaining({
        source: 'kashier',
        eventId: `kashier:${event.transactionId}`,
        amount: 250,
        currency: 'EGP',
      }),
    );
  });

  test('Kashier: a signed event signals once; a replay is 200 and signals nothing', async ({
    requestId,
    post,
    paymentSignals,
  }) => {
    const event = kashierEvent(requestId);
    const first = await post('kashier', event.body, { 'x-kashier-signature': event.signature });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true });
    expect(await paymentSignals()).toContainEqual(
      expect.objectContaining({
        source: 'kashier',
        eventId: `kashier:${event.transactionId}`,
        amount: 250,
        currency: 'EGP',
      }),
    );
    const before = (await paymentSignals()).length;

    const replay = await post('kashier', event.body, { 'x-kashier-signature': event.signature.toUpperCase() });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Kashier: tampered body, wrong key, missing header are 401; unsigned fields and broken JSON 400', async ({
    requestId,
    post,
    paymentSignals,
  }) => {
    const event = kashierEvent(requestId);
    const tampered = structuredClone(event.body);
    tampered.data.amount = '1.00';
    const before = (await paymentSignals()).length;
    expect((await post('kashier', tampered, { 'x-kashier-signature': event.signature })).body.error.code).toBe(
      'bad_signature',
    );

    const wrongKey = kashierEvent(requestId, {}, 'not-the-secret');
    const answer = await post('kashier', wrongKey.body, { 'x-kashier-signature': wrongKey.signature });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('bad_signature');

    const missing = await post('kashier', event.body);
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toMatch(/x-kashier-signature/);

    // Signed, but the fields the gateway acts on are not covered by the signature.
    const partial = structuredClone(event.body);
    partial.data.signatureKeys = ['amount', 'currency'];
    const sig = createHmac('sha256', KASHIER_SECRET).update('amount=250.00&currency=EGP').digest('hex');
    expect((await post('kashier', partial, { 'x-kashier-signature': sig })).status).toBe(400);

    expect(
      (
        await post('kashier', '{"event":', {
          'x-kashier-signature': event.signature,
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(400);
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Kashier: a failed payment is acknowledged and ignored; an unknown activation gets 202 and a log line', async ({
    stack: s,
    requestId,
    post,
    paymentSignals,
  }) => {
    const before = (await paymentSignals()).length;
    const failed = kashierEvent(requestId, { status: 'FAILED' });
    const ignored = await post('kashier', failed.body, { 'x-kashier-signature': failed.signature });
    expect(ignored.status).toBe(200);
    expect(ignored.body.ignored).toMatch(/FAILED/);
    expect(await paymentSignals()).toHaveLength(before);

    const stranger = randomUUID();
    const unknown = kashierEvent(stranger);
    const answer = await post('kashier', unknown.body, { 'x-kashier-signature': unknown.signature });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ unknownActivation: true });
    const line = s.logs.find((l) => l.includes('unknown activation') && l.includes(stranger));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 40, provider: 'kashier', requestId: stranger });
  });

  test('Fawry: signed event signals; tampered, wrong key, missing signature 401; replay 200; unpaid ignored', async ({
    requestId,
    post,
    paymentSignals,
  }) => {
    const event = fawryEvent(requestId);
    const first = await post('fawry', event.body);
    expect(first.status).toBe(200);
    expect(await paymentSignals()).toContainEqual(
      expect.objectContaining({ source: 'fawry', eventId: `fawry:${event.eventId}`, amount: 250 }),
    );
    const before = (await paymentSignals()).length;

    expect((await post('fawry', event.body)).body).toMatchObject({ duplicate: true });
    expect((await post('fawry', { ...event.body, paymentAmount: 1 })).status).toBe(401);
    const wrongKey = fawryEvent(requestId, {}, 'wrong-key');
    expect((await post('fawry', wrongKey.body)).body.error.code).toBe('bad_signature');
    const { messageSignature: _dropped, ...unsigned } = fawryEvent(requestId).body;
    expect((await post('fawry', unsigned)).status).toBe(401);
    const unpaid = fawryEvent(requestId, { orderStatus: 'UNPAID' });
    expect((await post('fawry', unpaid.body)).body.ignored).toMatch(/UNPAID/);
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Vlens: CustomerSigned signals source vlens with the webhook Id; other statuses are ignored; junk is 400', async ({
    requestId,
    post,
    paymentSignals,
  }) => {
    const id = randomUUID();
    const signed = {
      Id: id,
      WebhookEvent: 'App.BusinessRequestStatusChange',
      Attempt: 1,
      Data: { Id: requestId, NewStatus: 'CustomerSigned' },
      CreationTimeUtc: new Date().toISOString(),
    };
    expect((await post('vlens', signed)).status).toBe(200);
    expect(await paymentSignals()).toContainEqual(expect.objectContaining({ source: 'vlens', eventId: `vlens:${id}` }));
    const before = (await paymentSignals()).length;
    expect((await post('vlens', { ...signed, Attempt: 2 })).body).toMatchObject({ duplicate: true });
    const pending = { ...signed, Id: randomUUID(), Data: { Id: requestId, NewStatus: 'PendingApproval' } };
    expect((await post('vlens', pending)).body.ignored).toMatch(/PendingApproval/);
    expect((await post('vlens', { Id: 5 })).status).toBe(400);
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Vlens webhook token: when configured, required (query or header) and never logged', async ({
    stack: s,
    requestId,
  }) => {
    const token = 'vlens-shared-token-0123456789';
    const lines: string[] = [];
    const gateway = await startGateway({
      activations: s.activations,
      port: 0,
      vlensWebhookToken: token,
      dedupStore: new MemoryDedupStore(),
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const event = {
        Id: randomUUID(),
        WebhookEvent: 'App.BusinessRequestStatusChange',
        Data: { Id: requestId, NewStatus: 'PendingApproval' },
      };
      expect((await http(`${gateway.url}/v1/webhooks/vlens`, 'POST', event)).status).toBe(401);
      expect((await http(`${gateway.url}/v1/webhooks/vlens?token=${token.toUpperCase()}`, 'POST', event)).status).toBe(
        401,
      );
      expect((await http(`${gateway.url}/v1/webhooks/vlens?token=${token}`, 'POST', event)).status).toBe(200);
      expect((await http(`${gateway.url}/v1/webhooks/vlens`, 'POST', event, { 'x-webhook-token': token })).status).toBe(
        200,
      );
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await gateway.close();
    }
  });

  test('the dedup record survives a gateway restart', async ({ stack: s, requestId, post, paymentSignals }) => {
    const event = kashierEvent(requestId);
    expect((await post('kashier', event.body, { 'x-kashier-signature': event.signature })).status).toBe(200);
    const before = (await paymentSignals()).length;

    await s.gateway.close();
    await s.restartGateway();
    const replay = await post('kashier', event.body, { 'x-kashier-signature': event.signature });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });
    expect(await paymentSignals()).toHaveLength(before);

    const lines = readFileSync(path.join(s.dataDir, 'webhook-events.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toContain(`kashier:${event.transactionId}`);
  });
});
