// Operator repairs and cancellation (workflows/operator.ts) without a server: what each repair changes once
// admitted (admission.test.ts has which states admit it), and the cancel signal, never refused, in every
// state. The repairs that call Vlens (a forced OTP, a payment check) stay with the real-server tests
// (test/temporal/operator-and-metrics.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_TYPES } from '../../contract/rules';
import { ACTIVATION_STATES, TERMINAL_STATES } from '../../contract/types';
import * as operator from '../../workflows/operator';
import { MINUTE, OPERATOR, T0, build, inState, otpSent, runOf, verdictOf } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

const BY = 'by ops@example.com: customer called';

describe('extending a deadline', () => {
  it("moves the OTP's expiry, and the overall deadline when it would cut the step short", async () => {
    const { rec } = build({ policy: { otpTtl: '2m', deadline: '10m' } });
    otpSent(rec);
    const schedule = rec.machine.scheduleVersion;
    const answer = await operator.extendDeadline(runOf(rec).run, { ...OPERATOR, step: 'otp', extendBy: '30m' });
    expect(rec.otp.code?.expiresAt).toBe(T0 + 32 * MINUTE);
    // The margin after an extension is one OTP lifetime (contract/policy.ts).
    expect(rec.deadlineAt).toBe(T0 + 34 * MINUTE);
    expect(rec.machine.scheduleVersion).toBe(schedule + 1);
    expect(answer.status.otp?.expiresAt).toBe(new Date(T0 + 32 * MINUTE).toISOString());
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'operator_extended_otp_deadline', detail: BY });
  });

  it('moves the payment deadline; an overall deadline already later stays', async () => {
    const { rec } = build();
    otpSent(rec);
    rec.payment.start('https://pay.example/1');
    await operator.extendDeadline(runOf(rec).run, { ...OPERATOR, step: 'payment', extendBy: '1h' });
    expect(rec.payment.deadlineAt).toBe(T0 + 90 * MINUTE);
    expect(rec.deadlineAt).toBe(T0 + 24 * 60 * MINUTE);
  });

  it('is refused by the handler in a state that does not admit it', async () => {
    const { rec } = inState('awaiting_payment');
    const extend = () => operator.extendDeadline(runOf(rec).run, { ...OPERATOR, step: 'otp', extendBy: '1m' });
    expect(await verdictOf(extend)).toBe(FAILURE_TYPES.invalidState);
  });
});

describe('retrying a held step', () => {
  it('a held payment check runs at once; the memo is cleared', async () => {
    const { rec, effects } = inState('awaiting_payment');
    rec.machine.holdForOperator('validatePayment', 'odd');
    effects.take();
    const answer = await operator.retryStep(runOf(rec).run, OPERATOR);
    expect(rec.payment.nextReconcileAt).toBe(T0);
    expect(answer.status).toMatchObject({ needsAttention: false });
    expect(answer.status.attention).toBeUndefined();
    expect(effects.calls).toEqual([{ kind: 'attentionMemo', reason: undefined }]);
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'operator_retry_step', detail: `validatePayment ${BY}` });
  });

  it('another held step runs when next due', async () => {
    const { rec } = inState('awaiting_otp');
    rec.machine.holdForOperator('validateOtp', 'odd');
    await operator.retryStep(runOf(rec).run, OPERATOR);
    expect(rec.payment.nextReconcileAt).toBeUndefined();
    expect(rec.machine.hold).toBeUndefined();
  });
});

describe('the cancel update', () => {
  it.each(TERMINAL_STATES)('is refused by the handler in %s', async (state) => {
    const { rec } = inState(state);
    const { run, mainScope } = runOf(rec);
    expect(await verdictOf(() => operator.cancel(run, OPERATOR))).toBe(FAILURE_TYPES.activationEnded);
    expect(mainScope.cancel).not.toHaveBeenCalled();
  });
});

describe('the cancel signal in every state', () => {
  it.each(ACTIVATION_STATES)('in %s', (state) => {
    const { rec, effects } = inState(state);
    const { run, mainScope } = runOf(rec);
    operator.cancelSignal(run, { reason: 'customer gave up' });
    const running = !TERMINAL_STATES.includes(state);
    expect(mainScope.cancel).toHaveBeenCalledTimes(running ? 1 : 0);
    expect(rec.machine.cancelRequested).toEqual(running ? { reason: 'customer gave up' } : undefined);
    expect(rec.machine.events.at(-1)).toMatchObject(
      running ? { type: 'cancel_requested' } : { type: 'cancel_ignored', detail: state },
    );
    // The main loop's scope ends the activation (activation.ts); the signal itself moves nothing.
    expect(rec.machine.state).toBe(state);
    expect(effects.calls).toEqual([]);
  });

  it('a second cancel, or an invalid one, is noted as ignored', () => {
    const { rec } = inState('awaiting_otp');
    const { run, mainScope } = runOf(rec);
    operator.cancelSignal(run, { reason: 'first' });
    operator.cancelSignal(run, { reason: 'second' });
    expect(rec.machine.cancelRequested).toEqual({ reason: 'first' });
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'cancel_ignored', detail: 'awaiting_otp' });
    operator.cancelSignal(run, { reason: '' });
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'cancel_ignored', detail: 'invalid payload' });
    expect(mainScope.cancel).toHaveBeenCalledTimes(1);
  });
});
