// The whole activation in both API flavours, on a real Temporal server with the real worker and the
// sandbox over HTTP; plus the request type that needs no payment, and the signal-only app.
import { describe, expect } from 'vitest';
import { otpCodeSignal, paymentCompletedSignal, statusQuery } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { deviceAt, successfulCalls } from './harness';
import { historyEventTypes, recordHistory } from './history-recorder';
import { payAndNotify, submitInboxOtp } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

for (const flavor of ['customer-sign', 'legacy-activate'] as const) {
  describe(`happy path (${flavor})`, () => {
    test.scoped({ harnessOptions: { flavor } });

    test('OTP, payment, activation; one SMS, one confirmed payment, search attributes kept current', async ({
      harness: h,
    }) => {
      const seeded = await h.seed();
      const handle = await h.start(seeded);
      const accepted = await submitInboxOtp(h, handle, seeded);
      expect(accepted.status.state).toBe('awaiting_payment');
      expect(accepted.status.nextAction.type).toBe('pay');
      expect(accepted.status.nextAction.paymentLink).toMatch(/\/sandbox\/pay\//);

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(ActivationStateKey)).toBe('awaiting_payment');
      expect(description.typedSearchAttributes.get(VlensRequestIdKey)).toBe(seeded.requestId);

      await payAndNotify(h, handle, accepted.status);
      const final = await handle.result();
      expect(final.state).toBe('activated');
      expect(final.nextAction.type).toBe('none');
      expect(final.payment?.paidAt).toBeTruthy();

      const calls = await h.calls(seeded.requestId);
      const step = flavor === 'customer-sign' ? 'StepValidatePayment' : 'Activate';
      if (flavor === 'customer-sign') {
        expect(successfulCalls(calls, 'StepRequestOtp')).toBe(1);
        expect(successfulCalls(calls, step)).toBe(1);
      }
      const sandboxState = await h.sandbox('GET', `/sandbox/requests/${seeded.requestId}`);
      expect(sandboxState.body.otpsSent ?? sandboxState.body.smsSent).toBe(1);
      expect((await handle.describe()).typedSearchAttributes.get(ActivationStateKey)).toBe('activated');

      const types = await historyEventTypes(handle);
      expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
      console.log(`[${flavor}] happy-path history: ${types.length} events`);
      await recordHistory(`happy-path-${flavor}`, handle);
    });
  });
}

describe('variants', () => {
  test('a request type without payment activates right after the OTP', async ({ harness: h }) => {
    const seeded = await h.seed({ hasPayment: false });
    const handle = await h.start(seeded);
    const accepted = await submitInboxOtp(h, handle, seeded);
    expect(['activating', 'activated']).toContain(accepted.status.state);
    const final = await handle.result();
    expect(final.state).toBe('activated');
    await recordHistory('no-payment-required', handle);
  });

  test('an app that only sends signals gets the same result', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    await handle.signal(otpCodeSignal, { code: 'abc', device: deviceAt() }); // ignored: malformed
    const { code } = await h.latestOtp(seeded.requestId);
    await handle.signal(otpCodeSignal, { code, device: deviceAt() });
    const status = await h.waitForState(handle, 'awaiting_payment');
    expect(status.events.map((e) => e.type)).toContain('otp_signal_ignored');
    await h.payThroughPage(status.nextAction.paymentLink!);
    await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: 'kashier:tx-1' });
    expect((await handle.result()).state).toBe('activated');
    const final = await handle.query(statusQuery);
    // The audit trail never carries the code itself.
    expect(JSON.stringify(final)).not.toContain(code);
    await recordHistory('signals-only', handle);
  });
});
