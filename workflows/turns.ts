// Microtask turns without a promise each. The SDK records a stack trace for every promise a workflow makes
// (BENCHMARKS.md §2), and an `await` makes one even on a settled promise, yet the order of a workflow
// task's commands depends on the turns each side takes (step-lock.ts). A turn here is the one an `await` on
// a settled promise takes, through a thenable: resolving a pending promise (a carrier) with an object that
// has a `then` queues one job that calls that `then`, and makes no promise; the job hands over fresh
// resolving functions of the same carrier, good for the next turn. So an owner makes as many carriers as it
// has turns pending at once (one or two), not one per turn.
//
// An owner that returns a promise of its own (the main loop, one locked step) lends it as its first carrier
// (`new Turns(own)`): it carries the owner's turns while the owner runs, and settles with the owner's outcome
// at the end (`settleOwn`). The owner's turns never overlap its end, so its promise is free to settle then;
// if it is not, settleOwn throws, and the workflow task fails loudly rather than taking other turns.
//
// The job runs in the async context the carrier was made in, not the caller's (Node's AsyncLocalStorage,
// which holds the SDK's current CancellationScope and the update being handled). So each owner (the main
// loop, one locked step of a handler) has its own Turns, makes its carriers in its own context, and a turn
// run from elsewhere (the lock handing over) uses a carrier the owner took beforehand.
type Resolve = (value: unknown) => void;
type Reject = (reason: unknown) => void;

/** Queues one turn that calls `then`. */
export type Carrier = (then: () => void) => void;

/**
 * The resolving functions of the owner's own pending promise, as its executor got them. (`never`: a promise's
 * resolve of any type fits; Turns resolves it with thenables until the end, which the type cannot say.)
 */
export interface OwnPromise {
  resolve: (value: never) => void;
  reject: (reason: unknown) => void;
}

export type Outcome = { fulfilled: true; value: unknown } | { fulfilled: false; reason: unknown };

export class Turns {
  /** Carriers made in the owner's context, each good for one more turn. */
  private readonly carriers: Carrier[] = [];
  /** The owner's promise while it carries turns: its latest resolving functions, and whether it is free. */
  private readonly own?: { resolve: Resolve; reject: Reject; free: boolean };

  constructor(own?: OwnPromise) {
    if (own) this.own = { resolve: own.resolve as Resolve, reject: own.reject, free: true };
  }

  /**
   * Calls `then` in the microtask queued now: where the code after `await settledPromise` would go on, or a
   * `.then` callback on a promise that settles now. Call it from the owner's context. `then` must not throw
   * (nothing would catch it).
   */
  next(then: () => void): void {
    this.nextOn(this.take(), then);
  }

  /** A carrier for a later turn, taken now: in the owner's context, when only the owner runs. */
  take(): Carrier {
    const own = this.own;
    if (own?.free) {
      own.free = false;
      return (then) =>
        own.resolve({
          then: (resolve: Resolve, reject: Reject) => {
            Object.assign(own, { resolve, reject, free: true });
            then();
          },
        });
    }
    const carrier = this.carriers.pop();
    if (carrier) return carrier;
    let made!: Resolve;
    void new Promise((resolve) => {
      made = resolve;
    });
    return this.carrierOf(made);
  }

  /** `next` on a carrier taken beforehand: from any context, `then` runs in the owner's. */
  nextOn(carrier: Carrier, then: () => void): void {
    carrier(then);
  }

  /**
   * Settles the owner's promise with its outcome: at once, or one turn from now (`inATurn`), where an async
   * function's promise settled after its last `await` or a `.then` on a settled promise would.
   */
  settleOwn(outcome: Outcome, inATurn: boolean): void {
    const own = this.own;
    if (!own?.free) throw new Error('turns.ts: the owner settles its promise while that promise carries a turn');
    own.free = false;
    if (!inATurn) {
      if (outcome.fulfilled) own.resolve(outcome.value);
      else own.reject(outcome.reason);
      return;
    }
    own.resolve({
      then: (resolve: Resolve, reject: Reject) => (outcome.fulfilled ? resolve(outcome.value) : reject(outcome.reason)),
    });
  }

  private carrierOf(resolve: Resolve): Carrier {
    return (then) =>
      resolve({
        then: (fresh: Resolve) => {
          this.carriers.push(this.carrierOf(fresh));
          then();
        },
      });
  }
}
