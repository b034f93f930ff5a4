// The main loop: does what is due in the current state (requesting an OTP, noticing expiries and timeouts,
// confirming payment), then sleeps until the time it named or until something it waits for changes. The
// steps are otp.ts, liveness.ts and payment.ts; every decision runs under the run's lock (run.ts).
import { CancelledFailure, condition, patched, sleep } from '@temporalio/workflow';
import type { HistoryBound } from './history-bound';
import { BareScope } from './lean-scope';
import { Later } from './later';
import * as liveness from './liveness/liveness';
import * as otp from './otp/otp';
import * as payment from './payment/payment';
import type { ActivationRun } from './run';
import { Turns } from './turns';

/** A step's outcome as an async function returned it: the loop sees it two turns after it settles. */
class ReturnedStep {
  constructor(readonly step: Later<number>) {}

  /** A throw before the step's first wait rejects it, as it did when the step was an async function. */
  static of(turns: Turns, step: () => Later<number>): ReturnedStep {
    return new ReturnedStep(Later.run(turns, step));
  }
}

/**
 * Does what is due now and says when to look again: a number when that needs no Vlens call, else the step's
 * Later (later.ts), which settles in the microtask turns its promise did when this was one async function
 * (step-lock.ts says why): the steps that were returned from it are wrapped in ReturnedStep.
 */
function advance(run: ActivationRun, turns: Turns): number | Later<number> | ReturnedStep {
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
    if (machine.state === 'awaiting_payment') return finalCheckAtDeadline(run, now, turns);
    machine.fail('deadline_exceeded', 'the overall activation deadline passed');
    return now;
  }
  switch (machine.state) {
    case 'requesting_otp':
      return ReturnedStep.of(turns, () => otp.whileRequestingOtp(run, now, turns));
    case 'awaiting_liveness':
      return liveness.whileAwaitingLiveness(run, now);
    case 'awaiting_otp':
      return otp.whileAwaitingOtp(run, now);
    case 'awaiting_payment':
      return ReturnedStep.of(turns, () => payment.whileAwaitingPayment(run, now, turns));
    case 'activating':
      return ReturnedStep.of(turns, () => payment.whileActivating(run, now, turns));
    default:
      return now;
  }
}

/** In the turns of the async function it was (`if (await confirmPayment(...)) return now; ...`). */
function finalCheckAtDeadline(run: ActivationRun, now: number, turns: Turns): Later<number> {
  return Later.run(turns, () =>
    payment.confirmPaymentInTurns(run, 'final check at deadline', turns).then((confirmed) => {
      if (!confirmed) run.rec.machine.fail('deadline_exceeded', 'the overall activation deadline passed');
      return now;
    }),
  );
}

/**
 * One turn of the loop under the lock, in the microtask turns of the async function it was
 * (`await lock.acquire(); try { return await advance(run) } finally { lock.release() }`, awaited by the loop)
 * with none of its promises: `done` or `failed` runs one turn after the release, behind a handler that
 * waited for the lock. A step's Later follows its Vlens call with the one `.then` the step makes.
 */
function turnUnderLock(
  run: ActivationRun,
  turns: Turns,
  done: (wakeAt: number) => void,
  failed: (error: unknown) => void,
): void {
  const { lock } = run;
  const release = (resume: () => void) => {
    lock.release();
    turns.next(resume);
  };
  const settled = (wakeAt: number) => release(() => done(wakeAt));
  const threw = (error: unknown) => release(() => failed(error));
  lock.whenHeld(turns, () => {
    let next: number | Later<number> | ReturnedStep;
    try {
      next = advance(run, turns);
    } catch (error) {
      turns.next(() => threw(error)); // a throw from the async step settled a turn later
      return;
    }
    if (typeof next === 'number') {
      const wakeAt = next;
      turns.next(() => settled(wakeAt)); // the async step settled at once; a turn to see it
    } else if (next instanceof ReturnedStep) {
      // The async function's promise took the step's outcome in a job of its own, and settled a turn later.
      const { step } = next;
      turns.next(() => {
        step.then(
          (wakeAt) => turns.next(() => settled(wakeAt)),
          (error: unknown) => turns.next(() => threw(error)),
        );
      });
    } else {
      next.then(settled, threw);
    }
  });
}

/**
 * The loop's one wake-up timer on lean histories (lean-history.ts). A turn of the loop woken by a message
 * leaves it running when the time to look again has not changed, so a turn costs no timer events; it is
 * cancelled and started again only when that time moves. Started inside the main loop's scope, so a
 * cancelled activation cancels it.
 */
class WakeUpTimer {
  private at?: number;
  /** A BareScope: its run() hands back the timer's own promise; setFor takes the SDK wrapper's turn itself. */
  private scope?: BareScope;
  rang = false;

  constructor(private readonly turns: Turns) {}

  setFor(at: number, summary: string): void {
    if (this.at === at && !this.rang) return;
    this.cancel();
    const scope = new BareScope();
    this.scope = scope;
    this.at = at;
    this.rang = false;
    scope
      .run(() => sleep(at - Date.now(), { summary }))
      .then(
        // A turn later, where the SDK's scope.run() settled.
        () =>
          this.turns.next(() => {
            if (this.scope === scope) this.rang = true;
          }),
        () => undefined, // cancelled: a newer time replaced it, or the activation was cancelled
      );
  }

  cancel(): void {
    if (this.scope && !this.rang) this.scope.cancel();
    this.scope = undefined;
    this.at = undefined;
  }
}

/**
 * Runs until the activation reaches a terminal state; a cancel rejects it with a cancellation. Written as
 * callbacks, not as the async function it was, in that function's microtask turns (every `await` made a
 * promise): `top` is the head of its `while` loop, each `.then` one of its awaits. Its promise settles a turn
 * after the loop ends, where the scope it ran in settled when that was a LeanScope; activation.ts runs it in
 * a BareScope, which hands this promise back as it is.
 */
export function runMainLoop(run: ActivationRun, bound: HistoryBound): Promise<void> {
  // The loop's turns are made here, in the main scope's context, and its promise carries them (turns.ts).
  return new Promise<void>((resolve, reject) => new MainLoop(run, bound, new Turns({ resolve, reject })).top());
}

class MainLoop {
  /** The wake-up timer's turn has Turns of its own: it may fall at any time, and the loop's must end free. */
  private readonly timer = new WakeUpTimer(new Turns());

  constructor(
    private readonly run: ActivationRun,
    private readonly bound: HistoryBound,
    private readonly turns: Turns,
  ) {}

  private readonly resolve = (): void => this.turns.settleOwn({ fulfilled: true, value: undefined }, true);
  private readonly reject = (reason: unknown): void => this.turns.settleOwn({ fulfilled: false, reason }, true);

  /** The head of the loop: while the activation is not over, one turn under the lock. */
  readonly top = (): void => {
    const { rec, mainScope } = this.run;
    try {
      if (rec.machine.isTerminal()) {
        this.resolve();
        return;
      }
      // A cancel that arrives while a payment check runs (not cancellable, on purpose) is seen only at the
      // next cancellable await; without this the loop could decide on a further Vlens call by the clock
      // first, a decision a replay can make differently. Stop at once instead. patched(): histories from
      // before this check took the longer way and must replay unchanged.
      if (mainScope.consideredCancelled && patched('stop-main-loop-once-cancelled')) {
        throw new CancelledFailure('the activation was cancelled');
      }
      turnUnderLock(this.run, this.turns, this.afterTurn, this.reject);
    } catch (error) {
      this.reject(error);
    }
  };

  private readonly afterTurn = (wakeAt: number): void => {
    const { machine } = this.run.rec;
    try {
      if (machine.isTerminal()) {
        // A run that did not activate may still wait for a late payment; a stale timer must not wake it
        // then. An activated run completes now, and a completed run's pending timer costs nothing.
        if (machine.state !== 'activated') this.timer.cancel();
        this.resolve();
        return;
      }
      // patched(): runs recorded before continue-as-new existed never got this long, but say so explicitly.
      if (this.bound.historyIsLong() && patched('continue-as-new-when-history-long')) {
        this.bound.continueAsNewWhenQuiet().then(() => this.sleepUntil(wakeAt), this.reject);
        return;
      }
      this.sleepUntil(wakeAt);
    } catch (error) {
      this.reject(error);
    }
  };

  /** Waits until `wakeAt` or until something the loop waits for changes; then the head of the loop. */
  private sleepUntil(wakeAt: number): void {
    const { rec } = this.run;
    const { machine } = rec;
    const { historyIsLong } = this.bound;
    try {
      const version = machine.scheduleVersion;
      const waitMs = wakeAt - Date.now();
      if (waitMs <= 0) {
        this.top();
        return;
      }
      // Also wakes when messages alone (which need not wake the loop) made the history long.
      const changed = () => machine.scheduleVersion !== version || historyIsLong();
      let waiting: Promise<unknown>;
      if (rec.leanHistory) {
        this.timer.setFor(wakeAt, `${machine.state}: next check`);
        waiting = condition(() => changed() || this.timer.rang);
      } else {
        waiting = condition(changed, waitMs, { summary: `${machine.state}: next check` });
      }
      waiting.then(this.top, this.reject);
    } catch (error) {
      this.reject(error);
    }
  }
}
