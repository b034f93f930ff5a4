// The activation's state and the status object built from it. Every change goes through a method
// here, so the search attribute, the audit trail and the wake-up signal for the main loop never drift
// apart from the state itself.
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { LivenessImages, VlensCallContext } from '../activities/contract';
import { businessMetrics } from './business-metrics';
import type { ResolvedPolicy } from './policy';
import { ActivationStateKey } from './search-attributes';
import {
  ATTENTION_REASONS,
  TERMINAL_STATES,
  type HeldStep,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type AppMessage,
  type FailureReason,
  type NextAction,
  type PaymentCompletedInput,
  type StatusEvent,
} from './types';

/** The audit trail is returned by every status query; keep it bounded. */
const MAX_EVENTS = 200;

const iso = (ms: number) => new Date(ms).toISOString();

export class ActivationRecord {
  state: ActivationState = 'requesting_otp';
  failureReason?: FailureReason;
  failureMessage?: string;
  needsAttention = false;
  readonly events: StatusEvent[] = [];
  private droppedEvents = 0;

  /** Bumped on every change that alters what the main loop waits for (not on a wrong code). */
  scheduleVersion = 0;

  readonly ctx: VlensCallContext;
  /** Operators may extend it when they extend a step's deadline past it. */
  deadlineAt: number;
  private stateEnteredAt: number;

  otp?: { otpRequestId: string; sentAt: number; expiresAt: number; expiryNoted: boolean };
  otpSends = 0;
  wrongOtpAttempts = 0;

  livenessRequired = false;
  livenessAttemptsUsed = 0;
  livenessDeadlineAt?: number;
  /** Legacy flavour: the OTP was sent with the re-validation demand, and the images travel with it. */
  otpSentWithLivenessDemand = false;
  /** Selfies went to the image store: they must be deleted when the activation ends. */
  imagesSubmitted = false;
  imagesForOtpValidation?: LivenessImages;

  paymentLink?: string;
  paymentDeadlineAt?: number;
  paidAt?: string;
  nextReconcileAt?: number;
  reconcileIntervalMs: number;
  readonly paymentHints: PaymentCompletedInput[] = [];
  readonly seenPaymentEventIds = new Set<string>();
  /** Set once a payment link went out: from then on money may arrive even after a failure. */
  paymentStageReached = false;

  cancelRequested?: { reason: string };

  /** Set while an unrecognised Vlens answer holds a step for an operator. */
  hold?: { step: HeldStep; since: number };
  /** A late payment flagged the activation; unlike a hold, this stays. */
  private flagged = false;

  constructor(
    input: ActivationInput,
    readonly policy: ResolvedPolicy,
    readonly workflowId: string,
    readonly startedAt: number,
  ) {
    this.ctx = {
      requestId: input.requestId,
      transactionId: input.transactionId,
      contractStorageId: input.contractStorageId,
      paymentGateway: input.paymentGateway,
      smsProvider: input.smsProvider,
      device: input.device,
      accessToken: input.accessToken,
    };
    this.deadlineAt = startedAt + policy.deadlineMs;
    this.stateEnteredAt = startedAt;
    this.reconcileIntervalMs = policy.paymentReconcileInitialMs;
  }

  isTerminal(): boolean {
    return TERMINAL_STATES.includes(this.state);
  }

  note(type: string, detail?: string): void {
    this.events.push({ at: iso(Date.now()), type, ...(detail ? { detail } : {}) });
    if (this.events.length > MAX_EVENTS) {
      this.events.splice(0, this.events.length - MAX_EVENTS);
      this.droppedEvents++;
    }
  }

  /** The app's latest position, clock and token win: Vlens compares the current position. */
  absorb(message: AppMessage): void {
    this.ctx.device = message.device;
    if (message.accessToken) this.ctx.accessToken = message.accessToken;
  }

  moveTo(state: ActivationState, detail?: string): void {
    if (this.isTerminal() || this.state === state) return;
    const now = Date.now();
    businessMetrics.timeInState(this.state, now - this.stateEnteredAt);
    this.stateEnteredAt = now;
    this.state = state;
    this.scheduleVersion++;
    this.note(`state:${state}`, detail);
    upsertSearchAttributes([{ key: ActivationStateKey, value: state }]);
    if (this.isTerminal()) businessMetrics.finished(state, this.failureReason);
  }

  fail(reason: FailureReason, message: string): void {
    if (this.isTerminal()) return;
    this.failureReason = reason;
    this.failureMessage = message;
    this.moveTo(reason === 'cancelled' ? 'cancelled' : 'failed', reason);
  }

  flagNeedsAttention(why: string): void {
    this.note('needs_attention', why);
    if (this.flagged) return;
    this.flagged = true;
    this.needsAttention = true;
    upsertMemo({ needsAttention: true, needsAttentionReason: why });
  }

  /**
   * Vlens answered `step` in a way the client cannot read (after its bounded retries): nothing is taken
   * as done, nothing is retried, and an operator decides. `answer` is already redacted (shape only).
   */
  holdForOperator(step: HeldStep, answer: string): void {
    this.hold = { step, since: Date.now() };
    this.needsAttention = true;
    this.scheduleVersion++;
    this.note(ATTENTION_REASONS.unrecognisedAnswer, `${step}: ${answer}`);
    upsertMemo({ needsAttention: true, needsAttentionReason: `${ATTENTION_REASONS.unrecognisedAnswer} (${step})` });
  }

  /** An operator let the held step run again. */
  releaseHold(by: string): void {
    if (!this.hold) return;
    this.note('operator_retry_step', `${this.hold.step} ${by}`);
    this.hold = undefined;
    this.needsAttention = this.flagged;
    this.scheduleVersion++;
    if (!this.flagged) upsertMemo({ needsAttention: false, needsAttentionReason: undefined });
  }

  otpAttemptsLeft(): number {
    return Math.max(0, this.policy.maxOtpAttempts - this.wrongOtpAttempts);
  }

  otpSendsLeft(): number {
    return Math.max(0, this.policy.maxOtpSends - this.otpSends);
  }

  livenessAttemptsLeft(): number {
    return Math.max(0, this.policy.maxLivenessAttempts - this.livenessAttemptsUsed);
  }

  resendAvailableAt(): number {
    return (this.otp?.sentAt ?? this.startedAt) + this.policy.resendCooldownMs;
  }

  status(): ActivationStatus {
    return {
      requestId: this.ctx.requestId,
      workflowId: this.workflowId,
      state: this.state,
      ...(this.failureReason ? { failureReason: this.failureReason } : {}),
      needsAttention: this.needsAttention,
      ...(this.hold
        ? { attention: { reason: ATTENTION_REASONS.unrecognisedAnswer, step: this.hold.step, since: iso(this.hold.since) } }
        : {}),
      nextAction: this.nextAction(),
      ...(this.otp
        ? {
            otp: {
              expiresAt: iso(this.otp.expiresAt),
              attemptsLeft: this.otpAttemptsLeft(),
              sendsLeft: this.otpSendsLeft(),
              resendAvailableAt: iso(this.resendAvailableAt()),
            },
          }
        : {}),
      ...(this.livenessRequired || this.livenessAttemptsUsed > 0
        ? { liveness: { required: this.livenessRequired, attemptsLeft: this.livenessAttemptsLeft() } }
        : {}),
      ...(this.paymentDeadlineAt !== undefined
        ? {
            payment: {
              ...(this.paymentLink ? { link: this.paymentLink } : {}),
              deadline: iso(this.paymentDeadlineAt),
              ...(this.ctx.paymentGateway ? { gateway: this.ctx.paymentGateway } : {}),
              ...(this.paidAt ? { paidAt: this.paidAt } : {}),
            },
          }
        : {}),
      events: this.droppedEvents
        ? [{ at: this.events[0]?.at ?? iso(this.startedAt), type: 'earlier_events_dropped' }, ...this.events]
        : [...this.events],
    };
  }

  private nextAction(): NextAction {
    if (this.hold && !this.isTerminal()) return { type: 'wait' };
    switch (this.state) {
      case 'awaiting_liveness':
        return {
          type: 'submit_liveness',
          ...(this.livenessDeadlineAt !== undefined ? { expiresAt: iso(Math.min(this.livenessDeadlineAt, this.deadlineAt)) } : {}),
          attemptsLeft: this.livenessAttemptsLeft(),
        };
      case 'awaiting_otp':
        return {
          type: 'submit_otp',
          ...(this.otp ? { expiresAt: iso(this.otp.expiresAt) } : {}),
          attemptsLeft: this.otpAttemptsLeft(),
          resendAvailableAt: iso(this.resendAvailableAt()),
          sendsLeft: this.otpSendsLeft(),
        };
      case 'awaiting_payment':
        return {
          type: 'pay',
          ...(this.paymentDeadlineAt !== undefined ? { expiresAt: iso(this.paymentDeadlineAt) } : {}),
          ...(this.paymentLink ? { paymentLink: this.paymentLink } : {}),
        };
      case 'requesting_otp':
      case 'activating':
        return { type: 'wait' };
      default:
        return { type: 'none' };
    }
  }
}
