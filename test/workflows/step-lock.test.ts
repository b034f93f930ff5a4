// The lock and the turns it takes without promises (workflows/step-lock.ts, workflows/turns.ts), against the
// async code they replaced: every caller must go on in exactly the microtask turn it did, since the order of a
// workflow task's commands follows those turns (a history recorded with the old code must replay). A probe
// writes down each turn, so a turn gained or lost anywhere shows as a different log.
import { AsyncLocalStorage } from 'node:async_hooks';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { StepLock } from '../../workflows/step-lock';
import { Turns } from '../../workflows/turns';
import { drained, probe } from './turn-probe';

/** The lock as it was before turns.ts (async functions, one promise per turn), the reference. */
class AsyncStepLock {
  private held = false;
  private readonly waiting: Array<() => void> = [];
  private readonly settled = Promise.resolve();

  acquire(): Promise<void> {
    if (this.held) return new Promise((resume) => this.waiting.push(resume));
    this.held = true;
    return this.settled;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  async runExclusive<T>(step: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await step();
    } finally {
      this.release();
    }
  }
}

type Run = <T>(step: () => T | Promise<T>, asAsyncWrapper: boolean) => Promise<T>;

/** Callers in one task: steps that await, settle at once, throw, return a plain value; some in an async wrapper. */
async function scenario(run: Run): Promise<string[]> {
  const log: string[] = [];
  probe(log, 30);
  const caller = (name: string, step: () => unknown, asAsyncWrapper = false, sync = false) =>
    run(
      sync
        ? () => {
            log.push(`${name} holds`);
            return step();
          }
        : async () => {
            log.push(`${name} holds`);
            return step();
          },
      asAsyncWrapper,
    ).then(
      (value) => log.push(`${name} got ${String(value)}`),
      (error: Error) => log.push(`${name} failed ${error.message}`),
    );
  void caller('a', async () => {
    await Promise.resolve();
    await Promise.resolve();
    return 'a';
  });
  void caller('b', () => 'b');
  void caller('c', () => {
    throw new Error('c');
  });
  void caller('d', async () => 'd', true);
  void caller('e', () => 'e', false, true); // a step that is no async function
  void caller(
    'f',
    () => {
      throw new Error('f');
    },
    true,
    true,
  );
  await drained();
  return log;
}

describe('StepLock', () => {
  it('hands over and settles in the turns of the async lock it replaced', async () => {
    const reference = new AsyncStepLock();
    const before = await scenario(<T>(step: () => T | Promise<T>, asAsyncWrapper: boolean) =>
      asAsyncWrapper
        ? (async () => reference.runExclusive(step))() // an async function returning the lock's promise
        : reference.runExclusive(step),
    );
    const lock = new StepLock();
    const now = await scenario(<T>(step: () => T | Promise<T>, asAsyncWrapper: boolean) =>
      lock.runExclusive(step, asAsyncWrapper ? 1 : 0),
    );
    expect(now).toEqual(before);
    // The scenario really interleaves: the callers' lines fall between the probe's turns.
    expect(before.indexOf('a got a')).toBeGreaterThan(before.indexOf('turn 3'));
    expect(before.indexOf('e got e')).toBeLessThan(before.indexOf('turn 30'));
    expect(before).toContain('c failed c');
  });

  it('runs a waiting step in the async context it asked from, whoever releases the lock', async () => {
    const context = new AsyncLocalStorage<string>();
    const lock = new StepLock();
    const seen: Array<string | undefined> = [];
    const step = (name: string) => () =>
      context.run(name, () =>
        lock.runExclusive(async () => {
          seen.push(context.getStore());
          await Promise.resolve();
        }),
      );
    await Promise.all([step('first')(), step('second')(), step('third')()]);
    expect(seen).toEqual(['first', 'second', 'third']);
  });
});

describe('Turns', () => {
  it('goes on where an await on a settled promise would', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const settled = Promise.resolve();
    void (async () => {
      await settled;
      log.push('await 1');
      await settled;
      log.push('await 2');
    })();
    turns.next(() => {
      log.push('turn 1');
      turns.next(() => log.push('turn 2'));
    });
    void settled.then(() => log.push('then 1'));
    await drained();
    expect(log).toEqual(['await 1', 'turn 1', 'then 1', 'await 2', 'turn 2']);
  });

  it("carries the owner's turns on the owner's promise, which then settles where the async code's did", async () => {
    const settled = Promise.resolve();
    const timeline = async (start: (done: (value: unknown) => void) => void) => {
      const log: string[] = [];
      probe(log, 8);
      start((value) => log.push(`settled ${String(value)}`));
      await drained();
      return log;
    };
    // The reference: an async function that takes two turns, then returns.
    const reference = await timeline((done) => {
      void (async () => {
        await settled;
        await settled;
        return 'x';
      })().then(done);
    });
    let made = 0;
    const owned = await timeline((done) => {
      const stop = v8.promiseHooks.onInit(() => made++);
      try {
        void new Promise<string>((resolve, reject) => {
          const turns = new Turns({ resolve, reject });
          turns.next(() => turns.next(() => turns.settleOwn({ fulfilled: true, value: 'x' }, false)));
        }).then(done);
      } finally {
        stop();
      }
    });
    expect(owned).toEqual(reference);
    expect(reference.indexOf('settled x')).toBeGreaterThan(reference.indexOf('turn 2'));
    expect(made).toBe(2); // the owner's promise and the caller's .then: no carrier of its own
  });

  it("settles the owner's promise a turn later when asked, and refuses while it carries a turn", async () => {
    const log: string[] = [];
    const failed = new Promise((resolve, reject) => {
      const turns = new Turns({ resolve, reject });
      turns.settleOwn({ fulfilled: false, reason: new Error('late') }, true);
      void Promise.resolve().then(() => log.push('a turn'));
    });
    await expect(failed).rejects.toThrow('late');
    expect(log).toEqual(['a turn']);
    const busy = new Turns({ resolve: () => undefined, reject: () => undefined });
    busy.next(() => undefined);
    expect(() => busy.settleOwn({ fulfilled: true, value: 1 }, false)).toThrow(/carries a turn/);
  });

  it('makes no promise per turn once it has a carrier', async () => {
    const turns = new Turns();
    await new Promise<void>((resolve) => turns.next(resolve)); // the first carrier
    const promisesFor = async (count: number) => {
      let made = 0;
      const stop = v8.promiseHooks.onInit(() => made++);
      try {
        await new Promise<void>((resolve) => {
          const go = (left: number) => (left === 0 ? resolve() : turns.next(() => go(left - 1)));
          go(count);
        });
      } finally {
        stop();
      }
      return made;
    };
    const one = await promisesFor(1);
    expect(one).toBeGreaterThan(0); // the hook counts: the promise awaited here
    expect(await promisesFor(100)).toBe(one);
  });
});
