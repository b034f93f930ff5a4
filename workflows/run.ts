// What every step of one activation works with: the record, the lock, the scope the main loop runs in,
// and the refusals every message handler shares. One mutex serialises every Vlens call and every state
// decision, so two OTP submissions, or a submission and an expiry, can never interleave.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, CancellationScope, isCancellation, setHandler } from '@temporalio/workflow';
import type { ActivationRecord } from './activation-record';
import { FAILURE_TYPES } from '../contract/rules';
import { isoTime } from './status';
import { StepLock } from './step-lock';
import { ATTENTION_REASONS, type ActivationState, type HeldStep, type OperatorAction } from '../contract/types';
import type { VlensActivities } from '../contract/activities';
import {
  describeFailure,
  terminalReasonFor,
  unrecognisedAnswer,
  userFacingLocalVlens,
  userFacingVlens,
  vlensFailureType,
} from './vlens-steps';

export const reject = (type: string, message: string, details?: unknown) =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details !== undefined ? { details: [details] } : {}),
  });

/** Each operator repair names the operator and the reason in the audit trail. */
export const byOperator = (action: OperatorAction) => `by ${action.operator}: ${action.reason}`;

/** A step of the activation: what a handler, validator or the main loop calls. */
export type Step<A, R> = (run: ActivationRun, payload: A) => R;

export class ActivationRun {
  readonly lock = new StepLock();
  readonly mainScope = new CancellationScope();

  constructor(readonly rec: ActivationRecord) {}

  /**
   * The user-facing Vlens calls that are safe to make twice (validateOtp, revalidateLiveness): local
   * activities on lean histories (vlens-steps.ts). A call that sends an SMS is not one of them.
   */
  get repeatableUserFacingVlens(): VlensActivities {
    return this.rec.leanHistory ? userFacingLocalVlens : userFacingVlens;
  }

  requireRunningIn(states: readonly ActivationState[]): void {
    const { rec } = this;
    if (rec.isTerminal()) {
      throw reject(FAILURE_TYPES.activationEnded, `the activation has ended (${rec.state})`, { state: rec.state });
    }
    if (!states.includes(rec.state)) {
      throw reject(FAILURE_TYPES.invalidState, `not possible while ${rec.state}`, {
        state: rec.state,
        expected: states,
      });
    }
  }

  /** While an unrecognised Vlens answer holds a step, the user's steps wait for the operator. */
  heldRejection(): ApplicationFailure {
    const { rec } = this;
    return reject(
      FAILURE_TYPES.invalidState,
      `waiting for an operator: Vlens gave an answer the service cannot read (${rec.hold?.step})`,
      {
        state: rec.state,
        needsAttention: true,
        attention: ATTENTION_REASONS.unrecognisedAnswer,
      },
    );
  }

  requireNotHeld(): void {
    if (this.rec.hold && !this.rec.isTerminal()) throw this.heldRejection();
  }

  requireResendAllowed(states: readonly ActivationState[]): void {
    const { rec } = this;
    this.requireRunningIn(states);
    this.requireNotHeld();
    if (rec.otpSendsLeft() === 0) {
      throw reject(FAILURE_TYPES.sendsExhausted, `all ${rec.policy.maxOtpSends} OTP sends are used`, { sendsLeft: 0 });
    }
    const availableAt = rec.resendAvailableAt();
    if (Date.now() < availableAt) {
      const resendAvailableAt = isoTime(availableAt);
      throw reject(FAILURE_TYPES.resendCooldown, `a new OTP can be sent from ${resendAvailableAt}`, {
        resendAvailableAt,
      });
    }
  }

  /**
   * Maps a user-facing Vlens failure to what the waiting caller sees. `called` is the activity that failed:
   * a local activity's failure does not name it (vlens-steps.ts, `vlensCause`).
   */
  userFacingFailure(error: unknown, step: string, called: HeldStep): ApplicationFailure {
    const { rec } = this;
    if (isCancellation(error)) return reject(FAILURE_TYPES.activationEnded, 'the activation was cancelled');
    if (vlensFailureType(error) === FAILURE_TYPES.vlensUserTokenRejected) {
      rec.note(`${step}_token_rejected`);
      return reject(FAILURE_TYPES.invalidInput, 'Vlens rejected the access token; send a fresh accessToken', {
        field: 'accessToken',
      });
    }
    const reason = terminalReasonFor(error);
    if (reason) {
      rec.fail(reason, `Vlens answered ${describeFailure(error)} during ${step}`);
      return reject(FAILURE_TYPES.activationEnded, `the activation failed: ${reason}`, {
        state: rec.state,
        failureReason: reason,
      });
    }
    const held = unrecognisedAnswer(error, called);
    if (held) {
      rec.holdForOperator(held.step, held.answer);
      return this.heldRejection();
    }
    rec.note(`${step}_unavailable`, describeFailure(error));
    // Not terminal: nothing was used up, the caller may simply try again.
    return ApplicationFailure.create({
      type: FAILURE_TYPES.vlensUnavailable,
      message: 'Vlens did not answer in time; try again',
    });
  }

  /** An unrecognised answer holds the step for an operator; any other failure goes on up. */
  holdIfUnrecognised(error: unknown): void {
    const held = unrecognisedAnswer(error);
    if (!held) throw error;
    this.rec.holdForOperator(held.step, held.answer);
  }

  /** Registers an update whose validator (`admit`) and handler (`handle`) are steps of this run. */
  onUpdate<A, R>(def: UpdateDefinition<R, [A]>, handle: Step<A, Promise<R>>, admit: Step<A, void>): void {
    setHandler(def, (payload: A) => handle(this, payload), { validator: (payload: A) => admit(this, payload) });
  }

  /**
   * Registers the fire-and-forget twin of an update: the same admission and effect, but a signal cannot be
   * refused, so a refusal or a failure becomes an event in the audit trail.
   */
  onSignalTwin<A>(
    def: SignalDefinition<[A]>,
    name: string,
    handle: Step<A, Promise<unknown>>,
    admit: Step<A, void>,
  ): void {
    setHandler(def, async (payload: A) => {
      try {
        admit(this, payload);
      } catch (error) {
        this.rec.note(`${name}_ignored`, error instanceof ApplicationFailure ? (error.type ?? undefined) : 'invalid');
        return;
      }
      try {
        await handle(this, payload);
      } catch (error) {
        this.rec.note(`${name}_failed`, error instanceof ApplicationFailure ? (error.type ?? undefined) : 'error');
      }
    });
  }
}
