// The OTP step without a server: its record's counters (workflows/otp/otp-record.ts) and what the step
// (workflows/otp/otp.ts) makes of each Vlens answer. Two answers reach the app as `locked`: the wrong code
// that used the last attempt (the activation fails) and Vlens locking this one code (a resend gets a new
// one); the status tells them apart, and so do these tests. Vlens is a stub answering what each test says.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ValidateOtpResult } from '../../contract/activities';
import { FAILURE_TYPES } from '../../contract/rules';
import type { ActivationRecord } from '../../workflows/activation-record';
import {
  admitResend,
  requestOtp,
  resendOtp,
  submitOtp,
  whileAwaitingOtp,
  whileRequestingOtp,
} from '../../workflows/otp/otp';
import { Turns } from '../../workflows/turns';
import { APP, MINUTE, SECOND, T0, advance, build, otpSent, runOf, verdict, verdictOf } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

const iso = (ms: number) => new Date(ms).toISOString();

/** Submits `code` with Vlens answering `answer`. */
function submit(rec: ActivationRecord, answer: ValidateOtpResult, code = '123456') {
  const validateOtp = vi.fn().mockResolvedValue(answer);
  return { result: submitOtp(runOf(rec, { validateOtp }).run, { ...APP, code }), validateOtp };
}

describe('the OTP record', () => {
  it('counts sends against the budget, earlier runs of the request included', () => {
    const { rec } = build({ spent: { otpSends: 1, otpAttempts: 2 } });
    expect(rec.otp.sendsLeft()).toBe(2);
    expect(rec.otp.attemptsLeft()).toBe(1);
    rec.otp.sent('otp-2', Date.now());
    rec.otp.sent('otp-3', Date.now());
    expect(rec.otp.sendsLeft()).toBe(0);
    expect(rec.otp.sendsExhausted()).toBe(true);
    expect(rec.otp.spent()).toEqual({ otpSends: 3, otpAttempts: 2 });
    expect(rec.machine.events.map((event) => event.detail)).toEqual(['send 2 of 3', 'send 3 of 3']);
  });

  it('counts wrong codes until the attempts are exhausted, each one measured', () => {
    const { rec, effects } = build();
    for (const left of [2, 1, 0]) {
      rec.otp.wrongCode();
      expect(rec.otp.attemptsLeft()).toBe(left);
      expect(rec.machine.events.at(-1)).toMatchObject({ type: 'otp_wrong', detail: `${left} attempts left` });
    }
    expect(rec.otp.attemptsExhausted()).toBe(true);
    rec.otp.wrongCode();
    expect(rec.otp.attemptsLeft()).toBe(0);
    expect(effects.metricNames()).toEqual(['wrongOtp', 'wrongOtp', 'wrongOtp', 'wrongOtp']);
  });

  it('opens a resend 30 s after the last send (after the start before any)', () => {
    const { rec } = build();
    expect(rec.otp.resendAvailableAt()).toBe(T0 + 30 * SECOND);
    advance(MINUTE);
    rec.otp.sent('otp-1', Date.now());
    expect(rec.otp.resendAvailableAt()).toBe(T0 + MINUTE + 30 * SECOND);
  });

  it('gives the code 2 minutes, then a grace window of one more lifetime to ask for a new one', () => {
    const { rec } = build();
    expect(rec.otp.graceWindowEndsAt()).toBe(T0 + 2 * MINUTE);
    rec.otp.sent('otp-1', T0);
    expect(rec.otp.code).toEqual({ otpRequestId: 'otp-1', sentAt: T0, expiresAt: T0 + 2 * MINUTE, expiryNoted: false });
    expect(rec.otp.graceWindowEndsAt()).toBe(T0 + 4 * MINUTE);
  });

  it('notes an expiry once, and again after an operator extended the code', () => {
    const { rec } = build();
    rec.otp.expired();
    rec.otp.sent('otp-1', T0);
    rec.otp.expired();
    rec.otp.expired();
    expect(rec.machine.events.filter((event) => event.type === 'otp_expired')).toHaveLength(1);
    advance(5 * MINUTE);
    rec.otp.expiryExtended(10 * MINUTE, Date.now());
    expect(rec.otp.code?.expiresAt).toBe(T0 + 15 * MINUTE);
    rec.otp.expired();
    expect(rec.machine.events.filter((event) => event.type === 'otp_expired')).toHaveLength(2);
  });

  it('ends a code early when Vlens expired or locked it', () => {
    const { rec } = build();
    rec.otp.sent('otp-1', T0);
    advance(20 * SECOND);
    rec.otp.endedAtVlens('locked_at_vlens');
    expect(rec.otp.code?.expiresAt).toBe(T0 + 20 * SECOND);
    expect(rec.machine.events.at(-1)?.type).toBe('otp_locked_at_vlens');
  });

  it('reports its part of the status once a code is out', () => {
    const { rec } = build();
    expect(rec.otp.statusPart()).toEqual({});
    otpSent(rec);
    rec.otp.wrongCode();
    const part = {
      expiresAt: iso(T0 + 2 * MINUTE),
      attemptsLeft: 2,
      sendsLeft: 2,
      resendAvailableAt: iso(T0 + 30 * SECOND),
    };
    expect(rec.otp.statusPart()).toEqual({ otp: part });
    expect(rec.status()).toMatchObject({
      state: 'awaiting_otp',
      otp: part,
      spent: { otpSends: 1, otpAttempts: 1 },
      nextAction: { type: 'submit_otp', ...part },
    });
  });
});

describe('a submitted code', () => {
  it('accepted with a payment link opens the payment', async () => {
    const { rec, effects } = build();
    otpSent(rec);
    effects.take();
    const { result, validateOtp } = submit(rec, { outcome: 'accepted', paymentLink: 'https://pay.example/1' });
    await expect(result).resolves.toMatchObject({
      outcome: 'accepted',
      attemptsLeft: 3,
      status: { state: 'awaiting_payment' },
    });
    expect(validateOtp).toHaveBeenCalledWith(expect.objectContaining({ requestId: rec.ctx.requestId }), {
      otpRequestId: 'otp-1',
      code: '123456',
    });
    expect(effects.metricNames()).toEqual(['paymentLinkIssued', 'timeInState']);
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'awaiting_payment' });
  });

  it('accepted without a payment link goes straight to confirming (no search attribute on a lean history)', async () => {
    const { rec, effects } = build();
    otpSent(rec);
    effects.take();
    await expect(submit(rec, { outcome: 'accepted' }).result).resolves.toMatchObject({
      status: { state: 'activating' },
    });
    expect(effects.calls.filter((call) => call.kind === 'stateAttribute')).toEqual([]);
  });

  it('wrong until the attempts are exhausted: wrong_code, wrong_code, then locked and failed', async () => {
    const { rec, effects } = build();
    otpSent(rec);
    for (const left of [2, 1]) {
      await expect(submit(rec, { outcome: 'wrong_code' }).result).resolves.toMatchObject({
        outcome: 'wrong_code',
        attemptsLeft: left,
        status: { state: 'awaiting_otp' },
      });
    }
    const last = await submit(rec, { outcome: 'wrong_code' }).result;
    expect(last).toMatchObject({ outcome: 'locked', attemptsLeft: 0 });
    expect(last.status).toMatchObject({ state: 'failed', failureReason: 'otp_attempts_exhausted' });
    expect(effects.calls).toContainEqual({
      kind: 'metric',
      name: 'finished',
      args: ['failed', 'otp_attempts_exhausted'],
    });
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'failed' });
  });

  it('locked at Vlens: locked, still awaiting_otp with the attempts kept, and a resend gets a new code', async () => {
    const { rec, effects } = build();
    otpSent(rec);
    advance(40 * SECOND);
    effects.take();
    const answer = await submit(rec, { outcome: 'locked' }).result;
    expect(answer).toMatchObject({ outcome: 'locked', attemptsLeft: 3, status: { state: 'awaiting_otp' } });
    expect(answer.status.failureReason).toBeUndefined();
    expect(rec.otp.code?.expiresAt).toBe(Date.now());
    expect(effects.calls).toEqual([]);
    expect(verdict(() => admitResend(rec, APP))).toBe('accepted');
  });

  it('expired at Vlens, or past its expiry here (then Vlens is not asked)', async () => {
    const { rec } = build();
    otpSent(rec);
    await expect(submit(rec, { outcome: 'expired' }).result).resolves.toMatchObject({ outcome: 'expired' });
    expect(rec.otp.code?.expiresAt).toBe(T0);
    const late = submit(rec, { outcome: 'accepted' });
    await expect(late.result).resolves.toMatchObject({ outcome: 'expired', status: { state: 'awaiting_otp' } });
    expect(late.validateOtp).not.toHaveBeenCalled();
    expect(rec.machine.events.at(-1)?.type).toBe('otp_submitted_after_expiry');
  });

  it('sends the user back to liveness when Vlens wants it', async () => {
    const { rec } = build();
    otpSent(rec);
    await expect(submit(rec, { outcome: 'liveness_required' }).result).resolves.toMatchObject({
      outcome: 'liveness_rejected',
      status: { state: 'awaiting_liveness', liveness: { required: true, attemptsLeft: 2 } },
    });
  });

  it('is refused by the handler, strictly, in requesting_otp (the validator admitted it)', async () => {
    const { rec } = build();
    const { result, validateOtp } = submit(rec, { outcome: 'accepted' });
    expect(await verdictOf(() => result)).toBe(FAILURE_TYPES.invalidState);
    expect(validateOtp).not.toHaveBeenCalled();
  });

  it('a Vlens failure the caller may retry uses nothing up', async () => {
    const { rec } = build();
    otpSent(rec);
    const validateOtp = vi.fn().mockRejectedValue(new Error('socket hang up'));
    const result = submitOtp(runOf(rec, { validateOtp }).run, { ...APP, code: '123456' });
    expect(await verdictOf(() => result)).toBe(FAILURE_TYPES.vlensUnavailable);
    expect(rec.otp.attemptsLeft()).toBe(3);
    expect(rec.machine.events.at(-1)?.type).toBe('otp_validation_unavailable');
  });
});

describe('requesting an OTP', () => {
  it('an OTP out: awaiting_otp, the transaction noted for later calls', async () => {
    const { rec, effects } = build();
    const requestOtpCall = vi
      .fn()
      .mockResolvedValue({ otpRequestId: 'otp-9', transactionId: 'tx-1', livenessRequired: false });
    await requestOtp(runOf(rec).run, { requestOtp: requestOtpCall } as never);
    expect(rec.machine.state).toBe('awaiting_otp');
    expect(rec.ctx.transactionId).toBe('tx-1');
    expect(rec.otp.code?.otpRequestId).toBe('otp-9');
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'awaiting_otp' });
  });

  it('liveness first: awaiting_liveness, measured', async () => {
    const { rec, effects } = build();
    await requestOtp(runOf(rec).run, { requestOtp: vi.fn().mockResolvedValue({ livenessRequired: true }) } as never);
    expect(rec.machine.state).toBe('awaiting_liveness');
    expect(rec.otp.code).toBeUndefined();
    expect(effects.metricNames()).toContain('livenessRequired');
  });

  it('a resend is refused by the handler, strictly, in requesting_otp', async () => {
    const { rec } = build();
    advance(MINUTE);
    expect(await verdictOf(() => resendOtp(runOf(rec).run, APP))).toBe(FAILURE_TYPES.invalidState);
  });

  it('fails without an SMS when earlier runs used the budget up', async () => {
    const sends = build({ spent: { otpSends: 3, otpAttempts: 0 } }).rec;
    await whileRequestingOtp(runOf(sends).run, Date.now(), new Turns());
    expect(sends.machine.failure?.reason).toBe('otp_sends_exhausted');
    const attempts = build({ spent: { otpSends: 0, otpAttempts: 3 } }).rec;
    await whileRequestingOtp(runOf(attempts).run, Date.now(), new Turns());
    expect(attempts.machine.failure?.reason).toBe('otp_attempts_exhausted');
  });
});

describe('the main loop while awaiting the code', () => {
  it('waits for the expiry, then the grace window, then fails as otp_expired', () => {
    const { rec } = build();
    otpSent(rec);
    const { run } = runOf(rec);
    expect(whileAwaitingOtp(run, T0)).toBe(T0 + 2 * MINUTE);
    expect(whileAwaitingOtp(run, T0 + 2 * MINUTE)).toBe(T0 + 4 * MINUTE);
    expect(rec.machine.state).toBe('awaiting_otp');
    expect(rec.machine.events.at(-1)?.type).toBe('otp_expired');
    whileAwaitingOtp(run, T0 + 4 * MINUTE);
    expect(rec.machine.failure?.reason).toBe('otp_expired');
  });

  it('fails at once when the expired code was the last send', () => {
    const { rec } = build({ spent: { otpSends: 2, otpAttempts: 0 } });
    otpSent(rec);
    whileAwaitingOtp(runOf(rec).run, T0 + 2 * MINUTE);
    expect(rec.machine.failure?.reason).toBe('otp_sends_exhausted');
  });

  it('without a code, asks for one', () => {
    const { rec } = build();
    rec.machine.moveTo('awaiting_otp');
    whileAwaitingOtp(runOf(rec).run, T0);
    expect(rec.machine.state).toBe('requesting_otp');
  });
});
