// Later (workflows/later.ts) against the native promise chains it stands in for: each scenario runs once with
// promises and once with Laters beside a probe that writes down every microtask turn, so a link that runs a
// turn early or late shows as a different log.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Later } from '../../workflows/later';
import { Turns } from '../../workflows/turns';
import { drained, probe } from './turn-probe';

/** A promise or a Later, as the scenario uses them. */
interface Chain<T> {
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1) | null,
    onRejected?: ((reason: unknown) => R2) | null,
  ): Chain<R1 | R2>;
}

/** What a scenario builds its chains from: native promises, or Laters over one Turns. */
interface Kit {
  /** A chain's first link on an SDK-like promise, with the callbacks run in its reaction. */
  after<T, R>(promise: Promise<T>, onFulfilled: (value: T) => R, onRejected?: (reason: unknown) => R): Chain<R>;
  resolved<T>(value: T): Chain<T>;
  rejected(reason: unknown): Chain<never>;
}

const native: () => Kit = () => ({
  after: (promise, onFulfilled, onRejected) => promise.then(onFulfilled, onRejected),
  resolved: (value) => Promise.resolve(value),
  rejected: (reason) => Promise.reject(reason as Error),
});

const laters: () => Kit = () => {
  const turns = new Turns();
  return {
    after: (promise, onFulfilled, onRejected) => Later.after(turns, promise, onFulfilled, onRejected),
    resolved: (value) => Later.resolved(turns, value),
    rejected: (reason) => Later.rejected(turns, reason),
  };
};

/** Chains of each shape the steps use, started together, some on promises that settle a few turns later. */
async function scenario(kit: Kit): Promise<string[]> {
  const log: string[] = [];
  probe(log, 25);
  const later = <T>(value: T, turns: number, fail = false): Promise<T> =>
    new Promise((resolve, reject) => {
      const go = (left: number) =>
        left === 0 ? (fail ? reject(new Error(String(value))) : resolve(value)) : queueMicrotask(() => go(left - 1));
      go(turns);
    });
  const note = (name: string) => ({
    ok: (value: unknown) => log.push(`${name} got ${String(value)}`),
    failed: (error: unknown) => log.push(`${name} failed ${(error as Error).message}`),
  });
  // A step that waits on one call, then two links, then its caller's link.
  const a = kit.after(later('a', 3), (value) => `${value}1`).then((value) => `${value}2`);
  a.then(note('a').ok, note('a').failed);
  // A rejection passed on by a link without onRejected, caught by the next.
  kit
    .after(later('b', 2, true), (value) => value)
    .then((value) => `${value}!`)
    .then(undefined, (error: unknown) => `caught ${(error as Error).message}`)
    .then(note('b').ok, note('b').failed);
  // A callback that throws.
  kit
    .after(later('c', 1), () => {
      throw new Error('c threw');
    })
    .then(note('c').ok, note('c').failed);
  // Settled at once, followed at once and one turn later; two callbacks on one link, in order.
  const d = kit.resolved('d');
  d.then(note('d1').ok);
  void Promise.resolve().then(() => {
    d.then(note('d2').ok);
  });
  kit.rejected(new Error('e')).then(note('e').ok, note('e').failed);
  const f = kit.after(later('f', 4), (value) => value);
  f.then(note('f1').ok);
  f.then((value) => `${value}+`).then(note('f2').ok);
  await drained();
  return log;
}

describe('Later', () => {
  it('settles every link in the turn the native promise chain did', async () => {
    const reference = await scenario(native());
    expect(await scenario(laters())).toEqual(reference);
    // The scenario really interleaves with the probe.
    expect(reference.indexOf('a got a12')).toBeGreaterThan(reference.indexOf('turn 4'));
    expect(reference).toContain('b got caught b');
    expect(reference).toContain('c failed c threw');
  });

  it('refuses a step or callback that returns a thenable, which a promise would adopt in extra turns', async () => {
    const turns = new Turns();
    const outcome = await new Promise((resolve) =>
      Later.resolved(turns, 1)
        .then(() => Promise.resolve(2))
        .then(resolve, (error: unknown) => resolve((error as Error).message)),
    );
    expect(outcome).toMatch(/returned a thenable/);
    const run = await new Promise((resolve) =>
      Later.run(turns, () => Promise.resolve(3)).then(resolve, (error: unknown) => resolve((error as Error).message)),
    );
    expect(run).toMatch(/returned a thenable/);
  });

  it('makes one promise for a chain of links, where native code makes one per link', async () => {
    const count = async (kit: Kit) => {
      const source = Promise.resolve(0);
      let made = 0;
      const stop = v8.promiseHooks.onInit(() => made++);
      try {
        let chain = kit.after(source, (value) => value + 1);
        for (let i = 0; i < 10; i++) chain = chain.then((value) => value + 1);
        chain.then(() => undefined);
      } finally {
        stop();
      }
      await drained();
      return made;
    };
    const viaLaters = laters();
    await count(viaLaters); // the Turns' first carrier
    expect(await count(native())).toBe(12);
    expect(await count(viaLaters)).toBeLessThanOrEqual(2); // the one native link, and at most one carrier
  });
});
