// The activation's data: the Vlens call context, the OTP, liveness and payment. Its fields are private and
// read through read-only views; every change is a method named for what happened, which wakes the main
// loop itself when what the loop waits for changed. The state and its checked transitions are
// StateMachine's (state-machine.ts); the status object is built in status.ts.
import type { LivenessImages, VlensCallContext } from '../contract/activities';
import { businessMetrics } from './business-metrics';
import type { ResolvedPolicy } from './policy';
import { MAX_PAYMENT_EVENT_IDS, PaymentNotices } from './payment-notices';
import type { ActivationRunInput, CarriedRecord, Liveness, Otp, Payment, RecordData } from './record-data';
import { StateMachine } from './state-machine';
import { buildStatus } from './status';
import type { ActivationStatus, AppMessage, OtpSpent, PaymentCompletedInput } from '../contract/types';

export class ActivationRecord extends StateMachine {
  private readonly d: RecordData;
  private readonly notices = new PaymentNotices();
  private _runs = 1;

  constructor(
    input: ActivationRunInput,
    readonly policy: ResolvedPolicy,
    readonly workflowId: string,
    readonly startedAt: number,
    leanHistory: boolean,
  ) {
    super(startedAt, leanHistory);
    const { requestId, transactionId, contractStorageId, paymentGateway, smsProvider, device, accessToken } = input;
    this.d = {
      ctx: { requestId, transactionId, contractStorageId, paymentGateway, smsProvider, device, accessToken },
      deadlineAt: startedAt + policy.deadlineMs,
      // The budget is per requestId, not per run: earlier runs' sends and wrong codes count here too.
      otpSends: input.spent?.otpSends ?? 0,
      wrongOtpAttempts: input.spent?.otpAttempts ?? 0,
      liveness: { required: false, attemptsUsed: 0, otpSentWithDemand: false, imagesSubmitted: false },
      payment: { reconcileIntervalMs: policy.paymentReconcileInitialMs, stageReached: false },
    };
    if (input.carried) this.restore(input.carried);
  }

  /** Runs of this activation so far (continue-as-new), this one included. */
  get runs(): number {
    return this._runs;
  }

  /** The state for the next run of a continue-as-new. */
  carry(): CarriedRecord {
    const { otp, ...data } = this.d;
    return {
      machine: this.snapshotMachine(),
      ...data,
      ctx: { ...data.ctx },
      startedAt: this.startedAt,
      ...(otp ? { otp: { ...otp } } : {}),
      liveness: { ...data.liveness },
      payment: { ...data.payment },
      ...this.notices.carry(),
      runs: this._runs + 1,
    };
  }

  private restore(c: CarriedRecord): void {
    this.restoreMachine(c.machine);
    const { ctx, deadlineAt, otp, otpSends, wrongOtpAttempts, liveness, payment } = c;
    Object.assign(this.d, { ctx, deadlineAt, otp, otpSends, wrongOtpAttempts, liveness, payment });
    this.notices.restore(c);
    this._runs = c.runs;
  }

  get ctx(): Readonly<VlensCallContext> {
    return this.d.ctx;
  }
  get deadlineAt(): number {
    return this.d.deadlineAt;
  }
  get otp(): Readonly<Otp> | undefined {
    return this.d.otp;
  }
  get liveness(): Readonly<Liveness> {
    return this.d.liveness;
  }
  get payment(): Readonly<Payment> {
    return this.d.payment;
  }

  /** The app's latest position, clock and token win: Vlens compares the current position. */
  absorb(message: AppMessage): void {
    this.d.ctx.device = message.device;
    if (message.accessToken) this.d.ctx.accessToken = message.accessToken;
  }

  // ---- OTP ----------------------------------------------------------------------------------------

  /** Vlens names the transaction in its OTP answer; later calls carry it. */
  transactionIs(transactionId: string): void {
    this.d.ctx.transactionId = transactionId;
  }

  otpSent(otpRequestId: string, now: number): void {
    this.d.otpSends++;
    this.d.otp = { otpRequestId, sentAt: now, expiresAt: now + this.policy.otpTtlMs, expiryNoted: false };
    this.wakeMainLoop();
    this.note('otp_sent', `send ${this.d.otpSends} of ${this.policy.maxOtpSends}`);
  }

  otpExpired(): void {
    if (!this.d.otp || this.d.otp.expiryNoted) return;
    this.d.otp.expiryNoted = true;
    this.note('otp_expired');
  }

  /** Vlens ended the OTP early: it expired there, or it is locked after too many tries on it. */
  otpEndedAtVlens(how: 'expired_at_vlens' | 'locked_at_vlens'): void {
    if (!this.d.otp) return;
    this.d.otp.expiresAt = Math.min(this.d.otp.expiresAt, Date.now());
    this.wakeMainLoop();
    this.note(`otp_${how}`);
  }

  wrongOtp(): void {
    businessMetrics.wrongOtp();
    this.d.wrongOtpAttempts++;
    this.note('otp_wrong', `${this.otpAttemptsLeft()} attempts left`);
  }

  otpAccepted(paymentLink: string | undefined): void {
    this.note('otp_accepted');
    if (this.d.liveness.imagesForOtpValidation) this.note('liveness_accepted', 'with the OTP');
    this.d.liveness.imagesForOtpValidation = undefined;
    this.d.liveness.required = false;
    this.startPayment(paymentLink);
  }

  // ---- liveness -----------------------------------------------------------------------------------

  /** Vlens wants liveness re-validated before (or, legacy flavour, with) the OTP. */
  livenessDemanded(otpSentWithIt: boolean, now: number): void {
    businessMetrics.livenessRequired();
    this.d.liveness.required = true;
    this.d.liveness.otpSentWithDemand = otpSentWithIt;
    this.d.liveness.deadlineAt = now + this.policy.livenessTimeoutMs;
    this.moveTo('awaiting_liveness', 'device more than 80 km from its last location');
  }

  /** From here the selfies may be in the image store, so they are deleted when the activation ends. */
  imagesArrived(): void {
    this.d.liveness.imagesSubmitted = true;
  }

  livenessRejected(): void {
    this.d.liveness.attemptsUsed++;
    this.note('liveness_rejected', `${this.livenessAttemptsLeft()} attempts left`);
    if (this.livenessAttemptsLeft() === 0) this.fail('liveness_rejected', 'liveness re-validation failed too often');
  }

  livenessAccepted(images: LivenessImages): void {
    if (this.d.liveness.otpSentWithDemand && this.d.otp) {
      // Legacy flavour: the OTP already went out; the images ride along with its validation.
      this.d.liveness.imagesForOtpValidation = images;
      this.note('liveness_images_received');
      this.moveTo('awaiting_otp');
    } else {
      this.d.liveness.required = false;
      this.note('liveness_accepted');
      this.moveTo('requesting_otp', 'liveness re-validated; requesting a new OTP');
    }
  }

  /** Legacy flavour: validating the OTP sent the user back to liveness, or rejected the images it carried. */
  livenessSentBack(outcome: 'liveness_required' | 'liveness_rejected'): void {
    if (outcome === 'liveness_rejected') this.d.liveness.attemptsUsed++;
    this.note(outcome);
    this.d.liveness.imagesForOtpValidation = undefined;
    if (this.livenessAttemptsLeft() === 0) {
      this.fail('liveness_rejected', 'liveness re-validation failed too often');
    } else {
      this.d.liveness.required = true;
      this.d.liveness.deadlineAt = Date.now() + this.policy.livenessTimeoutMs;
      this.moveTo('awaiting_liveness');
    }
  }

  // ---- payment ------------------------------------------------------------------------------------

  /** Without a payment link the request type needs no payment: the activation goes straight to confirming. */
  startPayment(paymentLink: string | undefined): void {
    if (paymentLink) businessMetrics.paymentLinkIssued();
    const p = this.d.payment;
    p.link = paymentLink;
    p.stageReached = true;
    p.deadlineAt = Date.now() + this.policy.paymentTimeoutMs;
    p.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    p.nextReconcileAt = Date.now() + p.reconcileIntervalMs;
    this.moveTo(paymentLink ? 'awaiting_payment' : 'activating');
  }

  paymentConfirmed(trigger: string): void {
    this.d.payment.paidAt ??= new Date().toISOString();
    this.note('payment_confirmed', trigger);
    this.moveTo('activated');
  }

  /** Vlens has not seen the payment: wait for it again (no link: the request type needs none after all). */
  paymentStillExpected(): void {
    this.d.payment.link = undefined;
    this.moveTo('awaiting_payment', 'Vlens still expects a payment');
  }

  /** Reconciliation starts over at its first interval (a notification Vlens has not seen yet). */
  reconcileSoon(now: number): void {
    this.d.payment.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    this.d.payment.nextReconcileAt = now + this.d.payment.reconcileIntervalMs;
  }

  reconcileLater(now: number): void {
    const p = this.d.payment;
    p.reconcileIntervalMs = Math.min(p.reconcileIntervalMs * 2, this.policy.paymentReconcileMaxMs);
    p.nextReconcileAt = now + p.reconcileIntervalMs;
  }

  /** False for an event seen before (gateways deliver at least once); keeps the first payment time reported. */
  firstNotice(payment: PaymentCompletedInput): boolean {
    if (!this.notices.remember(payment.eventId)) return false;
    if (payment.paidAt) this.d.payment.paidAt ??= payment.paidAt;
    return true;
  }

  /** A hint with an event id not seen before, when the run already acted on its cap of distinct ids. */
  overPaymentHintCap(payment: PaymentCompletedInput): boolean {
    return this.notices.overCap(payment.eventId);
  }

  /** Acknowledged (the signal is in history) and otherwise ignored: counted, and noted once per run. */
  paymentHintDropped(payment: PaymentCompletedInput): void {
    businessMetrics.paymentHintDropped(payment.source);
    if (this.notices.dropped()) {
      this.note(
        'payment_notifications_dropped',
        `over ${MAX_PAYMENT_EVENT_IDS} distinct event ids; further new ones are ignored`,
      );
    }
  }

  paymentHinted(payment: PaymentCompletedInput): void {
    const early = this.state !== 'awaiting_payment' && this.state !== 'activating';
    this.note(early ? 'payment_notification_early' : 'payment_notification', payment.source);
    this.notices.wait(payment);
    // Early hints wait for the payment state (reaching it wakes the loop); in it, act now.
    if (this.state === 'awaiting_payment') this.wakeMainLoop();
  }

  takePaymentHints(): PaymentCompletedInput[] {
    return this.notices.take();
  }

  // ---- operators ---------------------------------------------------------------------------------

  /** A payment check released by an operator runs at once; other steps run when next due or asked for. */
  override releaseHold(by: string): void {
    if (this.hold?.step === 'validatePayment') this.d.payment.nextReconcileAt = Date.now();
    super.releaseHold(by);
  }

  /** Pushes the OTP's expiry or the payment deadline back; the overall deadline follows if it would cut the step. */
  deadlineExtended(step: 'otp' | 'payment', ms: number, by: string): void {
    const now = Date.now();
    if (step === 'otp' && this.d.otp) {
      this.d.otp.expiresAt = Math.max(this.d.otp.expiresAt, now) + ms;
      this.d.otp.expiryNoted = false;
    } else {
      this.d.payment.deadlineAt = Math.max(this.d.payment.deadlineAt ?? now, now) + ms;
    }
    const stepDeadline = step === 'otp' ? (this.d.otp?.expiresAt ?? now) : (this.d.payment.deadlineAt ?? now);
    this.d.deadlineAt = Math.max(this.d.deadlineAt, stepDeadline + this.policy.deadlineMarginAfterExtensionMs);
    this.wakeMainLoop();
    this.note(`operator_extended_${step}_deadline`, by);
  }

  // ---- what is left -------------------------------------------------------------------------------

  /** Totals for the next run of this requestId (status.ts reports them; client/otp-budget.ts reads them). */
  otpSpent(): OtpSpent {
    return { otpSends: this.d.otpSends, otpAttempts: this.d.wrongOtpAttempts };
  }

  otpAttemptsLeft(): number {
    return Math.max(0, this.policy.maxOtpAttempts - this.d.wrongOtpAttempts);
  }

  otpSendsLeft(): number {
    return Math.max(0, this.policy.maxOtpSends - this.d.otpSends);
  }

  livenessAttemptsLeft(): number {
    return Math.max(0, this.policy.maxLivenessAttempts - this.d.liveness.attemptsUsed);
  }

  resendAvailableAt(): number {
    return (this.d.otp?.sentAt ?? this.startedAt) + this.policy.resendCooldownMs;
  }

  status(): ActivationStatus {
    return buildStatus(this);
  }
}
