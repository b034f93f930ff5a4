// Payment webhooks over real HTTP into a real activation. Signatures are computed here with the test's
// own code (not the gateway's or the sandbox's signature modules), so a formula bug on both sides
// cannot hide. Covers: valid events signal once; replays are acknowledged and signal nothing, also
// after a gateway restart; tampered bodies, wrong keys and missing signatures are 401; non-success
// statuses are acknowledged and ignored; unknown activations get 202 and a log line.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEncryptionCodec } from '../../codec';
import { MemoryDedupStore } from '../../client/gateway/dedup/store';
import { startGateway } from '../../client/gateway/server';
import { http, startGatewayStack, type GatewayStack } from './stack';

const KASHIER_SECRET = 'kashier-dev-secret';
const FAWRY_KEY = 'fawry-dev-secure-key';

function kashierEvent(requestId: string, overrides: Record<string, string> = {}, secret = KASHIER_SECRET) {
  const data: Record<string, string> = {
    merchantOrderId: requestId,
    transactionId: `TX-${randomUUID().slice(0, 12)}`,
    orderReference: 'ORD-TEST',
    paymentStatus: 'SUCCESS',
    amount: '250.00',
    currency: 'EGP',
    ...overrides,
  };
  const signatureKeys = Object.keys(data).sort();
  const canonical = signatureKeys.map((key) => `${key}=${data[key]}`).join('&');
  const signature = createHmac('sha256', secret).update(canonical).digest('hex');
  const body: { event: string; data: Record<string, string | string[]> } = { event: 'pay', data: { ...data, signatureKeys } };
  return { body, signature, transactionId: data.transactionId! };
}

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
  return { body: { requestId: randomUUID(), ...fields, paymentTime: Date.now(), messageSignature }, eventId: String(fields.fawryRefNumber) };
}

describe('payment webhooks', () => {
  let s: GatewayStack;
  let requestId: string;

  const post = (provider: string, body: unknown, headers: Record<string, string> = {}) =>
    http(`${s.gateway.url}/v1/webhooks/${provider}`, 'POST', body, headers);

  /** The paymentCompleted signals in the activation's history, decrypted and decoded. */
  async function paymentSignals(): Promise<Array<{ source: string; eventId: string }>> {
    const history = await s.h.client.workflow.getHandle(`activation-${requestId}`).fetchHistory();
    const payloads = (history.events ?? [])
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .filter((signal) => signal?.signalName === 'paymentCompleted')
      .map((signal) => signal!.input!.payloads![0]!);
    const decoded = await createEncryptionCodec(s.h.keys).decode(payloads);
    return decoded.map((payload) => JSON.parse(Buffer.from(payload.data!).toString('utf8')));
  }

  beforeAll(async () => {
    s = await startGatewayStack();
    const { seeded } = await s.startActivation();
    requestId = seeded.requestId;
    await s.waitForState(requestId, 'awaiting_otp');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('Kashier: a signed event signals once; a replay is 200 and signals nothing', async () => {
    const event = kashierEvent(requestId);
    const first = await post('kashier', event.body, { 'x-kashier-signature': event.signature });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true });
    expect(await paymentSignals()).toContainEqual(
      expect.objectContaining({ source: 'kashier', eventId: `kashier:${event.transactionId}`, amount: 250, currency: 'EGP' }),
    );
    const before = (await paymentSignals()).length;

    const replay = await post('kashier', event.body, { 'x-kashier-signature': event.signature.toUpperCase() });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Kashier: tampered body, wrong key, missing header are 401; unsigned fields and broken JSON 400', async () => {
    const event = kashierEvent(requestId);
    const tampered = structuredClone(event.body);
    tampered.data.amount = '1.00';
    const before = (await paymentSignals()).length;
    expect((await post('kashier', tampered, { 'x-kashier-signature': event.signature })).body.error.code).toBe('bad_signature');

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
    const sig = createHmac('sha256', KASHIER_SECRET).update(`amount=250.00&currency=EGP`).digest('hex');
    expect((await post('kashier', partial, { 'x-kashier-signature': sig })).status).toBe(400);

    expect((await post('kashier', '{"event":', { 'x-kashier-signature': event.signature, 'content-type': 'application/json' })).status).toBe(400);
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Kashier: a failed payment is acknowledged and ignored; an unknown activation gets 202 and a log line', async () => {
    const before = (await paymentSignals()).length;
    const failed = kashierEvent(requestId, { paymentStatus: 'FAILED' });
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

  test('Fawry: signed event signals; tampered, wrong key, missing signature 401; replay 200; unpaid ignored', async () => {
    const event = fawryEvent(requestId);
    const first = await post('fawry', event.body);
    expect(first.status).toBe(200);
    expect(await paymentSignals()).toContainEqual(expect.objectContaining({ source: 'fawry', eventId: `fawry:${event.eventId}`, amount: 250 }));
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

  test('Vlens: CustomerSigned signals source vlens with the webhook Id; other statuses are ignored; junk is 400', async () => {
    const id = randomUUID();
    const signed = { Id: id, WebhookEvent: 'App.BusinessRequestStatusChange', Attempt: 1, Data: { Id: requestId, NewStatus: 'CustomerSigned' }, CreationTimeUtc: new Date().toISOString() };
    expect((await post('vlens', signed)).status).toBe(200);
    expect(await paymentSignals()).toContainEqual(expect.objectContaining({ source: 'vlens', eventId: `vlens:${id}` }));
    const before = (await paymentSignals()).length;
    expect((await post('vlens', { ...signed, Attempt: 2 })).body).toMatchObject({ duplicate: true });
    const pending = { ...signed, Id: randomUUID(), Data: { Id: requestId, NewStatus: 'PendingApproval' } };
    expect((await post('vlens', pending)).body.ignored).toMatch(/PendingApproval/);
    expect((await post('vlens', { Id: 5 })).status).toBe(400);
    expect(await paymentSignals()).toHaveLength(before);
  });

  test('Vlens webhook token: when configured, required (query or header) and never logged', async () => {
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
      const event = { Id: randomUUID(), WebhookEvent: 'App.BusinessRequestStatusChange', Data: { Id: requestId, NewStatus: 'PendingApproval' } };
      expect((await http(`${gateway.url}/v1/webhooks/vlens`, 'POST', event)).status).toBe(401);
      expect((await http(`${gateway.url}/v1/webhooks/vlens?token=${token.toUpperCase()}`, 'POST', event)).status).toBe(401);
      expect((await http(`${gateway.url}/v1/webhooks/vlens?token=${token}`, 'POST', event)).status).toBe(200);
      expect((await http(`${gateway.url}/v1/webhooks/vlens`, 'POST', event, { 'x-webhook-token': token })).status).toBe(200);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await gateway.close();
    }
  });

  test('the dedup record survives a gateway restart', async () => {
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
