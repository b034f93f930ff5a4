// What the payment step knows: the link, the payment deadline, when reconciliation asks Vlens next, the
// notifications heard of (payment-notices.ts), its part of the status and what a continue-as-new carries of
// it. Only Vlens decides a payment (payment.ts); every change here is a method named for what happened.
import type { ActivationStatus, NextAction, PaymentCompletedInput } from '../../contract/types';
import type { BusinessMetrics } from '../business-metrics';
import type { ResolvedPolicy } from '../policy';
import type { StateMachine } from '../state-machine';
import { isoTime } from '../status-time';
import { MAX_PAYMENT_EVENT_IDS, PaymentNotices, type CarriedNotices } from './payment-notices';

/** The payment step as a continue-as-new carries it (the names are part of CarriedRecord's JSON). */
export interface Payment {
  link?: string;
  deadlineAt?: number;
  paidAt?: string;
  nextReconcileAt?: number;
  reconcileIntervalMs: number;
  /** Set once a payment link went out: from then on money may arrive even after a failure. */
  stageReached: boolean;
}

export class PaymentRecord {
  private data: Payment;
  private readonly notices = new PaymentNotices();

  constructor(
    private readonly machine: StateMachine,
    private readonly policy: ResolvedPolicy,
    private readonly metrics: BusinessMetrics,
  ) {
    this.data = { reconcileIntervalMs: policy.paymentReconcileInitialMs, stageReached: false };
  }

  get link(): string | undefined {
    return this.data.link;
  }
  get deadlineAt(): number | undefined {
    return this.data.deadlineAt;
  }
  get nextReconcileAt(): number | undefined {
    return this.data.nextReconcileAt;
  }
  /** A payment link went out: money may arrive from here on, even after the activation failed. */
  get stageReached(): boolean {
    return this.data.stageReached;
  }

  // ---- what happened ----------------------------------------------------------------------------------

  /** Without a payment link the request type needs no payment: the activation goes straight to confirming. */
  start(paymentLink: string | undefined): void {
    if (paymentLink) this.metrics.paymentLinkIssued();
    const payment = this.data;
    payment.link = paymentLink;
    payment.stageReached = true;
    payment.deadlineAt = Date.now() + this.policy.paymentTimeoutMs;
    payment.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    payment.nextReconcileAt = Date.now() + payment.reconcileIntervalMs;
    this.machine.moveTo(paymentLink ? 'awaiting_payment' : 'activating');
  }

  confirmed(trigger: string): void {
    this.data.paidAt ??= new Date().toISOString();
    this.machine.note('payment_confirmed', trigger);
    this.machine.moveTo('activated');
  }

  /** Vlens has not seen the payment: wait for it again (no link: the request type needs none after all). */
  stillExpected(): void {
    this.data.link = undefined;
    this.machine.moveTo('awaiting_payment', 'Vlens still expects a payment');
  }

  /** Reconciliation starts over at its first interval (a notification Vlens has not seen yet). */
  reconcileSoon(now: number): void {
    this.data.reconcileIntervalMs = this.policy.paymentReconcileInitialMs;
    this.data.nextReconcileAt = now + this.data.reconcileIntervalMs;
  }

  reconcileLater(now: number): void {
    const payment = this.data;
    payment.reconcileIntervalMs = Math.min(payment.reconcileIntervalMs * 2, this.policy.paymentReconcileMaxMs);
    payment.nextReconcileAt = now + payment.reconcileIntervalMs;
  }

  /** An operator released a held payment check: it runs at once. */
  reconcileNow(now: number): void {
    this.data.nextReconcileAt = now;
  }

  /** An operator gave the payment more time: its deadline moves `ms` past now (or past itself if later). */
  deadlineExtended(ms: number, now: number): void {
    this.data.deadlineAt = Math.max(this.data.deadlineAt ?? now, now) + ms;
  }

  // ---- notifications ----------------------------------------------------------------------------------

  /** False for an event seen before (gateways deliver at least once); keeps the first payment time reported. */
  firstNotice(payment: PaymentCompletedInput): boolean {
    if (!this.notices.remember(payment.eventId)) return false;
    if (payment.paidAt) this.data.paidAt ??= payment.paidAt;
    return true;
  }

  /** A hint with an event id not seen before, when the run already acted on its cap of distinct ids. */
  overHintCap(payment: PaymentCompletedInput): boolean {
    return this.notices.overCap(payment.eventId);
  }

  /** Acknowledged (the signal is in history) and otherwise ignored: counted, and noted once per run. */
  hintDropped(payment: PaymentCompletedInput): void {
    this.metrics.paymentHintDropped(payment.source);
    if (this.notices.dropped()) {
      this.machine.note(
        'payment_notifications_dropped',
        `over ${MAX_PAYMENT_EVENT_IDS} distinct event ids; further new ones are ignored`,
      );
    }
  }

  hinted(payment: PaymentCompletedInput): void {
    const { state } = this.machine;
    const early = state !== 'awaiting_payment' && state !== 'activating';
    this.machine.note(early ? 'payment_notification_early' : 'payment_notification', payment.source);
    this.notices.wait(payment);
    // Early hints wait for the payment state (reaching it wakes the loop); in it, act now.
    if (state === 'awaiting_payment') this.machine.wakeMainLoop();
  }

  /** The notifications the main loop has not acted on yet, handed over once. */
  takeHints(): PaymentCompletedInput[] {
    return this.notices.take();
  }

  // ---- the status -------------------------------------------------------------------------------------

  statusPart(gateway: string | undefined): Pick<ActivationStatus, 'payment'> {
    const { link, deadlineAt, paidAt } = this.data;
    if (deadlineAt === undefined) return {};
    return {
      payment: {
        ...(link ? { link } : {}),
        deadline: isoTime(deadlineAt),
        ...(gateway ? { gateway } : {}),
        ...(paidAt ? { paidAt } : {}),
      },
    };
  }

  /** What the app does next while the state is awaiting_payment. */
  nextAction(): NextAction {
    const { link, deadlineAt } = this.data;
    return {
      type: 'pay',
      ...(deadlineAt !== undefined ? { expiresAt: isoTime(deadlineAt) } : {}),
      ...(link ? { paymentLink: link } : {}),
    };
  }

  // ---- continue-as-new --------------------------------------------------------------------------------

  carry(): { payment: Payment } & CarriedNotices {
    return { payment: { ...this.data }, ...this.notices.carry() };
  }

  restore(carried: { payment: Payment } & CarriedNotices): void {
    this.data = carried.payment;
    this.notices.restore(carried);
  }
}
