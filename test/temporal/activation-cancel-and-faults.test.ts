// Cancellation at every waiting state, requests Vlens refuses, the overall deadline, and a flaky Vlens
// that is retried to success without sending a second SMS.
import { describe, expect } from 'vitest';
import { cancelSignal, paymentCompletedSignal } from '../../contract/messages';
import { ALEXANDRIA, deviceAt, successfulCalls } from './harness';
import { recordHistory } from './history-recorder';
import { failureOf, submitInboxOtp } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

describe('cancellation', () => {
  test('cancel signal while awaiting the OTP', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    await handle.signal(cancelSignal, { reason: 'user gave up' });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('cancelled');
    expect((await handle.describe()).status.name).toBe('FAILED');
    await recordHistory('cancel-awaiting-otp', handle);
  });

  test('Temporal cancellation while awaiting liveness', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { device: deviceAt(ALEXANDRIA) });
    await h.waitForState(handle, 'awaiting_liveness');
    await handle.cancel();
    expect((await failureOf(handle)).type).toBe('cancelled');
    await recordHistory('cancel-awaiting-liveness', handle);
  });

  test('cancel signal while awaiting payment', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { latePaymentWindow: '500ms' } });
    await submitInboxOtp(h, handle, seeded);
    await handle.signal(cancelSignal, { reason: 'order withdrawn' });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('cancelled');
    await recordHistory('cancel-awaiting-payment', handle);
  });

  test('cancel while a payment check is running: the check finishes, nothing more is asked of Vlens', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { latePaymentWindow: '500ms', paymentReconcileInitial: '1s' } });
    await submitInboxOtp(h, handle, seeded);
    // A payment hint starts a StepValidatePayment that Vlens takes 2.5 s to answer ("not paid").
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
      delayMs: 2_500,
      times: 1,
    });
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'hint-before-cancel' });
    await h.waitForState(handle, 'activating');
    await handle.signal(cancelSignal, { reason: 'user gave up while paying' });
    expect((await failureOf(handle)).type).toBe('cancelled');
    // The running check is not cut off (Vlens may have activated), but no reconciliation follows the cancel.
    expect((await h.calls(seeded.requestId)).filter((c) => c.path.endsWith('StepValidatePayment'))).toHaveLength(1);
    await recordHistory('cancel-during-payment-check', handle);
  });
});

describe('Vlens refusals and faults', () => {
  test('a request still pending approval fails as request_not_approved', async ({ harness: h }) => {
    const seeded = await h.seed({ status: 'pending_approval' });
    const handle = await h.start(seeded);
    const failure = await failureOf(handle);
    expect(failure.type).toBe('request_not_approved');
    expect(failure.nonRetryable).toBe(true);
    await recordHistory('request-not-approved', handle);
  });

  test('a rejected request fails as vlens_rejected', async ({ harness: h }) => {
    const seeded = await h.seed({ status: 'rejected' });
    const handle = await h.start(seeded);
    expect((await failureOf(handle)).type).toBe('vlens_rejected');
  });

  test('5xx and dropped connections are retried to success with exactly one SMS', async ({ harness: h }) => {
    const seeded = await h.seed();
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepRequestOtp',
      status: 503,
      times: 2,
    });
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepRequestOtp',
      drop: true,
      times: 1,
    });
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
      status: 500,
      times: 2,
    });
    const handle = await h.start(seeded);
    const accepted = await submitInboxOtp(h, handle, seeded);
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    await handle.signal('paymentCompleted', { source: 'app', eventId: 'evt-faults' });
    expect((await handle.result()).state).toBe('activated');
    await h.sandbox('DELETE', '/sandbox/faults');
    const calls = await h.calls(seeded.requestId);
    expect(calls.filter((c) => c.path.endsWith('StepRequestOtp')).length).toBeGreaterThanOrEqual(4);
    expect(successfulCalls(calls, 'StepRequestOtp')).toBe(1);
    expect(successfulCalls(calls, 'StepValidatePayment')).toBe(1);
    const sandboxState = await h.sandbox('GET', `/sandbox/requests/${seeded.requestId}`);
    expect(sandboxState.body.otpsSent ?? sandboxState.body.smsSent).toBe(1);
    await recordHistory('vlens-faults-retried', handle);
  });

  test('the overall deadline ends a stalled activation', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { deadline: '2s' } });
    expect((await failureOf(handle)).type).toBe('deadline_exceeded');
    await recordHistory('deadline-exceeded', handle);
  });
});
