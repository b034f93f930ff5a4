// The activation's state machine: which state may follow which, in which states each message is accepted,
// and the class that moves through the states. Every change is checked against TRANSITIONS; a change
// missing from it is a bug, so it fails the workflow task (visible, and fixed by a deploy) instead of
// quietly taking effect.
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { businessMetrics } from './business-metrics';
import { ActivationStateKey } from './search-attributes';
import {
  ATTENTION_REASONS,
  TERMINAL_STATES,
  type ActivationState,
  type FailureReason,
  type HeldStep,
  type StatusEvent,
} from './types';

/** The audit trail is returned by every status query; keep it bounded. */
const MAX_EVENTS = 200;

export const RUNNING_STATES = [
  'requesting_otp',
  'awaiting_liveness',
  'awaiting_otp',
  'awaiting_payment',
  'activating',
] as const satisfies readonly ActivationState[];

/** State → the states that may follow it. Once ended, later changes are ignored (an answer that lands after a cancel). */
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

/** Where each message is accepted: its update handler checks this list under the lock, and so does its validator. */
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

// The user's messages are also admitted (by the update validator and the signal twin) in `requesting_otp`:
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

/**
 * The state and what changes with it: every change is checked against TRANSITIONS, noted in the audit
 * trail, written to the ActivationState search attribute and bumps `scheduleVersion` (which wakes the main
 * loop). ActivationRecord adds the activation's data and the events named for what happened.
 */
export class StateMachine {
  private _state: ActivationState = 'requesting_otp';
  private stateEnteredAt: number;
  private _failure?: { reason: FailureReason; message: string };
  private _cancelRequested?: { reason: string };
  /** Set while an unrecognised Vlens answer holds a step for an operator. */
  private _hold?: { step: HeldStep; since: number };
  private _needsAttention = false;
  /** A late payment flagged the activation; unlike a hold, this stays. */
  private flagged = false;
  private readonly _events: StatusEvent[] = [];
  private _droppedEvents = 0;
  /** Bumped on every change that alters what the main loop waits for (not on a wrong code). */
  private _scheduleVersion = 0;

  constructor(startedAt: number) {
    this.stateEnteredAt = startedAt;
  }

  get state(): ActivationState {
    return this._state;
  }
  get failure(): Readonly<{ reason: FailureReason; message: string }> | undefined {
    return this._failure;
  }
  get cancelRequested(): Readonly<{ reason: string }> | undefined {
    return this._cancelRequested;
  }
  get hold(): Readonly<{ step: HeldStep; since: number }> | undefined {
    return this._hold;
  }
  get needsAttention(): boolean {
    return this._needsAttention;
  }
  get events(): readonly StatusEvent[] {
    return this._events;
  }
  get droppedEvents(): number {
    return this._droppedEvents;
  }
  get scheduleVersion(): number {
    return this._scheduleVersion;
  }

  isTerminal(): boolean {
    return TERMINAL_STATES.includes(this._state);
  }

  /** The main loop looks again: what it waits for changed. */
  protected wakeMainLoop(): void {
    this._scheduleVersion++;
  }

  note(type: string, detail?: string): void {
    this._events.push({ at: new Date(Date.now()).toISOString(), type, ...(detail ? { detail } : {}) });
    if (this._events.length > MAX_EVENTS) {
      this._events.splice(0, this._events.length - MAX_EVENTS);
      this._droppedEvents++;
    }
  }

  moveTo(state: ActivationState, detail?: string): void {
    if (this.isTerminal() || this._state === state) return;
    if (!TRANSITIONS[this._state].includes(state)) {
      throw new Error(`illegal activation transition ${this._state} -> ${state} (see TRANSITIONS in workflows/states.ts)`);
    }
    const now = Date.now();
    businessMetrics.timeInState(this._state, now - this.stateEnteredAt);
    this.stateEnteredAt = now;
    this._state = state;
    this._scheduleVersion++;
    this.note(`state:${state}`, detail);
    upsertSearchAttributes([{ key: ActivationStateKey, value: state }]);
    if (this.isTerminal()) businessMetrics.finished(state, this._failure?.reason);
  }

  fail(reason: FailureReason, message: string): void {
    if (this.isTerminal()) return;
    this._failure = { reason, message };
    this.moveTo(reason === 'cancelled' ? 'cancelled' : 'failed', reason);
  }

  requestCancel(reason: string, detail?: string): void {
    this._cancelRequested = { reason };
    this.note('cancel_requested', detail);
  }

  flagNeedsAttention(why: string): void {
    this.note('needs_attention', why);
    if (this.flagged) return;
    this.flagged = true;
    this._needsAttention = true;
    upsertMemo({ needsAttention: true, needsAttentionReason: why });
  }

  /**
   * Vlens answered `step` in a way the client cannot read (after its bounded retries): nothing is taken
   * as done, nothing is retried, and an operator decides. `answer` is already redacted (shape only).
   */
  holdForOperator(step: HeldStep, answer: string): void {
    this._hold = { step, since: Date.now() };
    this._needsAttention = true;
    this._scheduleVersion++;
    this.note(ATTENTION_REASONS.unrecognisedAnswer, `${step}: ${answer}`);
    upsertMemo({ needsAttention: true, needsAttentionReason: `${ATTENTION_REASONS.unrecognisedAnswer} (${step})` });
  }

  /** An operator let the held step run again. */
  releaseHold(by: string): void {
    if (!this._hold) return;
    this.note('operator_retry_step', `${this._hold.step} ${by}`);
    this._hold = undefined;
    this._needsAttention = this.flagged;
    this._scheduleVersion++;
    if (!this.flagged) upsertMemo({ needsAttention: false, needsAttentionReason: undefined });
  }
}
