// A value that settles in the same microtask turns as a promise chain would, with one promise for the whole
// chain instead of one per link. The SDK records a stack trace for every promise a workflow makes
// (BENCHMARKS.md §2), yet the turn in which each link runs decides the order of a workflow task's commands
// (step-lock.ts), so the steps cannot simply drop their promises: they chain Laters instead. Only the first
// link waits on a real promise (an activity's, a timer's: the SDK's), with one native `.then`; every further
// link takes one turn through turns.ts, as a `.then` on a settled promise would.
//
// The rules of a promise that the steps rely on, kept exactly (test/workflows/later.test.ts checks them turn
// by turn against native promises):
// - a callback runs one turn after its Later settles, or one turn after it was added to a settled Later;
// - callbacks of one Later run in the order they were added;
// - a callback that throws rejects the Later it returned; a rejection with no `onRejected` passes on.
// A callback must not return a thenable: a promise adopts one in extra turns, which no step here wants, so it
// is refused at once (a bug to fix, not a state to carry). And a rejection nobody handles is not reported, where
// a promise's would fail the workflow task: end every chain with both callbacks, as the main loop and the lock
// (step-lock.ts) do.
import type { Turns } from './turns';

const THENABLE_REFUSED = 'a Later step or callback returned a thenable (later.ts)';

type Outcome<T> = { fulfilled: true; value: T } | { fulfilled: false; reason: unknown };

export class Later<T> {
  private outcome?: Outcome<T>;
  private readonly reactions: Array<(outcome: Outcome<T>) => void> = [];

  private constructor(private readonly turns: Turns) {}

  /** Settled now with `value`: where an async function returned before its first `await`. */
  static resolved<T>(turns: Turns, value: T): Later<T> {
    const later = new Later<T>(turns);
    later.settle({ fulfilled: true, value });
    return later;
  }

  /** Rejected now: where an async function threw before its first `await`. */
  static rejected<T = never>(turns: Turns, reason: unknown): Later<T> {
    const later = new Later<T>(turns);
    later.settle({ fulfilled: false, reason });
    return later;
  }

  /**
   * The one native link: `promise.then(onFulfilled, onRejected)`, whose callbacks run in the reaction's own job
   * and in the caller's async context (where code after `await promise` went on). Call it where the
   * chain's owner runs: `turns` take the later links there.
   */
  static after<T, R = T>(
    turns: Turns,
    promise: PromiseLike<T>,
    onFulfilled?: (value: T) => R,
    onRejected?: (reason: unknown) => R,
  ): Later<R> {
    const later = new Later<R>(turns);
    promise.then(
      (value) =>
        onFulfilled
          ? later.settleWith(onFulfilled, value)
          : later.settle({ fulfilled: true, value: value as unknown as R }),
      (reason: unknown) =>
        onRejected ? later.settleWith(onRejected, reason) : later.settle({ fulfilled: false, reason }),
    );
    return later;
  }

  /**
   * `call()` followed as `after` follows a promise. A synchronous throw from `call` is its rejection at once,
   * where an async function's `try { await call() } catch` caught it: `onRejected` runs now, or the Later is
   * rejected now.
   */
  static call<T, R = T>(
    turns: Turns,
    call: () => PromiseLike<T>,
    onFulfilled?: (value: T) => R,
    onRejected?: (reason: unknown) => R,
  ): Later<R> {
    let promise: PromiseLike<T>;
    try {
      promise = call();
    } catch (reason) {
      const later = new Later<R>(turns);
      if (onRejected) later.settleWith(onRejected, reason);
      else later.settle({ fulfilled: false, reason });
      return later;
    }
    return Later.after(turns, promise, onFulfilled, onRejected);
  }

  /**
   * Runs `body` as an async function's opening would: a throw rejects, a plain value resolves, a Later is the
   * result. Any other thenable is refused, as a callback's is: an async function would adopt it in extra turns.
   */
  static run<T>(turns: Turns, body: () => T | Later<T>): Later<T> {
    let result: T | Later<T>;
    try {
      result = body();
    } catch (error) {
      return Later.rejected(turns, error);
    }
    if (result instanceof Later) return result;
    if (isThenable(result)) return Later.rejected(turns, new TypeError(THENABLE_REFUSED));
    return Later.resolved(turns, result);
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1) | null,
    onRejected?: ((reason: unknown) => R2) | null,
  ): Later<R1 | R2> {
    const next = new Later<R1 | R2>(this.turns);
    const react = (outcome: Outcome<T>) => {
      if (outcome.fulfilled) {
        if (onFulfilled) next.settleWith(onFulfilled, outcome.value);
        else next.settle(outcome as Outcome<R1 | R2>);
      } else if (onRejected) {
        next.settleWith(onRejected, outcome.reason);
      } else {
        next.settle(outcome);
      }
    };
    if (this.outcome) {
      const outcome = this.outcome;
      this.turns.next(() => react(outcome));
    } else {
      this.reactions.push(react);
    }
    return next;
  }

  private settleWith<A>(callback: (argument: A) => T, argument: A): void {
    let value: T;
    try {
      value = callback(argument);
    } catch (reason) {
      this.settle({ fulfilled: false, reason });
      return;
    }
    if (isThenable(value)) {
      this.settle({ fulfilled: false, reason: new TypeError(THENABLE_REFUSED) });
      return;
    }
    this.settle({ fulfilled: true, value });
  }

  private settle(outcome: Outcome<T>): void {
    if (this.outcome) return;
    this.outcome = outcome;
    for (const react of this.reactions.splice(0)) this.turns.next(() => react(outcome));
  }
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
