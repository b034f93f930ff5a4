// The notifier on a real server: deliveries to a backend that is down for a while arrive later, all of them,
// in version order; the notifier ends after the activation's final update; a tampered delivery is refused by
// the client library's helper.
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { ActivationUpdate } from '../../contract/activities';
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from '../../contract/webhook-signature';
import { activationChangedSignal } from '../../workflows/activation-webhooks';
import { notifierIdFor } from '../../workflows/notifications';
import { activationWebhooks } from '../../workflows';
import { recordHistory } from './history-recorder';
import { payAndNotify, submitInboxOtp } from './scenario-helpers';
import { receiverTest as test } from './fixtures';

describe('outbound webhooks', () => {
  const update = (activationId: string, version: number, state: string, final = false): ActivationUpdate => ({
    activationId,
    version,
    changedAt: new Date(Date.UTC(2026, 11, 2, 3, 0, version)).toISOString(),
    status: { state, version },
    ...(final ? { final } : {}),
  });

  test('a receiver that is down receives everything later, in version order, and the notifier ends', async ({
    harness: h,
    receiver,
  }) => {
    const activationId = `activation-${randomUUID()}`;
    receiver.goDown(3);
    const handle = await h.client.workflow.start(activationWebhooks, {
      taskQueue: h.taskQueue,
      workflowId: `webhooks-${activationId}`,
      args: [{ initialRetryInterval: '200ms' }],
    });
    await handle.signal(activationChangedSignal, update(activationId, 1, 'requesting_otp'));
    // Later versions arrive while the first is still being retried, and out of order.
    await handle.signal(activationChangedSignal, update(activationId, 3, 'awaiting_payment'));
    await handle.signal(activationChangedSignal, update(activationId, 2, 'awaiting_otp'));
    await handle.signal(activationChangedSignal, update(activationId, 4, 'activated', true));
    await handle.result();
    expect(receiver.refused.filter((r) => r.reason === 'down')).toHaveLength(3);
    expect(receiver.versionsFor(activationId)).toEqual([1, 2, 3, 4]);
    const last = receiver.accepted.at(-1)!;
    expect(last).toMatchObject({
      id: `evt_${activationId}_v4`,
      type: 'activation.updated',
      data: { object: { state: 'activated' } },
    });
  });

  test('an activation with webhooks tells the backend its changes, in version order, and never waits for it', async ({
    harness: h,
    receiver,
  }) => {
    const seeded = await h.seed();
    receiver.goDown(2);
    const handle = await h.start(seeded, { webhooks: true });
    const accepted = await submitInboxOtp(h, handle, seeded);
    await payAndNotify(h, handle, accepted.status);
    const done = await handle.result();
    expect(done.state).toBe('activated');
    const notifier = h.client.workflow.getHandle(notifierIdFor(seeded.requestId));
    await notifier.result();
    const versions = receiver.versionsFor(handle.workflowId);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const states = receiver.accepted
      .filter((e) => e.data.activationId === handle.workflowId)
      .map((e) => e.data.object.state);
    // The activation signals its status as it is when the notifier can take it (workflows/notifications.ts): a
    // change superseded before then is folded into the next. requesting_otp lasts one SMS call while the
    // notifier child is still starting, so on a busy machine the first delivery may already be awaiting_otp.
    expect(['requesting_otp', 'awaiting_otp']).toContain(states[0]);
    expect(states).toContain('awaiting_otp');
    expect(states).toContain('awaiting_payment');
    expect(states.at(-1)).toBe('activated');
    expect(versions.at(-1)).toBe(done.version);
    await recordHistory('webhooks-happy-path', handle);
  });

  test('a delivery whose body was changed after signing is refused by verifyWebhook', async ({ receiver }) => {
    const body = JSON.stringify({
      id: 'evt_x_v1',
      type: 'activation.updated',
      data: { activationId: 'x', version: 1, object: { state: 'awaiting_otp' } },
    });
    const signature = signWebhookPayload(body, [receiver.secret], Math.floor(Date.now() / 1000));
    const tampered = body.replace('awaiting_otp', 'activated');
    const response = await fetch(receiver.url, {
      method: 'POST',
      headers: { [WEBHOOK_SIGNATURE_HEADER]: signature },
      body: tampered,
    });
    expect(response.status).toBe(400);
    expect(receiver.refused.at(-1)).toMatchObject({
      reason: 'signature',
      detail: expect.stringContaining('no v1 signature matches'),
    });
  });
});
