// What the turn-by-turn tests of the workflow's promise-free code share (step-lock.test.ts, later.test.ts):
// a probe that writes down every microtask turn, and a wait until every queued microtask has run.

/** Writes `turn N` into the log at each of the next `count` turns. */
export function probe(log: string[], count: number): void {
  const tick = (n: number) => {
    log.push(`turn ${n}`);
    if (n < count) void Promise.resolve().then(() => tick(n + 1));
  };
  void Promise.resolve().then(() => tick(1));
}

/** Lets every queued microtask run. */
export const drained = () => new Promise((resolve) => setTimeout(resolve, 0));
