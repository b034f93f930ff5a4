// What every step of one activation works with: the record, the lock, the scope the main loop runs in, how
// a user-facing Vlens failure reaches the waiting caller, and how messages are registered. One lock
// (step-lock.ts) serialises every Vlens call and every state decision, so two OTP submissions, or a
// submission and an expiry, can never interleave.
import { ApplicationFailure, isCancellation, setHandler, type SignalDefinition } from '@temporalio/workflow';
import type { ActivationRecord } from './activation-record';
import type { VlensActivities } from '../contract/activities';
import { FAILURE_TYPES } from '../contract/rules';
import type { HeldStep } from '../contract/types';
import { heldRejection, reject, type Admission } from './admission';
import { BareScope } from './lean-scope';
import type { UpdateDefinition } from './sdk-types';
import { StepLock } from './step-lock';
import {
  describeFailure,
  terminalReasonFor,
  unrecognisedAnswer,
  userFacingLocalVlens,
  userFacingVlens,
  vlensFailureType,
} from './vlens-steps';

/** A step of the activation: what a handler or the main loop calls. */
export type Step<A, R> = (run: ActivationRun, payload: A) => R;

export class ActivationRun {
  readonly lock = new StepLock();
  /** The main loop's scope: a BareScope, since runMainLoop takes the SDK scope's turn itself (main-loop.ts). */
  readonly mainScope = new BareScope();

  constructor(readonly rec: ActivationRecord) {}

  /**
   * The user-facing Vlens calls that are safe to make twice (validateOtp, revalidateLiveness): local
   * activities on lean histories (vlens-steps.ts). A call that sends an SMS is not one of them.
   */
  get repeatableUserFacingVlens(): VlensActivities {
    return this.rec.leanHistory ? userFacingLocalVlens : userFacingVlens;
  }

  /**
   * Maps a user-facing Vlens failure to what the waiting caller sees. `called` is the activity that failed:
   * a local activity's failure does not name it (vlens-steps.ts, `vlensCause`).
   */
  userFacingFailure(error: unknown, step: string, called: HeldStep): ApplicationFailure {
    const { rec } = this;
    const { machine } = rec;
    if (isCancellation(error)) return reject(FAILURE_TYPES.activationEnded, 'the activation was cancelled');
    if (vlensFailureType(error) === FAILURE_TYPES.vlensUserTokenRejected) {
      machine.note(`${step}_token_rejected`);
      return reject(FAILURE_TYPES.invalidInput, 'Vlens rejected the access token; send a fresh accessToken', {
        field: 'accessToken',
      });
    }
    const reason = terminalReasonFor(error);
    if (reason) {
      machine.fail(reason, `Vlens answered ${describeFailure(error)} during ${step}`);
      return reject(FAILURE_TYPES.activationEnded, `the activation failed: ${reason}`, {
        state: machine.state,
        failureReason: reason,
      });
    }
    const held = unrecognisedAnswer(error, called);
    if (held) {
      machine.holdForOperator(held.step, held.answer);
      return heldRejection(rec);
    }
    machine.note(`${step}_unavailable`, describeFailure(error));
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
    this.rec.machine.holdForOperator(held.step, held.answer);
  }

  /** Registers an update: `admit` is its validator (the step's admission rule), `handle` its handler. */
  onUpdate<A, R>(def: UpdateDefinition<R, [A]>, handle: Step<A, Promise<R>>, admit: Admission<A>): void {
    setHandler(def, (payload: A) => handle(this, payload), { validator: (payload: A) => admit(this.rec, payload) });
  }

  /**
   * Registers the fire-and-forget twin of an update: the same admission and effect, but a signal cannot be
   * refused, so a refusal or a failure becomes an event in the audit trail.
   */
  onSignalTwin<A>(
    def: SignalDefinition<[A]>,
    name: string,
    handle: Step<A, Promise<unknown>>,
    admit: Admission<A>,
  ): void {
    setHandler(def, async (payload: A) => {
      try {
        admit(this.rec, payload);
      } catch (error) {
        this.rec.machine.note(
          `${name}_ignored`,
          error instanceof ApplicationFailure ? (error.type ?? undefined) : 'invalid',
        );
        return;
      }
      try {
        await handle(this, payload);
      } catch (error) {
        this.rec.machine.note(
          `${name}_failed`,
          error instanceof ApplicationFailure ? (error.type ?? undefined) : 'error',
        );
      }
    });
  }
}
