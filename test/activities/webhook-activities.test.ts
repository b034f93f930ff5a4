// The delivery activity against a real HTTP receiver on loopback (outside Temporal: one call is one attempt).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhook-activities';
import { loadWebhookEndpoints } from '../../contract/webhook-endpoints';
import type { ActivationUpdate } from '../../contract/activities';
import { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from '../../contract/webhook-signature';

const secret = 'whsec_test_0123456789abcdef';
const update: ActivationUpdate = {
  activationId: 'activation-1',
  tenant: 'acme',
  version: 2,
  changedAt: '2026-12-02T03:00:00.000Z',
  status: { state: 'awaiting_otp' },
};

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

async function receiver(answer: number) {
  const received: { body: string; signature: string | undefined }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ body, signature: req.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined });
    res.statusCode = answer;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?token=abc`, received };
}

describe('deliverActivationUpdate', () => {
  it('posts a signed activation.updated event that the client helper verifies', async () => {
    const r = await receiver(200);
    const activities = createWebhookActivities({ endpoints: [{ tenant: 'acme', url: r.url, secrets: [secret] }] });
    await expect(activities.deliverActivationUpdate(update)).resolves.toEqual({ delivered: 1 });
    expect(r.received).toHaveLength(1);
    const event = verifyWebhook<{ id: string; type: string; data: { version: number } }>(
      r.received[0]!.body,
      r.received[0]!.signature,
      [secret],
    );
    expect(event).toMatchObject({ id: 'evt_activation-1_v2', type: 'activation.updated', data: { version: 2 } });
  });

  it('sends nothing to another tenant and fails retryably when a receiver is down, naming the host but not the query', async () => {
    const other = await receiver(200);
    const down = await receiver(503);
    const activities = createWebhookActivities({
      endpoints: [
        { tenant: 'globex', url: other.url, secrets: [secret] },
        { tenant: 'acme', url: down.url, secrets: [secret] },
      ],
    });
    const failure = (await activities.deliverActivationUpdate(update).then(
      () => new Error('delivered'),
      (e: unknown) => e,
    )) as Error & { type?: string; nonRetryable?: boolean };
    expect(failure).toMatchObject({ type: 'WebhookDeliveryFailed', nonRetryable: false });
    expect(failure.message).toContain('HTTP 5xx');
    expect(failure.message).not.toMatch(/HTTP 503/);
    expect(failure.message).not.toContain('token=abc');
    expect(other.received).toHaveLength(0);
  });
});

describe('ACTIVATION_WEBHOOKS', () => {
  it('reads endpoints and refuses bad ones with a message naming the variable', () => {
    expect(loadWebhookEndpoints({})).toEqual([]);
    expect(
      loadWebhookEndpoints({
        ACTIVATION_WEBHOOKS: JSON.stringify([{ url: 'http://127.0.0.1:9/x', secrets: [secret] }]),
      }),
    ).toHaveLength(1);
    expect(() => loadWebhookEndpoints({ ACTIVATION_WEBHOOKS: '[{' })).toThrow(/ACTIVATION_WEBHOOKS is not JSON/);
    expect(() =>
      loadWebhookEndpoints({ ACTIVATION_WEBHOOKS: JSON.stringify([{ url: 'http://x', secrets: ['short'] }]) }),
    ).toThrow(/at least 16/);
    expect(() =>
      loadWebhookEndpoints({
        NODE_ENV: 'production',
        ACTIVATION_WEBHOOKS: JSON.stringify([{ url: 'http://hooks.example.com/x', secrets: [secret] }]),
      }),
    ).toThrow(/https only/);
  });
});
