// The OTP step: requesting an OTP (from the main loop, or when the user or an operator asks for a new one),
// noticing its expiry, and the user's code.
import type { VlensActivities } from '../contract/activities';
import { checkResendOtp, checkSubmitOtp } from '../contract/input-checks';
import type { ActivationRun } from './run';
import { ACCEPTED_IN, ADMITTED_IN } from '../contract/states';
import type { ResendOtpInput, ResendOtpResult, SubmitOtpInput, SubmitOtpResult } from '../contract/types';
import { backgroundVlens, userFacingVlens } from './vlens-steps';

/** Requests an OTP; Vlens may answer that the user moved and liveness must be re-validated first. */
export async function requestOtp(run: ActivationRun, vlens: VlensActivities, background = false): Promise<void> {
  const { rec } = run;
  const result = await vlens.requestOtp({ ...rec.ctx, ...(background ? { deviceTimeNow: true } : {}) });
  if (result.transactionId) rec.transactionIs(result.transactionId);
  const now = Date.now();
  if (result.otpRequestId) rec.otpSent(result.otpRequestId, now);
  if (result.livenessRequired) {
    rec.livenessDemanded(Boolean(result.otpRequestId), now);
  } else {
    rec.moveTo('awaiting_otp');
  }
}

// ---- the main loop's part: each returns when it next needs to look -----------------------------------

export async function whileRequestingOtp(run: ActivationRun, now: number): Promise<number> {
  const { rec } = run;
  if (!rec.otp && (rec.otpSendsLeft() === 0 || rec.otpAttemptsLeft() === 0)) {
    // Earlier runs of this requestId used the budget up (input `spent`); the client refuses such a start,
    // this is the workflow's own guard: no SMS. Unreachable without `spent` (every policy allows at least
    // one send and one attempt), so histories from before it replay unchanged without a patch.
    const sends = rec.otpSendsLeft() === 0;
    rec.fail(
      sends ? 'otp_sends_exhausted' : 'otp_attempts_exhausted',
      'the OTP budget of this request was used up by earlier runs',
    );
    return now;
  }
  if (rec.otpSendsLeft() === 0) {
    rec.fail('otp_sends_exhausted', 'no OTP sends left after liveness re-validation');
    return now;
  }
  try {
    await requestOtp(run, backgroundVlens(rec.deadlineAt - now), true);
  } catch (error) {
    run.holdIfUnrecognised(error);
  }
  return now;
}

export function whileAwaitingOtp(run: ActivationRun, now: number): number {
  const { rec } = run;
  const otp = rec.otp;
  if (!otp) {
    rec.moveTo('requesting_otp');
    return now;
  }
  if (now < otp.expiresAt) return Math.min(otp.expiresAt, rec.deadlineAt);
  rec.otpExpired();
  if (rec.otpSendsLeft() === 0) {
    rec.fail('otp_sends_exhausted', 'the last OTP expired and no sends are left');
    return now;
  }
  // The OTP expired; the user has the grace window (contract/policy.ts) to ask for a new one.
  const graceEnd = otp.expiresAt + rec.policy.otpGraceWindowMs;
  if (now >= graceEnd) {
    rec.fail('otp_expired', 'the OTP expired and no new one was requested');
    return now;
  }
  return Math.min(graceEnd, rec.deadlineAt);
}

// ---- the user's messages --------------------------------------------------------------------------------

export function admitOtp(run: ActivationRun, payload: SubmitOtpInput): void {
  checkSubmitOtp(payload);
  run.requireRunningIn(ADMITTED_IN.submitOtp);
  run.requireNotHeld();
}

export function admitResend(run: ActivationRun, payload: ResendOtpInput): void {
  checkResendOtp(payload);
  run.requireResendAllowed(ADMITTED_IN.resendOtp);
}

export async function submitOtp(run: ActivationRun, payload: SubmitOtpInput): Promise<SubmitOtpResult> {
  const { rec } = run;
  return run.lock.runExclusive(async () => {
    run.requireRunningIn(ACCEPTED_IN.submitOtp);
    run.requireNotHeld();
    rec.absorb(payload);
    const otp = rec.otp;
    const answer = (outcome: SubmitOtpResult['outcome']): SubmitOtpResult => ({
      outcome,
      attemptsLeft: rec.otpAttemptsLeft(),
      status: rec.status(),
    });
    if (!otp || Date.now() >= otp.expiresAt) {
      rec.note('otp_submitted_after_expiry');
      return answer('expired');
    }
    const images = rec.liveness.imagesForOtpValidation;
    let result;
    try {
      result = await run.repeatableUserFacingVlens.validateOtp(
        { ...rec.ctx },
        {
          otpRequestId: otp.otpRequestId,
          code: payload.code,
          ...(images ? { images } : {}),
        },
      );
    } catch (error) {
      throw run.userFacingFailure(error, 'otp_validation', 'validateOtp');
    }
    switch (result.outcome) {
      case 'accepted':
        rec.otpAccepted(result.paymentLink);
        return answer('accepted');
      case 'wrong_code':
        rec.wrongOtp();
        if (rec.otpAttemptsLeft() === 0) {
          rec.fail('otp_attempts_exhausted', 'too many wrong OTP codes');
          return answer('locked');
        }
        return answer('wrong_code');
      case 'expired':
        rec.otpEndedAtVlens('expired_at_vlens');
        return answer('expired');
      case 'locked':
        // Vlens killed this OTP (too many tries on it); a resend gets a new one.
        rec.otpEndedAtVlens('locked_at_vlens');
        return answer('locked');
      case 'liveness_required':
      case 'liveness_rejected':
        rec.livenessSentBack(result.outcome);
        return answer('liveness_rejected');
    }
  });
}

export async function resendOtp(run: ActivationRun, payload: ResendOtpInput): Promise<ResendOtpResult> {
  return run.lock.runExclusive(async () => {
    run.requireResendAllowed(ACCEPTED_IN.resendOtp);
    run.rec.absorb(payload);
    try {
      // An ordinary activity even on lean histories: a local one would send the SMS again whenever its
      // workflow task fails to complete (server or worker lost after Vlens answered), and every new OTP
      // invalidates the code the user is reading (docs/vlens-api.md, Part B).
      await requestOtp(run, userFacingVlens);
    } catch (error) {
      throw run.userFacingFailure(error, 'otp_resend', 'requestOtp');
    }
    return { status: run.rec.status() };
  });
}
