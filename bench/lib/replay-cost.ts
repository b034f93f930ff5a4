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
import { median } from './compare';

type History = temporal.api.history.v1.IHistory;

export interface ReplayCostOptions {
  /** A workflow bundle file, as the worker loaded it. */
  bundlePath: string;
  dataConverter?: DataConverter;
  /** Completed histories of one system; replayed over and over, round robin. */
  histories: readonly History[];
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

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Replays `count` histories once; a history that does not replay is a failure of the benchmark. */
async function replayRound(options: ReplayCostOptions, count: number, label: string): Promise<number> {
  const histories = Array.from({ length: count }, (_, i) => ({
    workflowId: `${label}-${i}`,
    history: options.histories[i % options.histories.length]!,
  }));
  const before = process.cpuUsage();
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: options.bundlePath },
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
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
async function countSandboxPromises(options: ReplayCostOptions, count: number): Promise<number> {
  let made = 0;
  const stop = v8.promiseHooks.onInit((promise: Promise<unknown>) => {
    if (promise.constructor !== Promise) made++;
  });
  try {
    await replayRound(options, count, 'promises');
  } finally {
    stop();
  }
  return made / count;
}

export async function measureReplayCost(options: ReplayCostOptions): Promise<ReplayCost> {
  if (options.histories.length === 0) throw new Error('replay cost: no histories to replay');
  // One short round first: the bundle is compiled and the SDK's caches filled before anything is counted.
  await replayRound(options, Math.min(50, options.replaysPerRound), 'warm-up');
  const rounds: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    rounds.push(round2(await replayRound(options, options.replaysPerRound, `round-${i}`)));
  }
  const promisesPerWorkflow = round2(await countSandboxPromises(options, Math.min(50, options.replaysPerRound)));
  return {
    cpuMsPerWorkflow: round2(median(rounds)),
    rounds,
    promisesPerWorkflow,
    distinctHistories: options.histories.length,
    replaysPerRound: options.replaysPerRound,
  };
}
