// The main loop: does what is due in the current state (requesting an OTP, noticing expiries and timeouts,
// confirming payment), then sleeps until the time it named or until something it waits for changes. The
// steps are otp.ts, liveness.ts and payment.ts; every decision runs under the run's lock (run.ts).
import { CancellationScope, CancelledFailure, condition, patched, sleep } from '@temporalio/workflow';
import type { HistoryBound } from './history-bound';
import * as liveness from './liveness/liveness';
import * as otp from './otp/otp';
import * as payment from './payment/payment';
import type { ActivationRun } from './run';

/**
 * Does what is due now and says when to look again: a number when that needs no Vlens call, else a promise
 * that settles in the microtask turns it did when this was one async function (step-lock.ts says why).
 */
function advance(run: ActivationRun): number | Promise<number> {
  const { rec } = run;
  const { machine } = rec;
  const now = Date.now();
  if (machine.hold) {
    // Nothing runs while an operator decides; the overall deadline still ends it (needsAttention stays).
    if (now < rec.deadlineAt) return rec.deadlineAt;
    machine.fail('deadline_exceeded', `the overall deadline passed while ${machine.hold.step} waited for an operator`);
    return now;
  }
  if (now >= rec.deadlineAt && machine.state !== 'activating') {
    if (machine.state === 'awaiting_payment') return finalCheckAtDeadline(run, now);
    machine.fail('deadline_exceeded', 'the overall activation deadline passed');
    return now;
  }
  switch (machine.state) {
    case 'requesting_otp':
      return asReturnedFromAStep(otp.whileRequestingOtp(run, now));
    case 'awaiting_liveness':
      return liveness.whileAwaitingLiveness(run, now);
    case 'awaiting_otp':
      return otp.whileAwaitingOtp(run, now);
    case 'awaiting_payment':
      return asReturnedFromAStep(payment.whileAwaitingPayment(run, now));
    case 'activating':
      return asReturnedFromAStep(payment.whileActivating(run, now));
    default:
      return now;
  }
}

async function finalCheckAtDeadline(run: ActivationRun, now: number): Promise<number> {
  if (await payment.confirmPayment(run, 'final check at deadline')) return now;
  run.rec.machine.fail('deadline_exceeded', 'the overall activation deadline passed');
  return now;
}

/** A step's promise returned from an async function, as `advance` returned it: two turns later. */
async function asReturnedFromAStep(step: Promise<number>): Promise<number> {
  return step;
}

/**
 * One turn of the loop under the lock: `lock.runExclusive(() => advance(run))` in the same microtask turns
 * (step-lock.ts says why they matter) with fewer promises. Its caller resumes one turn after the release,
 * behind a handler that waited for the lock.
 */
async function turnUnderLock(run: ActivationRun): Promise<number> {
  const { lock } = run;
  await lock.acquire();
  try {
    let next: number | Promise<number>;
    try {
      next = advance(run);
    } catch (error) {
      await lock.turn(); // a throw from the async step settled a turn later
      throw error;
    }
    if (typeof next !== 'number') return await next;
    await lock.turn(); // the async step settled at once; the lock took a turn to see it
    return next;
  } finally {
    lock.release();
  }
}

/**
 * The loop's one wake-up timer on lean histories (lean-history.ts). A turn of the loop woken by a message
 * leaves it running when the time to look again has not changed, so a turn costs no timer events; it is
 * cancelled and started again only when that time moves. Started inside the main loop's scope, so a
 * cancelled activation cancels it.
 */
class WakeUpTimer {
  private at?: number;
  private scope?: CancellationScope;
  rang = false;

  setFor(at: number, summary: string): void {
    if (this.at === at && !this.rang) return;
    this.cancel();
    const scope = new CancellationScope();
    this.scope = scope;
    this.at = at;
    this.rang = false;
    scope
      .run(() => sleep(at - Date.now(), { summary }))
      .then(
        () => {
          if (this.scope === scope) this.rang = true;
        },
        () => undefined, // cancelled: a newer time replaced it, or the activation was cancelled
      );
  }

  cancel(): void {
    if (this.scope && !this.rang) this.scope.cancel();
    this.scope = undefined;
    this.at = undefined;
  }
}

/** Runs until the activation reaches a terminal state; a cancel rejects it with a cancellation. */
export async function runMainLoop(run: ActivationRun, { historyIsLong, continueAsNewWhenQuiet }: HistoryBound) {
  const { rec, mainScope } = run;
  const { machine } = rec;
  const timer = new WakeUpTimer();
  while (!machine.isTerminal()) {
    // A cancel that arrives while a payment check runs (not cancellable, on purpose) is seen only at the
    // next cancellable await; without this the loop could decide on a further Vlens call by the clock
    // first, a decision a replay can make differently. Stop at once instead. patched(): histories from
    // before this check took the longer way and must replay unchanged.
    if (mainScope.consideredCancelled && patched('stop-main-loop-once-cancelled')) {
      throw new CancelledFailure('the activation was cancelled');
    }
    const wakeAt = await turnUnderLock(run);
    if (machine.isTerminal()) {
      // A run that did not activate may still wait for a late payment; a stale timer must not wake it
      // then. An activated run completes now, and a completed run's pending timer costs nothing.
      if (machine.state !== 'activated') timer.cancel();
      return;
    }
    // patched(): runs recorded before continue-as-new existed never got this long, but say so explicitly.
    if (historyIsLong() && patched('continue-as-new-when-history-long')) await continueAsNewWhenQuiet();
    const version = machine.scheduleVersion;
    const waitMs = wakeAt - Date.now();
    if (waitMs <= 0) continue;
    // Also wakes when messages alone (which need not wake the loop) made the history long.
    const changed = () => machine.scheduleVersion !== version || historyIsLong();
    if (rec.leanHistory) {
      timer.setFor(wakeAt, `${machine.state}: next check`);
      await condition(() => changed() || timer.rang);
    } else {
      await condition(changed, waitMs, { summary: `${machine.state}: next check` });
    }
  }
}
