// Operator repairs (the CLI's `ops` commands) and cancellation. Repairs are updates, so the operator sees
// the answer and a refusal writes nothing to history; each one names the operator and the reason in the
// audit trail. Each `admit…` is the update's validator; the handler checks the same states again under the lock.
import { condition } from '@temporalio/workflow';
import { checkCancel, checkExtendDeadline, checkOperatorAction } from '../contract/input-checks';
import { extensionMs, FAILURE_TYPES } from '../contract/rules';
import { ACCEPTED_IN } from '../contract/states';
import type {
  CancelInput,
  ExtendDeadlineInput,
  OperatorAction,
  OperatorUpdateResult,
  VerifyPaymentResult,
} from '../contract/types';
import type { ActivationRecord } from './activation-record';
import { byOperator, reject, requireRunningIn } from './admission';
import { requestOtp } from './otp/otp';
import { confirmPayment } from './payment/payment';
import type { ActivationRun } from './run';
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

export function admitExtendDeadline(rec: ActivationRecord, input: ExtendDeadlineInput): void {
  checkExtendDeadline(input);
  requireRunningIn(rec, ACCEPTED_IN.operatorExtendDeadline[input.step]);
  extensionOf(input);
}

export function extendDeadline(run: ActivationRun, input: ExtendDeadlineInput): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    requireRunningIn(run.rec, ACCEPTED_IN.operatorExtendDeadline[input.step]);
    run.rec.deadlineExtended(input.step, extensionOf(input), byOperator(input));
    return { status: run.rec.status() };
  });
}

// ---- a new OTP, past the cooldown and the send limit ----------------------------------------------

export function admitForceNewOtp(rec: ActivationRecord, input: OperatorAction): void {
  checkOperatorAction(input);
  requireRunningIn(rec, ACCEPTED_IN.operatorForceNewOtp);
}

export function forceNewOtp(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    requireRunningIn(run.rec, ACCEPTED_IN.operatorForceNewOtp);
    run.rec.machine.note('operator_forced_new_otp', byOperator(input));
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

export function admitVerifyPayment(rec: ActivationRecord, input: OperatorAction): void {
  checkOperatorAction(input);
  requireRunningIn(rec, ACCEPTED_IN.operatorVerifyPayment);
}

export function verifyPayment(run: ActivationRun, input: OperatorAction): Promise<VerifyPaymentResult> {
  return run.lock.runExclusive(async () => {
    requireRunningIn(run.rec, ACCEPTED_IN.operatorVerifyPayment);
    run.rec.machine.note('operator_verifying_payment', byOperator(input));
    // Vlens decides: the operator's word alone never activates a contract.
    const activated = await confirmPayment(run, `operator ${input.operator}`);
    return { activated, status: run.rec.status() };
  });
}

// ---- let a step held by an unrecognised Vlens answer run again ------------------------------------

function requireHeld(rec: ActivationRecord): void {
  requireRunningIn(rec, ACCEPTED_IN.operatorRetryStep);
  if (!rec.machine.hold)
    throw reject(FAILURE_TYPES.invalidState, 'no step is waiting for an operator', { state: rec.machine.state });
}

export function admitRetryStep(rec: ActivationRecord, input: OperatorAction): void {
  checkOperatorAction(input);
  requireHeld(rec);
}

export function retryStep(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  return run.lock.runExclusive(async () => {
    const { rec } = run;
    requireHeld(rec);
    // A payment check released by an operator runs at once; other steps run when next due or asked for.
    if (rec.machine.hold?.step === 'validatePayment') rec.payment.reconcileNow(Date.now());
    rec.machine.releaseHold(byOperator(input));
    return { status: run.rec.status() };
  });
}

// ---- cancel -----------------------------------------------------------------------------------------

export function admitCancel(rec: ActivationRecord, input: OperatorAction): void {
  checkOperatorAction(input);
  requireRunningIn(rec, ACCEPTED_IN.operatorCancel);
}

/** Not under the lock: a cancel must reach a main loop that holds it; it answers once the activation has ended. */
export async function cancel(run: ActivationRun, input: OperatorAction): Promise<OperatorUpdateResult> {
  const { machine } = run.rec;
  requireRunningIn(run.rec, ACCEPTED_IN.operatorCancel);
  if (!machine.cancelRequested) {
    machine.requestCancel(`${input.reason} (operator ${input.operator})`, byOperator(input));
    run.mainScope.cancel();
  }
  await condition(() => machine.isTerminal());
  return { status: run.rec.status() };
}

/** The cancel signal (the app's backend): never refused, at most noted. */
export function cancelSignal(run: ActivationRun, payload: CancelInput): void {
  const { machine } = run.rec;
  try {
    checkCancel(payload);
  } catch {
    machine.note('cancel_ignored', 'invalid payload');
    return;
  }
  if (machine.isTerminal() || machine.cancelRequested) {
    machine.note('cancel_ignored', machine.state);
    return;
  }
  machine.requestCancel(payload.reason);
  run.mainScope.cancel();
}
