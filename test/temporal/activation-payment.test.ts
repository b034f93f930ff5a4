// Payment: timeout, early and duplicate notifications, lost notifications recovered by
// reconciliation, and money that arrives after the activation ended.
import { describe, expect } from 'vitest';
import { paymentCompletedSignal, statusQuery } from '../../contract/messages';
import { successfulCalls } from './harness';
import { recordHistory } from './history-recorder';
import { failureOf, sleep, submitInboxOtp } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

describe('payment', () => {
  test('nobody pays: payment_timeout, and a late payment flags the activation for an operator', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentTimeout: '1500ms', latePaymentWindow: '3s' } });
    await submitInboxOtp(h, handle, seeded);
    const failed = await h.waitForState(handle, 'failed', 10_000);
    expect(failed.failureReason).toBe('payment_timeout');
    await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: 'kashier:late-1' });
    await sleep(300);
    const flagged = await handle.query(statusQuery);
    expect(flagged.needsAttention).toBe(true);
    const failure = await failureOf(handle);
    expect(failure.type).toBe('payment_timeout');
    const memo = (await handle.describe()).memo;
    expect(memo?.needsAttention).toBe(true);
    await recordHistory('payment-timeout-late-payment', handle);
  });

  test('a payment notification before the payment state is kept and acted on when it arrives', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' } });
    await h.waitForState(handle, 'awaiting_otp');
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'early-1' });
    const accepted = await submitInboxOtp(h, handle, seeded);
    // The early hint makes the workflow ask Vlens at once; nothing is paid yet, so it keeps waiting.
    const waiting = await h.waitForState(handle, 'awaiting_payment');
    await sleep(500);
    const calls = await h.calls(seeded.requestId);
    expect(calls.filter((c) => c.path.endsWith('StepValidatePayment')).length).toBeGreaterThanOrEqual(1);
    expect(waiting.events.map((e) => e.type)).toContain('payment_notification_early');
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'after-pay-1' });
    expect((await handle.result()).state).toBe('activated');
    await recordHistory('payment-early-notification', handle);
  });

  test('duplicate notifications confirm the payment once', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' } });
    const accepted = await submitInboxOtp(h, handle, seeded);
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    for (let i = 0; i < 3; i++) {
      await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: 'kashier:tx-dup' });
    }
    const final = await handle.result();
    expect(final.state).toBe('activated');
    expect(final.events.filter((e) => e.type === 'payment_notification_duplicate').length).toBeGreaterThanOrEqual(1);
    const calls = await h.calls(seeded.requestId);
    expect(successfulCalls(calls, 'StepValidatePayment')).toBe(1);
    await recordHistory('payment-duplicate-notifications', handle);
  });

  test('every notification lost: reconciliation polling finds the payment', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '500ms', paymentReconcileMax: '1s' } });
    const accepted = await submitInboxOtp(h, handle, seeded);
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    const final = await handle.result();
    expect(final.state).toBe('activated');
    expect(final.events.some((e) => e.type === 'payment_confirmed' && e.detail === 'reconciliation')).toBe(true);
    await recordHistory('payment-reconciled', handle);
  });
});
