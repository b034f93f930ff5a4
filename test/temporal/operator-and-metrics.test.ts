// Operator repairs (each recorded with the operator and the reason) and the business metrics the
// workflow emits to the worker's Prometheus endpoint.
import { describe, expect } from 'vitest';
import {
  operatorCancelUpdate,
  operatorExtendDeadlineUpdate,
  operatorForceNewOtpUpdate,
  operatorVerifyPaymentUpdate,
  submitOtpUpdate,
} from '../../contract/messages';
import { deviceAt, successfulCalls, workerMetricsUrl } from './harness';
import { historyEventTypes, recordHistory } from './history-recorder';
import { failureOf, sleep, submitInboxOtp, updateRejection } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

const ops = { operator: 'ops@example.com', reason: 'customer called support' };

/** Sums a Prometheus metric's samples whose labels include every given pair. */
async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(workerMetricsUrl())).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([\d.eE+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

describe('operator repairs', () => {
  test('extending the OTP deadline keeps an activation alive past its OTP lifetime', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { otpTtl: '1s', latePaymentWindow: '500ms' } });
    await h.waitForState(handle, 'awaiting_otp');
    const answer = await handle.executeUpdate(operatorExtendDeadlineUpdate, {
      args: [{ ...ops, step: 'otp', extendBy: '1h' }],
    });
    expect(answer.status.events.at(-1)).toMatchObject({
      type: 'operator_extended_otp_deadline',
      detail: `by ${ops.operator}: ${ops.reason}`,
    });
    await sleep(2_500);
    const accepted = await submitInboxOtp(h, handle, seeded);
    expect(accepted.status.state).toBe('awaiting_payment');
    await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
    expect((await failureOf(handle)).type).toBe('cancelled');
  });

  test('a forced new OTP ignores the cooldown and the send limit', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { maxOtpSends: 1, resendCooldown: '1h' } });
    await h.waitForState(handle, 'awaiting_otp');
    const first = await h.latestOtp(seeded.requestId);
    await handle.executeUpdate(operatorForceNewOtpUpdate, { args: [ops] });
    const second = await h.latestOtp(seeded.requestId);
    expect(second.otpRequestId).not.toBe(first.otpRequestId);
    const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: second.code, device: deviceAt() }] });
    expect(answer.outcome).toBe('accepted');
    const cancelled = await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
    expect(cancelled.status.state).toBe('cancelled');
    expect(
      cancelled.status.events.some((e) => e.type === 'operator_forced_new_otp' && e.detail?.includes(ops.operator)),
    ).toBe(true);
  });

  test('verifying a payment asks Vlens, and only Vlens activates', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' } });
    const accepted = await submitInboxOtp(h, handle, seeded);
    const unpaid = await handle.executeUpdate(operatorVerifyPaymentUpdate, { args: [ops] });
    expect(unpaid.activated).toBe(false);
    expect(unpaid.status.state).toBe('awaiting_payment');
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    const paid = await handle.executeUpdate(operatorVerifyPaymentUpdate, { args: [ops] });
    expect(paid.activated).toBe(true);
    expect((await handle.result()).state).toBe('activated');
    expect(successfulCalls(await h.calls(seeded.requestId), 'StepValidatePayment')).toBe(1);
    await recordHistory('operator-verified-payment', handle);
  });

  test('operator messages without a name or reason, or in the wrong state, are refused without history', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const before = await historyEventTypes(handle);
    const refusals = [
      await updateRejection(handle.executeUpdate(operatorForceNewOtpUpdate, { args: [{ operator: '', reason: 'x' }] })),
      await updateRejection(handle.executeUpdate(operatorVerifyPaymentUpdate, { args: [ops] })),
      await updateRejection(
        handle.executeUpdate(operatorExtendDeadlineUpdate, { args: [{ ...ops, step: 'otp', extendBy: '-5m' }] }),
      ),
    ];
    expect(refusals.map((r) => r.type)).toEqual(['InvalidInput', 'InvalidState', 'InvalidInput']);
    expect(await historyEventTypes(handle)).toEqual(before);
    await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
  });
});

describe('business metrics', () => {
  test('started, wrong OTPs, payment links and activated are counted', async ({ harness: h }) => {
    const before = {
      started: await metricSum('vlens_activations_started'),
      wrong: await metricSum('vlens_otp_wrong_attempts'),
      links: await metricSum('vlens_payment_links_issued'),
      activated: await metricSum('vlens_activations_finished', { outcome: 'activated' }),
    };
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const { code } = await h.latestOtp(seeded.requestId);
    await handle.executeUpdate(submitOtpUpdate, {
      args: [{ code: code === '000000' ? '111111' : '000000', device: deviceAt() }],
    });
    const accepted = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    await handle.signal('paymentCompleted', { source: 'app', eventId: 'metrics-1' });
    await handle.result();
    // The Prometheus exporter publishes on its own schedule; give it a moment.
    await expect
      .poll(async () => (await metricSum('vlens_activations_finished', { outcome: 'activated' })) - before.activated, {
        timeout: 10_000,
      })
      .toBe(1);
    expect((await metricSum('vlens_activations_started')) - before.started).toBe(1);
    expect((await metricSum('vlens_otp_wrong_attempts')) - before.wrong).toBe(1);
    expect((await metricSum('vlens_payment_links_issued')) - before.links).toBe(1);
    expect(await metricSum('vlens_activation_state_duration_count', { state: 'awaiting_otp' })).toBeGreaterThanOrEqual(
      1,
    );
  });
});
