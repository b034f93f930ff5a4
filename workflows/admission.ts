// The refusals every step's admission rules share: an activation that has ended, a state the message is not
// accepted in, a step held for an operator. Each step says which states accept its messages (the lists in
// contract/states.ts, which the client reads too) and checks its own rules on top (otp/otp.ts: the send
// budget and the resend cooldown). Plain functions of the record: a refusal changes nothing.
import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../contract/rules';
import { ATTENTION_REASONS, type ActivationState, type OperatorAction } from '../contract/types';
import type { ActivationRecord } from './activation-record';

/** A refusal the caller sees as is (never retried). */
export const reject = (type: string, message: string, details?: unknown) =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details !== undefined ? { details: [details] } : {}),
  });

/** Each operator repair names the operator and the reason in the audit trail. */
export const byOperator = (action: OperatorAction) => `by ${action.operator}: ${action.reason}`;

/** A message's admission rule: throws the refusal, changes nothing. */
export type Admission<A> = (rec: ActivationRecord, payload: A) => void;

export function requireRunningIn(rec: ActivationRecord, states: readonly ActivationState[]): void {
  const { state } = rec.machine;
  if (rec.machine.isTerminal()) {
    throw reject(FAILURE_TYPES.activationEnded, `the activation has ended (${state})`, { state });
  }
  if (!states.includes(state)) {
    throw reject(FAILURE_TYPES.invalidState, `not possible while ${state}`, { state, expected: states });
  }
}

/** While an unrecognised Vlens answer holds a step, the user's steps wait for the operator. */
export function heldRejection(rec: ActivationRecord): ApplicationFailure {
  return reject(
    FAILURE_TYPES.invalidState,
    `waiting for an operator: Vlens gave an answer the service cannot read (${rec.machine.hold?.step})`,
    {
      state: rec.machine.state,
      needsAttention: true,
      attention: ATTENTION_REASONS.unrecognisedAnswer,
    },
  );
}

export function requireNotHeld(rec: ActivationRecord): void {
  if (rec.machine.hold && !rec.machine.isTerminal()) throw heldRejection(rec);
}
