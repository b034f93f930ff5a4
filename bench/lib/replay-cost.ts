// The CPU a worker spends on one workflow's code, measured without the server: completed histories are
// replayed in this process (Worker.runReplayHistories) and the process's CPU time is divided by the number
// replayed. Nothing else on the box is counted, so the figure moves far less with the machine's other load
// than the closed loop's per-process CPU does (BENCHMARKS.md §2: ±0.2 between pairs minutes apart).
// What it covers: the workflow code in the SDK's sandbox with the SDK's bookkeeping for every promise,
// the SDK core's replay, and the data converter on every payload of the history (the project's codec,
// the skeleton's plain JSON). What it leaves out: activities, polling and the server's answers.
// It also counts the promises the workflow code creates per workflow, in a round of its own: the SDK
// records a stack trace for each one (its promise hook), so their number is what the workflow code's cost
// grows with, and unlike a time it is the same on every machine.
import v8 from 'node:v8';
import type { DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { round } from './bench-context';
import { median } from './compare';

type History = temporal.api.history.v1.IHistory;

/** One system to replay: its workflow bundle, its data converter and some of its completed histories. */
export interface ReplayTarget {
  /** A workflow bundle file, as the worker loaded it. */
  bundlePath: string;
  dataConverter?: DataConverter;
  /** Completed histories of the system; replayed over and over, round robin. */
  histories: readonly History[];
}

export interface ReplaySettings {
  /** Replays per round: enough that a round takes a few seconds. */
  replaysPerRound: number;
  rounds: number;
}

export interface ReplayCost {
  /** Median over the rounds of CPU ms (user + system) per replayed workflow. */
  cpuMsPerWorkflow: number;
  /** Each round's figure, in the order measured. */
  rounds: number[];
  /** Promises created inside the workflow sandbox, per replayed workflow (an untimed round). */
  promisesPerWorkflow: number;
  distinctHistories: number;
  replaysPerRound: number;
}

/** Replays `count` histories once; a history that does not replay is a failure of the benchmark. */
export async function replayRound(target: ReplayTarget, count: number, label: string): Promise<number> {
  const histories = Array.from({ length: count }, (_, i) => ({
    workflowId: `${label}-${i}`,
    history: target.histories[i % target.histories.length]!,
  }));
  const before = process.cpuUsage();
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: target.bundlePath },
      ...(target.dataConverter ? { dataConverter: target.dataConverter } : {}),
    },
    histories,
  )) {
    if (result.error) throw new Error(`replaying ${result.workflowId} failed: ${result.error.message}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

/**
 * Promises made by the workflow code per replayed workflow. The sandbox is its own V8 context with its own
 * `Promise`, so a promise whose constructor is not this process's `Promise` was made inside it.
 */
export async function countSandboxPromises(target: ReplayTarget, count: number): Promise<number> {
  let made = 0;
  const stop = v8.promiseHooks.onInit((promise: Promise<unknown>) => {
    if (promise.constructor !== Promise) made++;
  });
  try {
    await replayRound(target, count, 'promises');
  } finally {
    stop();
  }
  return made / count;
}

/**
 * Measures each system the same way, a round of each in turn (as the closed loops alternate, so a drift in
 * the machine hits all alike), after a full round of each that is not counted: the bundle is compiled and
 * V8 has optimised the hot paths before anything is measured.
 */
export async function measureReplayCosts<K extends string>(
  targets: Record<K, ReplayTarget>,
  settings: ReplaySettings,
): Promise<Record<K, ReplayCost>> {
  const names = Object.keys(targets) as K[];
  for (const name of names) {
    if (targets[name].histories.length === 0) throw new Error(`replay cost: no histories of ${name} to replay`);
  }
  for (const name of names) await replayRound(targets[name], settings.replaysPerRound, `${name}-warm-up`);
  const rounds = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < settings.rounds; i++) {
    for (const name of names) {
      rounds[name].push(round(await replayRound(targets[name], settings.replaysPerRound, `${name}-round-${i}`), 2));
    }
  }
  const costs = {} as Record<K, ReplayCost>;
  for (const name of names) {
    costs[name] = {
      cpuMsPerWorkflow: round(median(rounds[name]), 2),
      rounds: rounds[name],
      promisesPerWorkflow: round(await countSandboxPromises(targets[name], Math.min(50, settings.replaysPerRound)), 2),
      distinctHistories: targets[name].histories.length,
      replaysPerRound: settings.replaysPerRound,
    };
  }
  return costs;
}
