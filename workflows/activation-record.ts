// The activation's data: the Vlens call context, the OTP, liveness and payment. Its fields are private and
// read through read-only views; every change is a method named for what happened, which wakes the main
// loop itself when what the loop waits for changed. The state and its checked transitions are
// StateMachine's (state-machine.ts); the status object is built in status.ts.
import type { LivenessImages, VlensCallContext } from '../activities/contract';
import { businessMetrics } from './business-metrics';
import type { ResolvedPolicy } from './policy';
import { StateMachine, type MachineSnapshot } from './state-machine';
import { buildStatus } from './status';
import type { ActivationInput, ActivationStatus, AppMessage, OtpSpent, PaymentCompletedInput } from './types';

interface Otp {
  otpRequestId: string;
  sentAt: number;
  expiresAt: number;
  /** The expiry is noted once, though the loop looks again until the grace period ends. */
  expiryNoted: boolean;
}

interface Liveness {
  required: boolean;
  attemptsUsed: number;
  deadlineAt?: number;
  /** Legacy flavour: the OTP was sent with the re-validation demand, and the images travel with it. */
  otpSentWithDemand: boolean;
  /** Selfies went to the image store: they must be deleted when the activation ends. */
  imagesSubmitted: boolean;
  imagesForOtpValidation?: LivenessImages;
}

interface Payment {
  link?: string;
  deadlineAt?: number;
  paidAt?: string;
  nextReconcileAt?: number;
  reconcileIntervalMs: number;
  /** Set once a payment link went out: from then on money may arrive even after a failure. */
  stageReached: boolean;
}

/**
 * Everything a continue-as-new carries to the next run (activation.ts): the record as it is, deadlines as
 * absolute times. Plain JSON, so it travels as the next run's input (encrypted like any payload).
 */
export interface CarriedRecord {
  machine: MachineSnapshot;
  ctx: VlensCallContext;
  startedAt: number;
  deadlineAt: number;
  otp?: Otp;
  otpSends: number;
  wrongOtpAttempts: number;
  liveness: Liveness;
  payment: Payment;
  paymentHints: PaymentCompletedInput[];
  seenPaymentEventIds: string[];
  paymentHintsDropped: number;
  /** Runs so far, this one included. */
  runs: number;
}

/**
 * Distinct payment-notification event ids one run acts on (issue 12, "History-limit kills"). A real payment
 * produces a handful: one per source that can report it (the app, the gateway's webhook, the Vlens webhook,
 * an operator; PAYMENT_SOURCES in types.ts), and a provider's redeliveries reuse their id (duplicates are
 * noted, never acted on). 50 leaves ten times that for retried apps and several payment attempts, while
 * bounding what a flood can cost: each acted-on hint may schedule one StepValidatePayment activity (about
 * six history events), so the cap keeps hints well under 1% of Temporal's 51,200-event history limit and
 * keeps `seenPaymentEventIds` small. A dropped hint loses nothing: reconciliation still asks Vlens, the only
 * source of truth, on its own schedule (payment.ts).
 */
export const MAX_PAYMENT_EVENT_IDS = 50;

export class ActivationRecord extends StateMachine {
  private readonly _ctx: VlensCallContext;
  /** Operators may extend it when they extend a step's deadline past it. */
  private _deadlineAt: number;
  private _otp?: Otp;
  private otpSends = 0;
  private wrongOtpAttempts = 0;
  private readonly _liveness: Liveness = {
    required: false,
    attemptsUsed: 0,
    otpSentWithDemand: false,
    imagesSubmitted: false,
  };
  private readonly _payment: Payment;
  private readonly paymentHints: PaymentCompletedInput[] = [];
  private readonly seenPaymentEventIds = new Set<string>();
  private paymentHintsDropped = 0;
  private _runs = 1;

  constructor(
    input: ActivationInput,
    readonly policy: ResolvedPolicy,
    readonly workflowId: string,
    readonly startedAt: number,
  ) {
    super(startedAt);
    const { requestId, transactionId, contractStorageId, paymentGateway, smsProvider, device, accessToken } = input;
    this._ctx = { requestId, transactionId, contractStorageId, paymentGateway, smsProvider, device, accessToken };
    this._deadlineAt = startedAt + policy.deadlineMs;
    this._payment = { reconcileIntervalMs: policy.paymentReconcileInitialMs, stageReached: false };
    // The budget is per requestId, not per run: earlier runs' sends and wrong codes count here too.
    this.otpSends = input.spent?.otpSends ?? 0;
    this.wrongOtpAttempts = input.spent?.otpAttempts ?? 0;
    if (input.carried) this.restore(input.carried);
  }

  /** Runs of this activation so far (continue-as-new), this one included. */
  get runs(): number {
    return this._runs;
  }

  /** The state for the next run of a continue-as-new. */
  carry(): CarriedRecord {
    return {
      machine: this.snapshotMachine(),
      ctx: { ...this._ctx },
      startedAt: this.startedAt,
      deadlineAt: this._deadlineAt,
      ...(this._otp ? { otp: { ...this._otp } } : {}),
      otpSends: this.otpSends,
      wrongOtpAttempts: this.wrongOtpAttempts,
      liveness: { ...this._liveness },
      payment: { ...this._payment },
      paymentHints: [...this.paymentHints],
      seenPaymentEventIds: [...this.seenPaymentEventIds],
      paymentHintsDropped: this.paymentHintsDropped,
      runs: this._runs + 1,
    };
  }

  private restore(c: CarriedRecord): void {
    this.restoreMachine(c.machine);
    Object.assign(this._ctx, c.ctx);
    this._deadlineAt = c.deadlineAt;
    this._otp = c.otp;
    this.otpSends = c.otpSends;
    this.wrongOtpAttempts = c.wrongOtpAttempts;
    Object.assign(this._liveness, c.liveness);
    Object.assign(this._payment, c.payment);
    this.paymentHints.push(...c.paymentHints);
    for (const id of c.seenPaymentEventIds) this.seenPaymentEventIds.add(id);
    this.paymentHintsDropped = c.paymentHintsDropped;
    this._runs = c.runs;
  }

  get ctx(): Readonly<VlensCallContext> {
    return this._ctx;
  }
  get deadlineAt(): number {
    return this._deadlineAt;
  }
  get otp(): Readonly<Otp> | undefined {
    return this._otp;
  }
  get liveness(): Readonly<Liveness> {
    return this._liveness;
  }
  get payment(): Readonly<Payment> {
    return this._payment;
  }

  /** The app's latest position, clock and token win: Vlens compares the current position. */
  absorb(message: AppMessage): void {
    this._ctx.device = message.device;
    if (message.accessToken) this._ctx.accessToken = message.accessToken;
  }

  // ---- OTP ----------------------------------------------------------------------------------------

  /** Vlens names the transaction in its OTP answer; later calls carry it. */
  transactionIs(transactionId: string): void {
    this._ctx.transactionId = transactionId;
  }

  otpSent(otpRequestId: string, now: number): void {
    this.otpSends++;
    this._otp = { otpRequestId, sentAt: now, expiresAt: now + this.policy.otpTtlMs, expiryNoted: false };
    this.wakeMainLoop();
    this.note('otp_sent', `send ${this.otpSends} of ${this.policy.maxOtpSends}`);
  }

  otpExpired(): void {
    if (!this._otp || this._otp.expiryNoted) return;
    this._otp.expiryNoted = true;
    this.note('otp_expired');
  }

  /** Vlens ended the OTP early: it expired there, or it is locked after too many tries on it. */
  otpEndedAtVlens(how: 'expired_at_vlens' | 'locked_at_vlens'): void {
    if (!this._otp) return;
    this._otp.expiresAt = Math.min(this._otp.expiresAt, Date.now());
    this.wakeMainLoop();
    this.note(`otp_${how}`);
  }

  wrongOtp(): void {
    businessMetrics.wrongOtp();
    this.wrongOtpAttempts++;
    this.note('otp_wrong', `${this.otpAttemptsLeft()} attempts left`);
  }

  otpAccepted(paymentLink: string | undefined): void {
    this.note('otp_accepted');
    if (this._liveness.imagesForOtpValidation) this.note('liveness_accepted', 'with the OTP');
    this._liveness.imagesForOtpValidation = undefined;
    this._liveness.required = false;
    this.startPayment(paymentLink);
  }

  // ---- liveness -----------------------------------------------------------------------------------

  /** Vlens wants liveness re-validated before (or, legacy flavour, with) the OTP. */
  livenessDemanded(otpSentWithIt: boolean, now: number): void {
    businessMetrics.livenessRequired();
    this._liveness.required = true;
    this._liveness.otpSentWithDemand = otpSentWithIt;
    this._liveness.deadlineAt = now + this.policy.livenessTimeoutMs;
    this.moveTo('awaiting_liveness', 'device more than 80 km from its last location');
  }

  /** From here the selfies may be in the image store, so they are deleted when the activation ends. */
  imagesArrived(): void {
    this._liveness.imagesSubmitted = true;
  }

  livenessRejected(): void {
    this._liveness.attemptsUsed++;
    this.note('liveness_rejected', `${this.livenessAttemptsLeft()} attempts left`);
    if (this.livenessAttemptsLeft() === 0) this.fail('liveness_rejected', 'liveness re-validation failed too often');
  }

  livenessAccepted(images: LivenessImages): void {
    if (this._liveness.otpSentWithDemand && this._otp) {
      // Legacy flavour: the OTP already went out; the images ride along with its validation.
      this._liveness.imagesForOtpValidation = images;
      this.note('liveness_images_received');
      this.moveTo('awaiting_otp');
    } else {
      this._liveness.required = false;
      this.note('liveness_accepted');
      this.moveTo('requesting_otp', 'liveness re-validated; requesting a new OTP');
    }
  }

  /** Legacy flavour: validating the OTP sent the user back to liveness, or rejected the images it carried. */
  livenessSentBack(outcome: 'liveness_required' | 'liveness_rejected'): void {
    if (outcome === 'liveness_rejected') this._liveness.attemptsUsed++;
    this.note(outcome);
    this._liveness.imagesForOtpValidation = undefined;
    if (this.livenessAttemptsLeft() === 0) {
      this.fail('liveness_rejected', 'liveness re-validation failed too often');
    } else {
      this._liveness.required = true;
      this._liveness.deadlineAt = Date.now() + this.policy.livenessTimeoutMs;
      this.moveTo('awaiting_liveness');
    }
  }

  // ---- payment ------------------------------------------------------------------------------------

  /** Without a payment link the request type needs no payment: the activation goes straight to confirming. */
  startPayment(paymentLink: string | undefined): void {
    if (paymentLink) businessMetrics.paymentLinkIssued();
    const p = this._payment;
    p.link = paymentLink;
    p.stageReached = true;
    p.deadlineAt = Date.now() + this.policy.paymentTimeoutMs;
    p.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    p.nextReconcileAt = Date.now() + p.reconcileIntervalMs;
    this.moveTo(paymentLink ? 'awaiting_payment' : 'activating');
  }

  paymentConfirmed(trigger: string): void {
    this._payment.paidAt ??= new Date().toISOString();
    this.note('payment_confirmed', trigger);
    this.moveTo('activated');
  }

  /** Vlens has not seen the payment: wait for it again (no link: the request type needs none after all). */
  paymentStillExpected(): void {
    this._payment.link = undefined;
    this.moveTo('awaiting_payment', 'Vlens still expects a payment');
  }

  /** Reconciliation starts over at its first interval (a notification Vlens has not seen yet). */
  reconcileSoon(now: number): void {
    this._payment.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    this._payment.nextReconcileAt = now + this._payment.reconcileIntervalMs;
  }

  reconcileLater(now: number): void {
    const p = this._payment;
    p.reconcileIntervalMs = Math.min(p.reconcileIntervalMs * 2, this.policy.paymentReconcileMaxMs);
    p.nextReconcileAt = now + p.reconcileIntervalMs;
  }

  /** False for an event seen before (gateways deliver at least once); keeps the first payment time reported. */
  firstNotice(payment: PaymentCompletedInput): boolean {
    if (this.seenPaymentEventIds.has(payment.eventId)) return false;
    this.seenPaymentEventIds.add(payment.eventId);
    if (payment.paidAt) this._payment.paidAt ??= payment.paidAt;
    return true;
  }

  /** A hint with an event id not seen before, when the run already acted on its cap of distinct ids. */
  overPaymentHintCap(payment: PaymentCompletedInput): boolean {
    return this.seenPaymentEventIds.size >= MAX_PAYMENT_EVENT_IDS && !this.seenPaymentEventIds.has(payment.eventId);
  }

  /** Acknowledged (the signal is in history) and otherwise ignored: counted, and noted once per run. */
  paymentHintDropped(payment: PaymentCompletedInput): void {
    businessMetrics.paymentHintDropped(payment.source);
    if (this.paymentHintsDropped++ === 0) {
      this.note(
        'payment_notifications_dropped',
        `over ${MAX_PAYMENT_EVENT_IDS} distinct event ids; further new ones are ignored`,
      );
    }
  }

  paymentHinted(payment: PaymentCompletedInput): void {
    const early = this.state !== 'awaiting_payment' && this.state !== 'activating';
    this.note(early ? 'payment_notification_early' : 'payment_notification', payment.source);
    this.paymentHints.push(payment);
    // Early hints wait for the payment state (reaching it wakes the loop); in it, act now.
    if (this.state === 'awaiting_payment') this.wakeMainLoop();
  }

  takePaymentHints(): PaymentCompletedInput[] {
    return this.paymentHints.splice(0);
  }

  // ---- operators ---------------------------------------------------------------------------------

  /** A payment check released by an operator runs at once; other steps run when next due or asked for. */
  override releaseHold(by: string): void {
    if (this.hold?.step === 'validatePayment') this._payment.nextReconcileAt = Date.now();
    super.releaseHold(by);
  }

  /** Pushes the OTP's expiry or the payment deadline back; the overall deadline follows if it would cut the step. */
  deadlineExtended(step: 'otp' | 'payment', ms: number, by: string): void {
    const now = Date.now();
    if (step === 'otp' && this._otp) {
      this._otp.expiresAt = Math.max(this._otp.expiresAt, now) + ms;
      this._otp.expiryNoted = false;
    } else {
      this._payment.deadlineAt = Math.max(this._payment.deadlineAt ?? now, now) + ms;
    }
    const stepDeadline = step === 'otp' ? (this._otp?.expiresAt ?? now) : (this._payment.deadlineAt ?? now);
    this._deadlineAt = Math.max(this._deadlineAt, stepDeadline + this.policy.otpTtlMs);
    this.wakeMainLoop();
    this.note(`operator_extended_${step}_deadline`, by);
  }

  // ---- what is left -------------------------------------------------------------------------------

  /** Totals for the next run of this requestId (status.ts reports them; client/otp-budget.ts reads them). */
  otpSpent(): OtpSpent {
    return { otpSends: this.otpSends, otpAttempts: this.wrongOtpAttempts };
  }

  otpAttemptsLeft(): number {
    return Math.max(0, this.policy.maxOtpAttempts - this.wrongOtpAttempts);
  }

  otpSendsLeft(): number {
    return Math.max(0, this.policy.maxOtpSends - this.otpSends);
  }

  livenessAttemptsLeft(): number {
    return Math.max(0, this.policy.maxLivenessAttempts - this._liveness.attemptsUsed);
  }

  resendAvailableAt(): number {
    return (this._otp?.sentAt ?? this.startedAt) + this.policy.resendCooldownMs;
  }

  status(): ActivationStatus {
    return buildStatus(this);
  }
}
