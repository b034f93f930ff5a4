// The lock that serialises every Vlens call and state decision of one activation (run.ts). It stands in for
// async-mutex's Mutex, which this project used until issue 25: the SDK records a stack trace for every
// promise a workflow makes, and Mutex.runExclusive makes four per call where this makes three (and the main
// loop's turn, main-loop.ts, none of its own but the two turns it waits).
//
// It must hand over in exactly the microtask turns the Mutex did, not only in the same order: the SDK matches
// a workflow's commands to its recorded history strictly in order, and when the main loop and a message
// handler (or a long poll, notifications.ts) act in the same workflow task, the turns each takes decide whose
// command comes first (test/temporal/long-poll-races.test.ts records such histories). So, as the Mutex did:
// - a caller holds the lock one turn after asking for it when it is free, one turn after the release otherwise,
//   and callers get it in the order they asked;
// - the lock is released one turn after the step settles, and the step's caller resumes one turn after that,
//   behind the next holder (which the release started).
export class StepLock {
  private held = false;
  private readonly waiting: Array<() => void> = [];
  /** Settled from the start: awaiting it costs one turn. One per lock: a promise belongs to its workflow. */
  private readonly settled: Promise<void> = Promise.resolve();

  /** Resolves once the caller holds the lock. */
  acquire(): Promise<void> {
    if (this.held) return new Promise((resume) => this.waiting.push(resume));
    this.held = true;
    return this.settled;
  }

  /** Hands the lock to the next caller in line (it resumes one turn later), or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  /** One turn: what the holder awaits after releasing, so the next holder starts first. */
  turn(): Promise<void> {
    return this.settled;
  }

  /** Runs `step` holding the lock; settles with its outcome. */
  async runExclusive<T>(step: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await step();
    } finally {
      this.release();
    }
  }
}
