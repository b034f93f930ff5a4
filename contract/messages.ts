// Message definitions of docs/design.md ("Messages"), shared by the workflow, the client library, the gateway and
// the CLI, so a name can never drift between sender and receiver.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ActivationStatus,
  CancelInput,
  ExtendDeadlineInput,
  OperatorAction,
  OperatorUpdateResult,
  PaymentCompletedInput,
  ResendOtpInput,
  ResendOtpResult,
  SubmitLivenessInput,
  SubmitLivenessResult,
  SubmitOtpInput,
  SubmitOtpResult,
  VerifyPaymentResult,
  WaitForChangeInput,
} from './types';

export const statusQuery = defineQuery<ActivationStatus>('status');
/** Long poll for apps and the event stream: the status once it changed, or as it is at the timeout. */
export const waitForChangeUpdate = defineUpdate<ActivationStatus, [WaitForChangeInput]>('waitForChange');

export const submitOtpUpdate = defineUpdate<SubmitOtpResult, [SubmitOtpInput]>('submitOtp');
export const submitLivenessUpdate = defineUpdate<SubmitLivenessResult, [SubmitLivenessInput]>('submitLiveness');
export const resendOtpUpdate = defineUpdate<ResendOtpResult, [ResendOtpInput]>('resendOtp');

// Fire-and-forget twins of the updates, for senders that cannot wait for an answer.
export const otpCodeSignal = defineSignal<[SubmitOtpInput]>('otpCode');
export const livenessImageSignal = defineSignal<[SubmitLivenessInput]>('livenessImage');
export const resendOtpRequestedSignal = defineSignal<[ResendOtpInput]>('resendOtpRequested');

export const paymentCompletedSignal = defineSignal<[PaymentCompletedInput]>('paymentCompleted');
export const cancelSignal = defineSignal<[CancelInput]>('cancel');

// Operator repairs. Updates, so the operator sees the answer and a refusal writes nothing to history.
export const operatorExtendDeadlineUpdate = defineUpdate<OperatorUpdateResult, [ExtendDeadlineInput]>(
  'operatorExtendDeadline',
);
export const operatorForceNewOtpUpdate = defineUpdate<OperatorUpdateResult, [OperatorAction]>('operatorForceNewOtp');
/** Asks Vlens (StepValidatePayment) whether the payment went through; never skips that check. */
export const operatorVerifyPaymentUpdate = defineUpdate<VerifyPaymentResult, [OperatorAction]>('operatorVerifyPayment');
/** Lets a step that an unrecognised Vlens answer held run again (the status's `attention`). */
export const operatorRetryStepUpdate = defineUpdate<OperatorUpdateResult, [OperatorAction]>('operatorRetryStep');
export const operatorCancelUpdate = defineUpdate<OperatorUpdateResult, [OperatorAction]>('operatorCancel');
