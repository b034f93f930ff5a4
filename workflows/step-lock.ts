// The lock that serialises every Vlens call and state decision of one activation (run.ts). It stands in for
// async-mutex's Mutex, which this project used until issue 25, and takes its turns without promises of its
// own (turns.ts): the SDK records a stack trace for every promise a workflow makes.
//
// It must hand over in exactly the microtask turns the Mutex did, not only in the same order: the SDK matches
// a workflow's commands to its recorded history strictly in order, and when the main loop and a message
// handler (or a long poll, notifications.ts) act in the same workflow task, the turns each takes decide whose
// command comes first (test/temporal/long-poll-races.test.ts records such histories). So, as the Mutex did:
// - a caller holds the lock one turn after asking for it when it is free, one turn after the release otherwise,
//   and callers get it in the order they asked;
// - the lock is released one turn after the step settles, and the step's caller resumes one turn after that,
//   behind the next holder (which the release started).
import { Later } from './later';
import { Turns, type Carrier, type Outcome } from './turns';

interface Waiting {
  turns: Turns;
  carrier: Carrier;
  holding: () => void;
}

export class StepLock {
  private held = false;
  private readonly waiting: Waiting[] = [];

  /**
   * Calls `holding` once the caller holds the lock: one turn from now when it is free, one turn after the
   * release that hands it over otherwise (where `await acquire()` went on), in the caller's context (its
   * own `turns`, turns.ts). The holder must call `release`.
   */
  whenHeld(turns: Turns, holding: () => void): void {
    if (this.held) {
      this.waiting.push({ turns, carrier: turns.take(), holding });
      return;
    }
    this.held = true;
    turns.next(holding);
  }

  /** Hands the lock to the next caller in line (it goes on one turn later), or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.turns.nextOn(next.carrier, next.holding);
    else this.held = false;
  }

  /**
   * Runs `step` holding the lock; settles with its outcome where `async` code that awaited the lock and then
   * the step settled. `extraTurns` 1: where an async function that returned this promise settled (the message
   * handlers that were async functions; their histories were recorded with that turn). A step may return a
   * Later (later.ts) on the `turns` it is given: written as the async function it was, with fewer promises.
   */
  runExclusive<T>(step: (turns: Turns) => T | Promise<T> | Later<T>, extraTurns: 0 | 1 = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Made in the caller's context, its steps run there; the promise returned carries their turns (turns.ts).
      const turns = new Turns({ resolve, reject });
      const settle = (outcome: Outcome) => {
        this.release();
        turns.settleOwn(outcome, extraTurns === 1);
      };
      this.whenHeld(turns, () => {
        let result: T | Promise<T> | Later<T>;
        try {
          result = step(turns);
        } catch (reason) {
          settle({ fulfilled: false, reason });
          return;
        }
        const settled = (value: T) => settle({ fulfilled: true, value });
        const failed = (reason: unknown) => settle({ fulfilled: false, reason });
        if (result instanceof Later) {
          result.then(settled, failed);
        } else if (result instanceof Promise) {
          result.then(settled, failed);
        } else {
          const value = result;
          turns.next(() => settled(value));
        }
      });
    });
  }
}
