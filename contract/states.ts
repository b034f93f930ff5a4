// The activation's state machine as data: which state may follow which, and in which states each message is
// accepted. StateMachine (workflows/state-machine.ts) checks every change against TRANSITIONS; a change missing from
// it is a bug, so it fails the workflow task (visible, and fixed by a deploy) instead of quietly taking
// effect. Plain data, so the client can read the same lists.
import type { ActivationState } from './types';

export const RUNNING_STATES = [
  'requesting_otp',
  'awaiting_liveness',
  'awaiting_otp',
  'awaiting_payment',
  'activating',
] as const satisfies readonly ActivationState[];

/**
 * States an activation passes through on one Vlens call (the OTP request; the payment check) rather than
 * rests in. On lean histories (workflows/lean-history.ts) the ActivationState search attribute is not written for
 * them: operators filter on where activations wait; the status query still reports every state.
 */
export const PASSING_STATES: readonly ActivationState[] = ['requesting_otp', 'activating'];

/** State → the states that may follow it. Once ended, later changes are ignored (an answer landing after a cancel). */
export const TRANSITIONS: { readonly [S in ActivationState]: readonly ActivationState[] } = {
  // The OTP went out, or Vlens wants liveness re-validated first (the device moved more than 80 km).
  requesting_otp: ['awaiting_otp', 'awaiting_liveness', 'failed', 'cancelled'],
  // Images accepted: a new OTP is requested, or (legacy flavour) the OTP sent with the demand is awaited.
  awaiting_liveness: ['requesting_otp', 'awaiting_otp', 'failed', 'cancelled'],
  // A correct code opens the payment (no payment link: straight to confirming it); Vlens may send the user
  // back to liveness; a request that brought no OTP is made again.
  awaiting_otp: ['requesting_otp', 'awaiting_liveness', 'awaiting_payment', 'activating', 'failed', 'cancelled'],
  // A payment notification is checked with Vlens (activating); reconciliation and an operator check directly.
  awaiting_payment: ['activating', 'activated', 'failed', 'cancelled'],
  // Vlens has not seen the payment yet: wait for it again.
  activating: ['awaiting_payment', 'activated', 'failed', 'cancelled'],
  activated: [],
  failed: [],
  cancelled: [],
};

/**
 * Where each message is accepted: its update handler checks this list under the lock, and so does its
 * validator (a user message's validator and signal twin read ADMITTED_IN, below).
 */
export const ACCEPTED_IN = {
  submitOtp: ['awaiting_otp'],
  submitLiveness: ['awaiting_liveness'],
  resendOtp: ['awaiting_otp'],
  operatorExtendDeadline: { otp: ['awaiting_otp'], payment: ['awaiting_payment'] },
  operatorForceNewOtp: ['awaiting_otp'],
  operatorVerifyPayment: ['awaiting_payment'],
  operatorRetryStep: RUNNING_STATES,
  operatorCancel: RUNNING_STATES,
} as const satisfies Record<string, readonly ActivationState[] | Record<string, readonly ActivationState[]>>;

// The user's messages are also admitted (by the update validator and the signal twin) in `requesting_otp`;
// the SDK may hand a workflow task the user's message and the requestOtp result together, and it runs the
// validator before it applies the activity result, so the SMS (or the liveness demand) is out and the
// status the app saw says so while the state here still says requesting. Refusing there would refuse a
// correct code. The handler waits for the main loop's lock (held while the OTP is requested) and checks
// ACCEPTED_IN again, strictly, before doing anything; a resend may then meet the cooldown of the OTP just
// sent (429, which the client lets the caller retry with the same Idempotency-Key once it is over).
export const ADMITTED_IN = {
  submitOtp: [...ACCEPTED_IN.submitOtp, 'requesting_otp'],
  submitLiveness: [...ACCEPTED_IN.submitLiveness, 'requesting_otp'],
  resendOtp: [...ACCEPTED_IN.resendOtp, 'requesting_otp'],
} as const satisfies Record<string, readonly ActivationState[]>;
