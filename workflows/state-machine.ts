// The state and what changes with it: every change is checked against the transition table
// (contract/states.ts), noted in the audit trail, written to the ActivationState search attribute (but for
// the states an activation only passes through, on lean histories: lean-history.ts), and bumps
// `scheduleVersion`, which wakes the main loop. Also the audit trail, the operator's hold and the attention
// flag. A member of the record (activation-record.ts, `machine`); the steps' records change the state
// through it.
import { PASSING_STATES, TRANSITIONS } from '../contract/states';
import {
  ATTENTION_REASONS,
  TERMINAL_STATES,
  type ActivationState,
  type FailureReason,
  type HeldStep,
  type StatusEvent,
} from '../contract/types';
import type { ActivationEffects } from './effects';

/** What a continue-as-new carries of the state machine (activation.ts). */
export interface MachineSnapshot {
  state: ActivationState;
  stateEnteredAt: number;
  cancelRequested?: { reason: string };
  hold?: { step: HeldStep; since: number };
  needsAttention: boolean;
  flagged: boolean;
  events: StatusEvent[];
  droppedEvents: number;
  version: number;
  notableChanges: number;
}

/** The audit trail is returned by every status query; keep it bounded. */
const MAX_EVENTS = 200;

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
  /** Bumped with every audit-trail entry: the status's `version`. */
  private _version = 0;
  /** Bumped by what a backend hears about: state changes and attention set or cleared. */
  private _notableChanges = 0;

  /** @param leanHistory this run started with the lean-history patch (lean-history.ts). */
  constructor(
    startedAt: number,
    readonly leanHistory: boolean,
    private readonly effects: ActivationEffects,
  ) {
    this.stateEnteredAt = startedAt;
  }

  snapshot(): MachineSnapshot {
    return {
      state: this._state,
      stateEnteredAt: this.stateEnteredAt,
      ...(this._cancelRequested ? { cancelRequested: { ...this._cancelRequested } } : {}),
      ...(this._hold ? { hold: { ...this._hold } } : {}),
      needsAttention: this._needsAttention,
      flagged: this.flagged,
      events: [...this._events],
      droppedEvents: this._droppedEvents,
      version: this._version,
      notableChanges: this._notableChanges,
    };
  }

  /** Takes over the previous run's state as it was (no transition, no audit entry, no search attribute). */
  restore(snapshot: MachineSnapshot): void {
    this._state = snapshot.state;
    this.stateEnteredAt = snapshot.stateEnteredAt;
    this._cancelRequested = snapshot.cancelRequested;
    this._hold = snapshot.hold;
    this._needsAttention = snapshot.needsAttention;
    this.flagged = snapshot.flagged;
    this._events.splice(0, this._events.length, ...snapshot.events);
    this._droppedEvents = snapshot.droppedEvents;
    this._version = snapshot.version;
    this._notableChanges = snapshot.notableChanges;
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
  get version(): number {
    return this._version;
  }
  get notableChanges(): number {
    return this._notableChanges;
  }

  isTerminal(): boolean {
    return TERMINAL_STATES.includes(this._state);
  }

  /** The main loop looks again: what it waits for changed. */
  wakeMainLoop(): void {
    this._scheduleVersion++;
  }

  note(type: string, detail?: string): void {
    this._version++;
    this._events.push({ at: new Date(Date.now()).toISOString(), type, ...(detail ? { detail } : {}) });
    if (this._events.length > MAX_EVENTS) {
      this._events.splice(0, this._events.length - MAX_EVENTS);
      this._droppedEvents++;
    }
  }

  moveTo(state: ActivationState, detail?: string): void {
    if (this.isTerminal() || this._state === state) return;
    if (!TRANSITIONS[this._state].includes(state)) {
      throw new Error(
        `illegal activation transition ${this._state} -> ${state} (see TRANSITIONS in contract/states.ts)`,
      );
    }
    const now = Date.now();
    this.effects.metrics.timeInState(this._state, now - this.stateEnteredAt);
    this.stateEnteredAt = now;
    this._state = state;
    this._scheduleVersion++;
    this._notableChanges++;
    this.note(`state:${state}`, detail);
    if (!(this.leanHistory && PASSING_STATES.includes(state))) {
      this.effects.stateAttribute(state);
    }
    if (this.isTerminal()) this.effects.metrics.finished(state, this._failure?.reason);
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
    this._notableChanges++;
    this.effects.attentionMemo(why);
  }

  /**
   * Vlens answered `step` in a way the client cannot read (after its bounded retries): nothing is taken
   * as done, nothing is retried, and an operator decides. `answer` is already redacted (shape only).
   */
  holdForOperator(step: HeldStep, answer: string): void {
    this._hold = { step, since: Date.now() };
    this._needsAttention = true;
    this._notableChanges++;
    this._scheduleVersion++;
    this.note(ATTENTION_REASONS.unrecognisedAnswer, `${step}: ${answer}`);
    this.effects.attentionMemo(`${ATTENTION_REASONS.unrecognisedAnswer} (${step})`);
  }

  /** An operator let the held step run again. */
  releaseHold(by: string): void {
    if (!this._hold) return;
    this.note('operator_retry_step', `${this._hold.step} ${by}`);
    this._hold = undefined;
    this._needsAttention = this.flagged;
    this._notableChanges++;
    this._scheduleVersion++;
    if (!this.flagged) this.effects.attentionMemo(undefined);
  }
}
