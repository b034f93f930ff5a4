// The admission rule of every message in every state, without a server: each update's validator (the
// step's `admit…`: otp/otp.ts, liveness/liveness.ts, operator.ts) accepts, or refuses with the failure type
// the client maps to an error. The table below is written out by hand on purpose: a change to which states
// admit a message (contract/states.ts) must change it too. The signals (payment notification, cancel) are
// never refused; what each does in each state is checked here as well.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_TYPES } from '../../contract/rules';
import { ACTIVATION_STATES, TERMINAL_STATES, type ActivationState } from '../../contract/types';
import type { ActivationRecord } from '../../workflows/activation-record';
import { admitLiveness } from '../../workflows/liveness/liveness';
import * as operator from '../../workflows/operator';
import { admitOtp, admitResend } from '../../workflows/otp/otp';
import { APP, IMAGES, OPERATOR, SECOND, T0, advance, inState, verdict } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

const OTP = { ...APP, code: '123456' };
const LIVENESS = { ...APP, ...IMAGES };

interface Rule {
  admit: (rec: ActivationRecord) => void;
  /** The running states that admit it (a terminal state refuses everything as ActivationEnded). */
  admittedIn: ActivationState[];
  /** Refused while an unrecognised Vlens answer holds a step for an operator. */
  refusedWhileHeld: boolean;
  /** Puts the record where the message's other rules are met (the resend cooldown, a held step). */
  prepare?: (rec: ActivationRecord) => void;
}

const RUNNING: ActivationState[] = [
  'requesting_otp',
  'awaiting_liveness',
  'awaiting_otp',
  'awaiting_payment',
  'activating',
];

// The user's messages are also admitted in requesting_otp (contract/states.ts, ADMITTED_IN: the SMS may be
// out before the state says so); their handlers check again, strictly (handlers.test.ts).
const RULES: Record<string, Rule> = {
  submitOtp: {
    admit: (rec) => admitOtp(rec, OTP),
    admittedIn: ['requesting_otp', 'awaiting_otp'],
    refusedWhileHeld: true,
  },
  submitLiveness: {
    admit: (rec) => admitLiveness(rec, LIVENESS),
    admittedIn: ['requesting_otp', 'awaiting_liveness'],
    refusedWhileHeld: true,
  },
  resendOtp: {
    admit: (rec) => admitResend(rec, APP),
    admittedIn: ['requesting_otp', 'awaiting_otp'],
    refusedWhileHeld: true,
    prepare: () => advance(30 * SECOND),
  },
  'operatorExtendDeadline otp': {
    admit: (rec) => operator.admitExtendDeadline(rec, { ...OPERATOR, step: 'otp', extendBy: '10m' }),
    admittedIn: ['awaiting_otp'],
    refusedWhileHeld: false,
  },
  'operatorExtendDeadline payment': {
    admit: (rec) => operator.admitExtendDeadline(rec, { ...OPERATOR, step: 'payment', extendBy: '1h' }),
    admittedIn: ['awaiting_payment'],
    refusedWhileHeld: false,
  },
  operatorForceNewOtp: {
    admit: (rec) => operator.admitForceNewOtp(rec, OPERATOR),
    admittedIn: ['awaiting_otp'],
    refusedWhileHeld: false,
  },
  operatorVerifyPayment: {
    admit: (rec) => operator.admitVerifyPayment(rec, OPERATOR),
    admittedIn: ['awaiting_payment'],
    refusedWhileHeld: false,
  },
  operatorRetryStep: {
    admit: (rec) => operator.admitRetryStep(rec, OPERATOR),
    admittedIn: RUNNING,
    refusedWhileHeld: false,
    prepare: (rec) => rec.machine.holdForOperator('validateOtp', 'odd'),
  },
  operatorCancel: { admit: (rec) => operator.admitCancel(rec, OPERATOR), admittedIn: RUNNING, refusedWhileHeld: false },
};

const CASES = Object.entries(RULES).flatMap(([message, rule]) =>
  ACTIVATION_STATES.map((state) => {
    const expected = TERMINAL_STATES.includes(state)
      ? FAILURE_TYPES.activationEnded
      : rule.admittedIn.includes(state)
        ? 'accepted'
        : FAILURE_TYPES.invalidState;
    return [message, state, expected] as const;
  }),
);

describe('every message in every state', () => {
  it('covers every state for every message, and each message is accepted somewhere and refused somewhere', () => {
    expect(CASES).toHaveLength(9 * ACTIVATION_STATES.length);
    for (const message of Object.keys(RULES)) {
      const verdicts = CASES.filter(([m]) => m === message).map(([, , expected]) => expected);
      expect(verdicts, message).toContain('accepted');
      expect(verdicts, message).toContain(FAILURE_TYPES.activationEnded);
    }
    expect(CASES.filter(([, , expected]) => expected === FAILURE_TYPES.invalidState)).toHaveLength(25);
  });

  it.each(CASES)('%s in %s: %s', (message, state, expected) => {
    const rule = RULES[message]!;
    const { rec, effects } = inState(state);
    rule.prepare?.(rec);
    effects.take();
    const eventsBefore = rec.machine.events.length;
    expect(verdict(() => rule.admit(rec))).toBe(expected);
    // A validator changes nothing, whatever it answers.
    expect(rec.machine.state).toBe(state);
    expect(rec.machine.events).toHaveLength(eventsBefore);
    expect(effects.calls).toEqual([]);
  });

  it.each(
    Object.entries(RULES).flatMap(([message, rule]) => rule.admittedIn.map((state) => [message, state] as const)),
  )('%s in %s while a step is held for an operator', (message, state) => {
    const rule = RULES[message]!;
    const { rec } = inState(state);
    rule.prepare?.(rec);
    rec.machine.holdForOperator('validatePayment', 'odd');
    expect(verdict(() => rule.admit(rec))).toBe(rule.refusedWhileHeld ? FAILURE_TYPES.invalidState : 'accepted');
  });

  it('says why, with the state and the states that would have admitted it', () => {
    const { rec } = inState('awaiting_payment');
    expect(() => admitOtp(rec, OTP)).toThrow(
      expect.objectContaining({
        type: 'InvalidState',
        message: 'not possible while awaiting_payment',
        nonRetryable: true,
        details: [{ state: 'awaiting_payment', expected: ['awaiting_otp', 'requesting_otp'] }],
      }),
    );
    const ended = inState('cancelled').rec;
    expect(() => operator.admitCancel(ended, OPERATOR)).toThrow(
      expect.objectContaining({ type: 'ActivationEnded', message: 'the activation has ended (cancelled)' }),
    );
    const held = inState('awaiting_otp').rec;
    held.machine.holdForOperator('validateOtp', 'odd');
    expect(() => admitOtp(held, OTP)).toThrow(
      expect.objectContaining({
        type: 'InvalidState',
        details: [{ state: 'awaiting_otp', needsAttention: true, attention: 'vlens_unrecognised_answer' }],
      }),
    );
  });
});

describe('the rules on top of the state', () => {
  it('a resend needs a send left, then the cooldown over', () => {
    const { rec } = inState('awaiting_otp', { spent: { otpSends: 2, otpAttempts: 0 } });
    rec.otp.sent('otp-3', Date.now());
    expect(() => admitResend(rec, APP)).toThrow(
      expect.objectContaining({
        type: 'SendsExhausted',
        message: 'all 3 OTP sends are used',
        details: [{ sendsLeft: 0 }],
      }),
    );

    const cooling = inState('awaiting_otp').rec;
    cooling.otp.sent('otp-1', Date.now());
    advance(29 * SECOND);
    expect(() => admitResend(cooling, APP)).toThrow(
      expect.objectContaining({
        type: 'ResendCooldown',
        details: [{ resendAvailableAt: '2026-01-01T00:00:30.000Z' }],
      }),
    );
    advance(SECOND);
    expect(verdict(() => admitResend(cooling, APP))).toBe('accepted');
  });

  it('a retry needs a held step', () => {
    const { rec } = inState('awaiting_payment');
    expect(() => operator.admitRetryStep(rec, OPERATOR)).toThrow(
      expect.objectContaining({ type: 'InvalidState', message: 'no step is waiting for an operator' }),
    );
  });

  it('an extension must be a positive duration of at most 7 days', () => {
    const { rec } = inState('awaiting_otp');
    const extend = (extendBy: string | number) =>
      verdict(() => operator.admitExtendDeadline(rec, { ...OPERATOR, step: 'otp', extendBy }));
    expect(extend('7d')).toBe('accepted');
    expect(extend('8d')).toBe(FAILURE_TYPES.invalidInput);
    expect(extend(0)).toBe(FAILURE_TYPES.invalidInput);
    expect(extend('soon')).toBe(FAILURE_TYPES.invalidInput);
  });

  it.each([
    ['submitOtp', (rec: ActivationRecord) => admitOtp(rec, { ...APP, code: '12' })],
    ['submitOtp without a device', (rec: ActivationRecord) => admitOtp(rec, { code: '1234' } as never)],
    ['submitLiveness', (rec: ActivationRecord) => admitLiveness(rec, { ...APP, image: 'not base64!' })],
    ['resendOtp', (rec: ActivationRecord) => admitResend(rec, {} as never)],
    ['operator without a reason', (rec: ActivationRecord) => operator.admitCancel(rec, { ...OPERATOR, reason: ' ' })],
    [
      'extension of another step',
      (rec: ActivationRecord) => operator.admitExtendDeadline(rec, { ...OPERATOR, step: 'liveness' } as never),
    ],
  ])('a malformed %s is InvalidInput, in any state', (_, admit) => {
    for (const state of ACTIVATION_STATES) {
      const { rec } = inState(state);
      expect(
        verdict(() => admit(rec)),
        state,
      ).toBe(FAILURE_TYPES.invalidInput);
    }
  });
});
