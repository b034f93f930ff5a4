// The payment step. Only Vlens decides that a contract is activated (StepValidatePayment): payment
// notifications from the app, the gateways or an operator are hints that make the workflow ask now, and
// reconciliation asks on its own, backing off, until the payment deadline. Its data, the notifications heard
// of and its part of the status are payment-record.ts.
import { patched } from '@temporalio/workflow';
import { checkPaymentCompleted } from '../../contract/input-checks';
import type { PaymentCompletedInput } from '../../contract/types';
import { BareScope, LeanScope } from '../lean-scope';
import { Later } from '../later';
import type { ActivationRun } from '../run';
import type { Turns } from '../turns';
import { backgroundVlens } from '../vlens-steps';

/**
 * Asks Vlens whether the payment went through; on proof the contract is activated. An answer the client
 * cannot read holds the step for an operator and counts as "not confirmed". Not an async function: its one
 * `.then` settles in the turn the async function's await did, with one promise instead of two (turns.ts).
 */
export function confirmPayment(run: ActivationRun, trigger: string): Promise<boolean> {
  return LeanScope.nonCancellable(() => askForPayment(run)).then(
    (answer) => heardPaymentAnswer(run, trigger, answer),
    (error: unknown) => notConfirmed(run, error),
  );
}

/**
 * confirmPayment for the main loop, in the same turns with one promise fewer per link (later.ts): the Vlens
 * call's own promise is followed once, where confirmPayment's scope settled, and the rest in `turns`.
 */
export function confirmPaymentInTurns(run: ActivationRun, trigger: string, turns: Turns): Later<boolean> {
  return Later.call(turns, () => BareScope.nonCancellable(() => askForPayment(run))).then(
    (answer) => heardPaymentAnswer(run, trigger, answer),
    (error: unknown) => notConfirmed(run, error),
  );
}

/** Never cancelled half-way (the caller's scope is not cancellable): once Vlens may have activated, we must learn the answer. */
function askForPayment(run: ActivationRun): Promise<{ activated: boolean }> {
  const { rec } = run;
  return backgroundVlens(rec.deadlineAt - Date.now()).validatePayment({ ...rec.ctx, deviceTimeNow: true });
}

function heardPaymentAnswer(run: ActivationRun, trigger: string, { activated }: { activated: boolean }): boolean {
  if (activated) {
    run.rec.payment.confirmed(trigger);
    return true;
  }
  run.rec.machine.note('payment_not_confirmed', trigger);
  return false;
}

function notConfirmed(run: ActivationRun, error: unknown): boolean {
  run.holdIfUnrecognised(error);
  return false;
}

// ---- the main loop's part: each returns when it next needs to look -----------------------------------

// In the turns of the async functions they were, with no promise of their own (later.ts): one link where
// they awaited confirmPayment, settled at once where they returned at once.

export function whileAwaitingPayment(run: ActivationRun, now: number, turns: Turns): Later<number> {
  const { rec } = run;
  const hints = rec.payment.takeHints();
  if (hints.length) {
    rec.machine.moveTo('activating', `payment notification from ${hints.map((hint) => hint.source).join(', ')}`);
    return confirmPaymentInTurns(run, `notification from ${hints[0]?.source}`, turns).then((confirmed) => {
      if (confirmed) return now;
      rec.machine.moveTo('awaiting_payment');
      // The gateway said paid but Vlens has not seen it yet: look again soon.
      rec.payment.reconcileSoon(now);
      return now;
    });
  }
  const paymentDeadline = rec.payment.deadlineAt ?? rec.deadlineAt;
  if (now >= paymentDeadline) {
    // One last look before giving up: a payment made in time must not be refunded for our delay.
    return confirmPaymentInTurns(run, 'final check at payment timeout', turns).then((confirmed) => {
      if (!confirmed && !rec.machine.hold) {
        rec.machine.fail('payment_timeout', 'no confirmed payment before the payment deadline');
      }
      return now;
    });
  }
  const nextLook = () => Math.min(rec.payment.nextReconcileAt ?? paymentDeadline, paymentDeadline, rec.deadlineAt);
  if (rec.payment.nextReconcileAt !== undefined && now >= rec.payment.nextReconcileAt) {
    return confirmPaymentInTurns(run, 'reconciliation', turns).then((confirmed) => {
      if (confirmed) return now;
      rec.payment.reconcileLater(now);
      return nextLook();
    });
  }
  return Later.resolved(turns, nextLook());
}

/** Reached without a payment link: the request type needs no payment, so confirm right away. */
export function whileActivating(run: ActivationRun, now: number, turns: Turns): Later<number> {
  const { rec } = run;
  return confirmPaymentInTurns(run, 'no payment required', turns).then((confirmed) => {
    if (!confirmed && !rec.machine.hold) rec.payment.stillExpected();
    return now;
  });
}

/** A payment notification (signal): never refused, at most noted; money after the end flags the activation. */
export function paymentCompleted(run: ActivationRun, payload: PaymentCompletedInput): void {
  const { rec } = run;
  const { machine } = rec;
  try {
    checkPaymentCompleted(payload);
  } catch {
    machine.note('payment_notification_ignored', 'invalid payload');
    return;
  }
  // Beyond the cap (payment-notices.ts, MAX_PAYMENT_EVENT_IDS) a fresh event id would wake the loop into
  // another Vlens call or flag the activation: drop it instead. patched(): a run that saw more hints before
  // the cap existed acted on them, and its history must replay unchanged.
  if (rec.payment.overHintCap(payload) && patched('payment-hints-capped')) {
    rec.payment.hintDropped(payload);
    return;
  }
  if (!rec.payment.firstNotice(payload)) {
    machine.note('payment_notification_duplicate', payload.source);
    return;
  }
  if (machine.state === 'activated') {
    machine.note('payment_notification_after_activation', payload.source);
  } else if (machine.isTerminal()) {
    // Money arrived for an activation that is over: someone must look at it (refund or reactivate).
    machine.flagNeedsAttention(
      `payment notification from ${payload.source} after ${machine.failure?.reason ?? machine.state}`,
    );
  } else {
    rec.payment.hinted(payload);
  }
}
