// Answers the client cannot read, on a real server: each step retries them a bounded number of times
// (StepValidateOtp at most once more, since it can spend an OTP attempt), then the activation waits
// with needsAttention for an operator, who retries the step or cancels. Nothing is activated or
// accepted on such an answer.
import { describe, expect } from 'vitest';
import {
  operatorCancelUpdate,
  operatorRetryStepUpdate,
  paymentCompletedSignal,
  submitOtpUpdate,
} from '../../contract/messages';
import { deviceAt, successfulCalls, type Harness } from './harness';
import { recordHistory } from './history-recorder';
import { failureOf, payAndNotify, submitInboxOtp, updateRejection } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

const ops = { operator: 'ops@example.com', reason: 'Vlens support confirmed the answer' };
/** A success envelope without data: neither flags nor a link nor anything else the client can build on. */
const UNREADABLE = { status: 200, body: '{}' };
/** A success envelope whose data is a sentence, not the payment link that proves a signature. */
const NO_PROOF = {
  status: 200,
  body: JSON.stringify({ data: 'OTP validated successfully', error_code: null, error_message: null }),
};

async function callsTo(h: Harness, requestId: string, step: string): Promise<number> {
  return (await h.calls(requestId)).filter((c) => c.path.endsWith(step)).length;
}

describe('unrecognised Vlens answers', () => {
  // Two attempts for every step, so the test does not wait out five backoffs.
  test.scoped({
    harnessOptions: {
      vlens: { unrecognisedMaxAttempts: { requestOtp: 2, revalidateLiveness: 2, validateOtp: 2, validatePayment: 2 } },
    },
  });

  test('a payment answer nobody can read never activates; it waits for an operator, whose retry confirms it', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' } });
    const accepted = await submitInboxOtp(h, handle, seeded);
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    const fault = await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
      answer: UNREADABLE,
      times: 2,
    });
    expect(fault.status).toBeLessThan(300);
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'app-1' });

    const held = await waitFor(h, handle, (s) => s.attention !== undefined);
    expect(held).toMatchObject({ state: 'awaiting_payment', needsAttention: true, nextAction: { type: 'wait' } });
    expect(held.attention).toMatchObject({ reason: 'vlens_unrecognised_answer', step: 'validatePayment' });
    const event = held.events.find((e) => e.type === 'vlens_unrecognised_answer');
    expect(event?.detail).toContain('validatePayment');
    expect(event?.detail).toContain('"error_code":"absent"');
    expect(await callsTo(h, seeded.requestId, 'StepValidatePayment')).toBe(2);

    const released = await handle.executeUpdate(operatorRetryStepUpdate, { args: [ops] });
    expect(released.status.attention).toBeUndefined();
    expect(
      released.status.events.some((e) => e.type === 'operator_retry_step' && e.detail?.includes(ops.operator)),
    ).toBe(true);
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'activated', needsAttention: false });
    expect(successfulCalls(await h.calls(seeded.requestId), 'StepValidatePayment')).toBe(1);
    await recordHistory('unrecognised-payment-answer-held', handle);
  });

  test('an OTP answer nobody can read is retried once at most, then the user waits for the operator', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    // A short late-payment window: the cancel at the end waits it out before the run ends.
    const handle = await h.start(seeded, { policy: { latePaymentWindow: '500ms' } });
    await h.waitForState(handle, 'awaiting_otp');
    const { code } = await h.latestOtp(seeded.requestId);
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidateOtp',
      answer: UNREADABLE,
      times: 5,
    });

    const refused = await updateRejection(
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] }),
    );
    expect(refused.type).toBe('InvalidState');
    expect(refused.message).toContain('waiting for an operator');
    expect(await callsTo(h, seeded.requestId, 'StepValidateOtp')).toBe(2);
    const held = await h.status(handle);
    expect(held).toMatchObject({ state: 'awaiting_otp', needsAttention: true, attention: { step: 'validateOtp' } });
    expect(held.otp?.attemptsLeft).toBe(5);

    // While held, the app's next try is refused before anything reaches Vlens.
    const again = await updateRejection(
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] }),
    );
    expect(again.type).toBe('InvalidState');
    expect(await callsTo(h, seeded.requestId, 'StepValidateOtp')).toBe(2);

    await h.sandbox('DELETE', '/sandbox/faults');
    await handle.executeUpdate(operatorRetryStepUpdate, { args: [ops] });
    const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
    expect(answer.outcome).toBe('accepted');
    await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
    expect((await failureOf(handle)).type).toBe('cancelled');
  });

  test('an OTP validation that proves nothing is held; the operator retries, the customer signs, it activates', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const { code } = await h.latestOtp(seeded.requestId);
    // A success code and a sentence, but no payment link: before issue 24 this was an accepted OTP.
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidateOtp',
      answer: NO_PROOF,
      times: 2,
    });
    const refused = await updateRejection(
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] }),
    );
    expect(refused.message).toContain('waiting for an operator');
    const held = await h.status(handle);
    expect(held).toMatchObject({ state: 'awaiting_otp', needsAttention: true, attention: { step: 'validateOtp' } });
    expect(held.events.find((e) => e.type === 'vlens_unrecognised_answer')?.detail).toContain('string(');

    // The operator asked Vlens: the signature did not go through. The customer's next try is sent.
    await h.sandbox('DELETE', '/sandbox/faults');
    await handle.executeUpdate(operatorRetryStepUpdate, { args: [ops] });
    const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
    expect(answer.outcome).toBe('accepted');
    await payAndNotify(h, handle, answer.status);
    expect(await handle.result()).toMatchObject({ state: 'activated', needsAttention: false });
    expect(successfulCalls(await h.calls(seeded.requestId), 'StepValidateOtp')).toBe(1);
  });

  test('an OTP request answered 2xx that nobody can read is not repeated (no second SMS); an operator may cancel', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    await h.sandbox('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepRequestOtp',
      answer: UNREADABLE,
      times: 2,
    });
    const handle = await h.start(seeded);
    const held = await waitFor(h, handle, (s) => s.attention !== undefined);
    expect(held).toMatchObject({ state: 'requesting_otp', needsAttention: true, attention: { step: 'requestOtp' } });
    // Two attempts are allowed for unreadable answers, but a 2xx may have sent an SMS: one call only.
    expect(await callsTo(h, seeded.requestId, 'StepRequestOtp')).toBe(1);
    const retry = await updateRejection(
      handle.executeUpdate(operatorRetryStepUpdate, { args: [{ operator: '', reason: '' }] }),
    );
    expect(retry.type).toBe('InvalidInput');
    const cancelled = await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
    expect(cancelled.status).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
    await h.sandbox('DELETE', '/sandbox/faults'); // the second one was never asked for
  });

  test('retry-step is refused when nothing is held', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const refused = await updateRejection(handle.executeUpdate(operatorRetryStepUpdate, { args: [ops] }));
    expect(refused.type).toBe('InvalidState');
    await handle.executeUpdate(operatorCancelUpdate, { args: [ops] });
  });
});

async function waitFor(
  h: Harness,
  handle: Parameters<Harness['status']>[0],
  predicate: (s: Awaited<ReturnType<Harness['status']>>) => boolean,
) {
  const started = Date.now();
  let last;
  while (Date.now() - started < 30_000) {
    last = await h.status(handle);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not reached; last status ${JSON.stringify(last)}`);
}
