// Operator repairs (the CLI's `ops` commands) and cancellation. Repairs are updates, so the operator sees
// the answer and a refusal writes nothing to history; each one names the operator and the reason in the
// audit trail. Each `admit…` is the update's validator; the handler checks the same states again under the lock.
import { condition } from '@temporalio/workflow';
import { checkCancel, checkExtendDeadline, checkOperatorAction } from '../contract/input-checks';
import { requestOtp } from './otp';
import { confirmPayment } from './payment';
import { extensionMs, FAILURE_TYPES } from '../contract/rules';
import { byOperator, reject, type ActivationRun } from './run';
import { ACCEPTED_IN } from '../contract/states';
import type {
  CancelInput,
  ExtendDeadlineInput,
  OperatorAction,
  OperatorUpdateResult,
  VerifyPaymentResult,
} from '../contract/types';
import { userFacingVlens } from './vlens-steps';

// ---- extend a step's deadline ---------------------------------------------------------------------

function extensionOf(input: ExtendDeadlineInput): number {
  const ms = extensionMs(input.extendBy);
  if (ms === undefined) {
    throw reject(FAILURE_TYPES.invalidInput, 'extendBy must be a positive duration of at most 7 days', {
      field: 'extendBy',
    });
  }
  return ms;
}

export function admitExtendDeadline(run: ActivationRun, input: ExtendDeadlineInput): void {
  checkExtendDeadline(input);
  run.requireRunningIn(ACCEPTED_IN.operatorExtendDeadline[input.step]);
  extensionOf(input);
}

export function extendDeadline(run: ActivationRun, input: ExtendDeadlineInput): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    run.requireRunningIn(ACCEPTED_IN.operatorExtendDeadline[input.step]);
    run.rec.deadlineExtended(input.step, extensionOf(input), byOperator(input));
    return { status: run.rec.status() };
  });
}

// ---- a new OTP, past the cooldown and the send limit ----------------------------------------------

export function admitForceNewOtp(run: ActivationRun, input: OperatorAction): void {
  checkOperatorAction(input);
  run.requireRunningIn(ACCEPTED_IN.operatorForceNewOtp);
}

export function forceNewOtp(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    run.requireRunningIn(ACCEPTED_IN.operatorForceNewOtp);
    run.rec.note('operator_forced_new_otp', byOperator(input));
    try {
      // Ignores the cooldown and the send limit: an operator decided the user needs one more. An ordinary
      // activity, like a resend's (otp.ts): an SMS is sent once per request.
      await requestOtp(run, userFacingVlens);
    } catch (error) {
      throw run.userFacingFailure(error, 'operator_otp', 'requestOtp');
    }
    return { status: run.rec.status() };
  });
}

// ---- ask Vlens about the payment now ----------------------------------------------------------------

export function admitVerifyPayment(run: ActivationRun, input: OperatorAction): void {
  checkOperatorAction(input);
  run.requireRunningIn(ACCEPTED_IN.operatorVerifyPayment);
}

export function verifyPayment(run: ActivationRun, input: OperatorAction): Promise<VerifyPaymentResult> {
  return run.lock.runExclusive(async () => {
    run.requireRunningIn(ACCEPTED_IN.operatorVerifyPayment);
    run.rec.note('operator_verifying_payment', byOperator(input));
    // Vlens decides: the operator's word alone never activates a contract.
    const activated = await confirmPayment(run, `operator ${input.operator}`);
    return { activated, status: run.rec.status() };
  });
}

// ---- let a step held by an unrecognised Vlens answer run again ------------------------------------

function requireHeld(run: ActivationRun): void {
  run.requireRunningIn(ACCEPTED_IN.operatorRetryStep);
  if (!run.rec.hold)
    throw reject(FAILURE_TYPES.invalidState, 'no step is waiting for an operator', { state: run.rec.state });
}

export function admitRetryStep(run: ActivationRun, input: OperatorAction): void {
  checkOperatorAction(input);
  requireHeld(run);
}

export function retryStep(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    requireHeld(run);
    run.rec.releaseHold(byOperator(input));
    return { status: run.rec.status() };
  });
}

// ---- cancel -----------------------------------------------------------------------------------------

export function admitCancel(run: ActivationRun, input: OperatorAction): void {
  checkOperatorAction(input);
  run.requireRunningIn(ACCEPTED_IN.operatorCancel);
}

/** Not under the lock: a cancel must reach a main loop that holds it; it answers once the activation has ended. */
export async function cancel(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  const { rec } = run;
  run.requireRunningIn(ACCEPTED_IN.operatorCancel);
  if (!rec.cancelRequested) {
    rec.requestCancel(`${input.reason} (operator ${input.operator})`, byOperator(input));
    run.mainScope.cancel();
  }
  await condition(() => rec.isTerminal());
  return { status: rec.status() };
}

/** The cancel signal (the app's backend): never refused, at most noted. */
export function cancelSignal(run: ActivationRun, payload: CancelInput): void {
  const { rec } = run;
  try {
    checkCancel(payload);
  } catch {
    rec.note('cancel_ignored', 'invalid payload');
    return;
  }
  if (rec.isTerminal() || rec.cancelRequested) {
    rec.note('cancel_ignored', rec.state);
    return;
  }
  rec.requestCancel(payload.reason);
  run.mainScope.cancel();
}
