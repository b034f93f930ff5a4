// The liveness step without a server: its record (workflows/liveness/liveness-record.ts) counts the attempts
// and keeps its deadline; the step (workflows/liveness/liveness.ts) makes Vlens's answer to the selfies a
// move of the state machine. Vlens is a stub answering what each test says.
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_TYPES } from '../../contract/rules';
import type { ActivationRecord } from '../../workflows/activation-record';
import { submitLiveness, whileAwaitingLiveness } from '../../workflows/liveness/liveness';
import { APP, IMAGES, MINUTE, T0, advance, build, runOf, verdictOf } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/** Vlens wants liveness before the OTP (`withOtp`: legacy flavour, the OTP went out with the demand). */
function demanded(withOtp = false) {
  const built = build();
  if (withOtp) built.rec.otp.sent('otp-1', Date.now());
  built.rec.liveness.demanded(withOtp, Date.now());
  return built;
}

function submit(rec: ActivationRecord, outcome: 'accepted' | 'rejected') {
  const revalidateLiveness = vi.fn().mockResolvedValue({ outcome });
  return submitLiveness(runOf(rec, { revalidateLiveness }).run, { ...APP, ...IMAGES });
}

describe('the liveness record', () => {
  it('a demand: awaiting_liveness with a deadline, measured and written to the search attribute', () => {
    const { rec, effects } = demanded();
    expect(rec.machine.state).toBe('awaiting_liveness');
    expect(rec.liveness.required).toBe(true);
    expect(rec.liveness.deadlineAt).toBe(T0 + 10 * MINUTE);
    expect(effects.metricNames()).toEqual(['livenessRequired', 'timeInState']);
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'awaiting_liveness' });
    expect(rec.machine.events.at(-1)).toMatchObject({
      type: 'state:awaiting_liveness',
      detail: 'device more than 80 km from its last location',
    });
  });

  it('rejections count down the attempts; the last one fails the activation', () => {
    const { rec, effects } = demanded();
    effects.take();
    rec.liveness.rejected();
    expect(rec.liveness.attemptsLeft()).toBe(1);
    expect(rec.machine.state).toBe('awaiting_liveness');
    rec.liveness.rejected();
    expect(rec.liveness.attemptsLeft()).toBe(0);
    expect(rec.machine.failure?.reason).toBe('liveness_rejected');
    expect(effects.calls).toContainEqual({ kind: 'metric', name: 'finished', args: ['failed', 'liveness_rejected'] });
  });

  it('accepted selfies ask for a new OTP', () => {
    const { rec } = demanded();
    rec.liveness.accepted(IMAGES, false);
    expect(rec.machine.state).toBe('requesting_otp');
    expect(rec.liveness.required).toBe(false);
    expect(rec.liveness.imagesForOtpValidation).toBeUndefined();
  });

  it('legacy flavour: accepted selfies ride along with the OTP already out, and settle with it', () => {
    const { rec } = demanded(true);
    rec.liveness.accepted(IMAGES, true);
    expect(rec.machine.state).toBe('awaiting_otp');
    expect(rec.liveness.imagesForOtpValidation).toEqual(IMAGES);
    rec.liveness.settledByOtp();
    expect(rec.liveness.imagesForOtpValidation).toBeUndefined();
    expect(rec.liveness.required).toBe(false);
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'liveness_accepted', detail: 'with the OTP' });
  });

  it('legacy flavour: sent back by the OTP validation, a rejection counts, a demand does not', () => {
    const { rec } = demanded(true);
    rec.liveness.accepted(IMAGES, true);
    advance(MINUTE);
    rec.liveness.sentBack('liveness_required');
    expect(rec.machine.state).toBe('awaiting_liveness');
    expect(rec.liveness.attemptsLeft()).toBe(2);
    expect(rec.liveness.deadlineAt).toBe(T0 + 11 * MINUTE);
    rec.machine.moveTo('awaiting_otp');
    rec.liveness.sentBack('liveness_rejected');
    expect(rec.liveness.attemptsLeft()).toBe(1);
    rec.machine.moveTo('awaiting_otp');
    rec.liveness.sentBack('liveness_rejected');
    expect(rec.machine.failure?.reason).toBe('liveness_rejected');
  });

  it('remembers that selfies reached the image store, so they are deleted at the end', () => {
    const { rec } = demanded();
    expect(rec.liveness.imagesSubmitted).toBe(false);
    rec.liveness.imagesArrived();
    expect(rec.liveness.imagesSubmitted).toBe(true);
  });

  it('reports its part of the status once required or tried', () => {
    expect(build().rec.liveness.statusPart()).toEqual({});
    const { rec } = demanded();
    expect(rec.status()).toMatchObject({
      liveness: { required: true, attemptsLeft: 2 },
      nextAction: { type: 'submit_liveness', expiresAt: new Date(T0 + 10 * MINUTE).toISOString(), attemptsLeft: 2 },
    });
    rec.liveness.accepted(IMAGES, false);
    expect(rec.liveness.statusPart()).toEqual({});
  });

  it('the next action expires with the overall deadline when that comes first', () => {
    const { rec } = demanded();
    expect(rec.liveness.nextAction(T0 + MINUTE).expiresAt).toBe(new Date(T0 + MINUTE).toISOString());
  });
});

describe('submitted selfies', () => {
  it('accepted: a new OTP is requested', async () => {
    const { rec } = demanded();
    await expect(submit(rec, 'accepted')).resolves.toMatchObject({
      outcome: 'accepted',
      attemptsLeft: 2,
      status: { state: 'requesting_otp', nextAction: { type: 'wait' } },
    });
    expect(rec.liveness.imagesSubmitted).toBe(true);
  });

  it('rejected twice: the activation fails', async () => {
    const { rec } = demanded();
    await expect(submit(rec, 'rejected')).resolves.toMatchObject({ outcome: 'rejected', attemptsLeft: 1 });
    await expect(submit(rec, 'rejected')).resolves.toMatchObject({
      outcome: 'rejected',
      attemptsLeft: 0,
      status: { state: 'failed', failureReason: 'liveness_rejected' },
    });
  });

  it('are refused by the handler, strictly, in requesting_otp (the validator admitted them)', async () => {
    const { rec } = build();
    expect(await verdictOf(() => submit(rec, 'accepted'))).toBe(FAILURE_TYPES.invalidState);
    expect(rec.liveness.imagesSubmitted).toBe(false);
  });

  it('an unreadable Vlens answer holds the step for an operator', async () => {
    const { rec, effects } = demanded();
    const failure = ApplicationFailure.create({
      type: FAILURE_TYPES.vlensUnrecognisedAnswer,
      message: 'odd',
      details: [{ answer: { shape: 'odd' } }],
    });
    const revalidateLiveness = vi.fn().mockRejectedValue(failure);
    const result = submitLiveness(runOf(rec, { revalidateLiveness }).run, { ...APP, ...IMAGES });
    expect(await verdictOf(() => result)).toBe(FAILURE_TYPES.invalidState);
    expect(rec.machine.hold?.step).toBe('revalidateLiveness');
    expect(effects.calls.at(-1)).toEqual({
      kind: 'attentionMemo',
      reason: 'vlens_unrecognised_answer (revalidateLiveness)',
    });
    expect(rec.status().nextAction).toEqual({ type: 'wait' });
  });
});

describe('the main loop while awaiting liveness', () => {
  it('waits for the liveness deadline, then fails as liveness_timeout', () => {
    const { rec } = demanded();
    const { run } = runOf(rec);
    expect(whileAwaitingLiveness(run, T0)).toBe(T0 + 10 * MINUTE);
    expect(rec.machine.state).toBe('awaiting_liveness');
    whileAwaitingLiveness(run, T0 + 10 * MINUTE);
    expect(rec.machine.failure?.reason).toBe('liveness_timeout');
  });
});
