// The payment notifications one run has heard of: those waiting for the main loop, the event ids already
// acted on (gateways deliver at least once), and how many fresh ids were dropped over the cap. Only Vlens
// decides a payment (payment.ts); these are hints that make the workflow ask it sooner.
import type { PaymentCompletedInput } from '../../contract/types';

/**
 * Distinct payment-notification event ids one run acts on (issue 12, "History-limit kills"). A real payment
 * produces a handful: one per source that can report it (the app, the gateway's webhook, the Vlens webhook,
 * an operator; PAYMENT_SOURCES in contract/types.ts), and a provider's redeliveries reuse their id (duplicates are
 * noted, never acted on). 50 leaves ten times that for retried apps and several payment attempts, while
 * bounding what a flood can cost: each acted-on hint may schedule one StepValidatePayment activity (about
 * six history events), so the cap keeps hints well under 1% of Temporal's 51,200-event history limit and
 * keeps the set of seen ids small. A dropped hint loses nothing: reconciliation still asks Vlens, the only
 * source of truth, on its own schedule (payment.ts).
 */
export const MAX_PAYMENT_EVENT_IDS = 50;

/** What a continue-as-new carries of the notices (the field names are part of CarriedRecord's JSON). */
export interface CarriedNotices {
  paymentHints: PaymentCompletedInput[];
  seenPaymentEventIds: string[];
  paymentHintsDropped: number;
}

export class PaymentNotices {
  private readonly waiting: PaymentCompletedInput[] = [];
  private readonly seenEventIds = new Set<string>();
  private droppedCount = 0;

  /** False for an event id seen before; remembers it otherwise. */
  remember(eventId: string): boolean {
    if (this.seenEventIds.has(eventId)) return false;
    this.seenEventIds.add(eventId);
    return true;
  }

  /** A notice with an event id not seen before, when the run already acted on its cap of distinct ids. */
  overCap(eventId: string): boolean {
    return this.seenEventIds.size >= MAX_PAYMENT_EVENT_IDS && !this.seenEventIds.has(eventId);
  }

  /** Counts a dropped notice; true for the first one of the run. */
  dropped(): boolean {
    return this.droppedCount++ === 0;
  }

  wait(payment: PaymentCompletedInput): void {
    this.waiting.push(payment);
  }

  /** The notices the main loop has not acted on yet, handed over once. */
  take(): PaymentCompletedInput[] {
    return this.waiting.splice(0);
  }

  carry(): CarriedNotices {
    return {
      paymentHints: [...this.waiting],
      seenPaymentEventIds: [...this.seenEventIds],
      paymentHintsDropped: this.droppedCount,
    };
  }

  restore(c: CarriedNotices): void {
    this.waiting.push(...c.paymentHints);
    for (const id of c.seenPaymentEventIds) this.seenEventIds.add(id);
    this.droppedCount = c.paymentHintsDropped;
  }
}
