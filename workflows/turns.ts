// Microtask turns without a promise each. The SDK records a stack trace for every promise a workflow makes
// (BENCHMARKS.md §2), and an `await` makes one even on a settled promise, yet the order of a workflow
// task's commands depends on the turns each side takes (step-lock.ts). A turn here is the one an `await` on
// a settled promise takes, through a thenable: resolving a pending promise (a carrier) with an object that
// has a `then` queues one job that calls that `then`, and makes no promise; the job hands over fresh
// resolving functions of the same carrier, good for the next turn. So an owner makes as many carriers as it
// has turns pending at once (one or two), not one per turn.
//
// The job runs in the async context the carrier was made in, not the caller's (Node's AsyncLocalStorage,
// which holds the SDK's current CancellationScope and the update being handled). So each owner (the main
// loop, one locked step of a handler) has its own Turns, makes its carriers in its own context, and a turn
// run from elsewhere (the lock handing over) uses a carrier the owner took beforehand.
type Resolve = (value: unknown) => void;

export type Carrier = Resolve;

export class Turns {
  /** Resolving functions of pending carriers made in the owner's context, each good for one more turn. */
  private readonly carriers: Resolve[] = [];

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
    const carrier = this.carriers.pop();
    if (carrier) return carrier;
    let made!: Resolve;
    void new Promise((resolve) => {
      made = resolve;
    });
    return made;
  }

  /** `next` on a carrier taken beforehand: from any context, `then` runs in the owner's. */
  nextOn(carrier: Carrier, then: () => void): void {
    carrier({
      then: (resolve: Resolve) => {
        this.carriers.push(resolve);
        then();
      },
    });
  }
}
