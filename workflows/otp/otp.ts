// The OTP step, all of it in one place: requesting an OTP (from the main loop, or when the user or an
// operator asks for a new one), noticing its expiry and the grace window after it, which states admit the
// user's code and a resend, and what each answer to a code does. Its data and counters are otp-record.ts.
//
// A wrong code: Vlens answers wrong_code, the attempt is counted against the request's budget
// (policy.maxOtpAttempts, earlier runs of the requestId included), and the app hears `wrong_code` with the
// attempts left. The wrong code that uses the last attempt fails the activation (otp_attempts_exhausted);
// the app hears `locked` with 0 attempts left and a failed status.
import type { VlensActivities } from '../../contract/activities';
import { checkResendOtp, checkSubmitOtp } from '../../contract/input-checks';
import { FAILURE_TYPES } from '../../contract/rules';
import { ACCEPTED_IN, ADMITTED_IN } from '../../contract/states';
import type {
  ActivationState,
  OtpOutcome,
  ResendOtpInput,
  ResendOtpResult,
  SubmitOtpInput,
  SubmitOtpResult,
} from '../../contract/types';
import type { ActivationRecord } from '../activation-record';
import { reject, requireNotHeld, requireRunningIn } from '../admission';
import type { ActivationRun } from '../run';
import { Later } from '../later';
import { isoTime } from '../status-time';
import type { Turns } from '../turns';
import { backgroundVlens, userFacingVlens } from '../vlens-steps';

/**
 * How a submitted code ended, in the workflow's own words. Two of them reach the app as one word, `locked`
 * (contract/types.ts, OtpOutcome; kept on the wire for the clients that read it): the code used the last
 * allowed attempt and the activation failed (`attempts_exhausted`), or Vlens locked this code after too
 * many tries on it and a resend gets a new one (`code_locked_at_vlens`). The status tells them apart:
 * failed with otp_attempts_exhausted, against still awaiting_otp.
 */
type CodeVerdict =
  'accepted' | 'wrong_code' | 'attempts_exhausted' | 'expired' | 'code_locked_at_vlens' | 'liveness_rejected';

const ON_THE_WIRE: Record<CodeVerdict, OtpOutcome> = {
  accepted: 'accepted',
  wrong_code: 'wrong_code',
  attempts_exhausted: 'locked',
  expired: 'expired',
  code_locked_at_vlens: 'locked',
  liveness_rejected: 'liveness_rejected',
};

/**
 * Requests an OTP; Vlens may answer that the user moved and liveness must be re-validated first. Not an async
 * function: its one `.then` settles in the turn the async function's await did, with one promise instead of
 * two (turns.ts says why the turns must stay).
 */
export function requestOtp(run: ActivationRun, vlens: VlensActivities): Promise<void> {
  let asked: ReturnType<VlensActivities['requestOtp']>;
  try {
    asked = askForOtp(run.rec, vlens, false);
  } catch (error) {
    return Promise.reject(error as Error); // where the async function rejected: at once
  }
  return asked.then((result) => heardOtpRequest(run.rec, result));
}

function askForOtp(rec: ActivationRecord, vlens: VlensActivities, background: boolean) {
  return vlens.requestOtp({ ...rec.ctx, ...(background ? { deviceTimeNow: true } : {}) });
}

/** What Vlens's answer to an OTP request does. */
function heardOtpRequest(rec: ActivationRecord, result: Awaited<ReturnType<VlensActivities['requestOtp']>>): void {
  if (result.transactionId) rec.transactionIs(result.transactionId);
  const now = Date.now();
  if (result.otpRequestId) rec.otp.sent(result.otpRequestId, now);
  if (result.livenessRequired) {
    rec.liveness.demanded(Boolean(result.otpRequestId), now);
  } else {
    rec.machine.moveTo('awaiting_otp');
  }
}

/** requestOtp as a Later (later.ts): settles where requestOtp's promise did, with that promise's `.then` only. */
function requestOtpInTurns(run: ActivationRun, vlens: VlensActivities, turns: Turns, background = false): Later<void> {
  return Later.call(
    turns,
    () => askForOtp(run.rec, vlens, background),
    (result) => heardOtpRequest(run.rec, result),
  );
}

// ---- the main loop's part: each returns when it next needs to look -----------------------------------

/**
 * In the turns of the async function it was (requestOtp's await, then its own), with one promise for the
 * Vlens call and none of its own (later.ts): settled at once where it returned at once.
 */
export function whileRequestingOtp(run: ActivationRun, now: number, turns: Turns): Later<number> {
  const { rec } = run;
  const { otp, machine } = rec;
  if (!otp.code && (otp.sendsExhausted() || otp.attemptsExhausted())) {
    // Earlier runs of this requestId used the budget up (input `spent`); the client refuses such a start,
    // this is the workflow's own guard: no SMS. Unreachable without `spent` (every policy allows at least
    // one send and one attempt), so histories from before it replay unchanged without a patch.
    machine.fail(
      otp.sendsExhausted() ? 'otp_sends_exhausted' : 'otp_attempts_exhausted',
      'the OTP budget of this request was used up by earlier runs',
    );
    return Later.resolved(turns, now);
  }
  if (otp.sendsExhausted()) {
    machine.fail('otp_sends_exhausted', 'no OTP sends left after liveness re-validation');
    return Later.resolved(turns, now);
  }
  return requestOtpInTurns(run, backgroundVlens(rec.deadlineAt - now), turns, true).then(
    () => now,
    (error: unknown) => {
      run.holdIfUnrecognised(error);
      return now;
    },
  );
}

export function whileAwaitingOtp(run: ActivationRun, now: number): number {
  const { rec } = run;
  const { otp, machine } = rec;
  const code = otp.code;
  if (!code) {
    machine.moveTo('requesting_otp');
    return now;
  }
  if (now < code.expiresAt) return Math.min(code.expiresAt, rec.deadlineAt);
  otp.expired();
  if (otp.sendsExhausted()) {
    machine.fail('otp_sends_exhausted', 'the last OTP expired and no sends are left');
    return now;
  }
  const graceEnd = otp.graceWindowEndsAt();
  if (now >= graceEnd) {
    machine.fail('otp_expired', 'the OTP expired and no new one was requested');
    return now;
  }
  return Math.min(graceEnd, rec.deadlineAt);
}

// ---- which states admit the user's messages ------------------------------------------------------------

export function admitOtp(rec: ActivationRecord, payload: SubmitOtpInput): void {
  checkSubmitOtp(payload);
  requireRunningIn(rec, ADMITTED_IN.submitOtp);
  requireNotHeld(rec);
}

export function admitResend(rec: ActivationRecord, payload: ResendOtpInput): void {
  checkResendOtp(payload);
  requireResendAllowed(rec, ADMITTED_IN.resendOtp);
}

/** A resend needs a send left and the cooldown since the last one over. */
function requireResendAllowed(rec: ActivationRecord, states: readonly ActivationState[]): void {
  requireRunningIn(rec, states);
  requireNotHeld(rec);
  if (rec.otp.sendsExhausted()) {
    throw reject(FAILURE_TYPES.sendsExhausted, `all ${rec.policy.maxOtpSends} OTP sends are used`, { sendsLeft: 0 });
  }
  const availableAt = rec.otp.resendAvailableAt();
  if (Date.now() < availableAt) {
    const resendAvailableAt = isoTime(availableAt);
    throw reject(FAILURE_TYPES.resendCooldown, `a new OTP can be sent from ${resendAvailableAt}`, {
      resendAvailableAt,
    });
  }
}

// ---- the user's messages --------------------------------------------------------------------------------

/**
 * The step is a Later (later.ts), in the turns of the async function it was: the checks, `await validateOtp`,
 * then the verdict, with one promise for the Vlens call.
 */
export function submitOtp(run: ActivationRun, payload: SubmitOtpInput): Promise<SubmitOtpResult> {
  const { rec } = run;
  // extraTurns 1: this was an async function returning the lock's promise (step-lock.ts).
  return run.lock.runExclusive(
    (turns) =>
      Later.run(turns, () => {
        requireRunningIn(rec, ACCEPTED_IN.submitOtp);
        requireNotHeld(rec);
        rec.absorb(payload);
        const code = rec.otp.code;
        if (!code || Date.now() >= code.expiresAt) {
          rec.machine.note('otp_submitted_after_expiry');
          return answerWith(rec, 'expired');
        }
        const images = rec.liveness.imagesForOtpValidation;
        return Later.call(
          turns,
          () =>
            run.repeatableUserFacingVlens.validateOtp(
              { ...rec.ctx },
              { otpRequestId: code.otpRequestId, code: payload.code, ...(images ? { images } : {}) },
            ),
          (result) => verdictOn(rec, result),
          (error: unknown) => {
            throw run.userFacingFailure(error, 'otp_validation', 'validateOtp');
          },
        );
      }),
    1,
  );
}

/** What Vlens's answer to a code does, and what the app hears. */
function verdictOn(rec: ActivationRecord, result: Awaited<ReturnType<VlensActivities['validateOtp']>>) {
  switch (result.outcome) {
    case 'accepted':
      rec.otp.accepted();
      rec.liveness.settledByOtp();
      rec.payment.start(result.paymentLink);
      return answerWith(rec, 'accepted');
    case 'wrong_code':
      rec.otp.wrongCode();
      if (rec.otp.attemptsExhausted()) {
        rec.machine.fail('otp_attempts_exhausted', 'too many wrong OTP codes');
        return answerWith(rec, 'attempts_exhausted');
      }
      return answerWith(rec, 'wrong_code');
    case 'expired':
      rec.otp.endedAtVlens('expired_at_vlens');
      return answerWith(rec, 'expired');
    case 'locked':
      // Vlens locked this code (too many tries on it); a resend gets a new one.
      rec.otp.endedAtVlens('locked_at_vlens');
      return answerWith(rec, 'code_locked_at_vlens');
    case 'liveness_required':
    case 'liveness_rejected':
      rec.liveness.sentBack(result.outcome);
      return answerWith(rec, 'liveness_rejected');
  }
}

function answerWith(rec: ActivationRecord, verdict: CodeVerdict): SubmitOtpResult {
  return { outcome: ON_THE_WIRE[verdict], attemptsLeft: rec.otp.attemptsLeft(), status: rec.status() };
}

/** A Later in the turns of the async function it was (`await requestOtp(...)`, then the status), as submitOtp. */
export function resendOtp(run: ActivationRun, payload: ResendOtpInput): Promise<ResendOtpResult> {
  // extraTurns 1: this was an async function returning the lock's promise (step-lock.ts).
  return run.lock.runExclusive(
    (turns) =>
      Later.run(turns, () => {
        requireResendAllowed(run.rec, ACCEPTED_IN.resendOtp);
        run.rec.absorb(payload);
        // An ordinary activity even on lean histories: a local one would send the SMS again whenever its
        // workflow task fails to complete (server or worker lost after Vlens answered), and every new OTP
        // invalidates the code the user is reading (docs/vlens-api.md, Part B).
        return requestOtpInTurns(run, userFacingVlens, turns).then(
          () => ({ status: run.rec.status() }),
          (error: unknown) => {
            throw run.userFacingFailure(error, 'otp_resend', 'requestOtp');
          },
        );
      }),
    1,
  );
}
