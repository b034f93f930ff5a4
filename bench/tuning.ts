// Before/after for the knobs that matter on this machine: the worker's cache size (env
// WORKER_MAX_CACHED_WORKFLOWS) and the dev server's SQLite durability (pragmas), each on a fresh stack,
// at one load level. The worker's options are env only; nothing in worker/ changes.
import path from 'node:path';
import { closeBenchContext, startBenchContext } from './lib/bench-context';
import { rssMb } from './lib/bench-context';
import { runThroughputBenchmark, type ThroughputLevel } from './throughput';

export interface TuningVariant {
  name: string;
  workerEnv: Record<string, string>;
  sqlitePragmas?: Record<string, string>;
}

export const TUNING_VARIANTS: TuningVariant[] = [
  { name: 'defaults (cache 500, SQLite synchronous=FULL rollback journal)', workerEnv: {} },
  { name: 'WORKER_MAX_CACHED_WORKFLOWS=100', workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: '100' } },
  {
    name: 'SQLite journal_mode=wal, synchronous=normal',
    workerEnv: {},
    sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' },
  },
  {
    name: 'both',
    workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: '100' },
    sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' },
  },
];

export interface TuningResult {
  concurrency: number;
  windowS: number;
  variants: Array<{
    name: string;
    workerEnv: Record<string, string>;
    sqlitePragmas?: Record<string, string>;
    level: ThroughputLevel;
    workerRssMb?: number;
  }>;
}

export async function runTuningBenchmark(options: {
  runRoot: string;
  concurrency: number;
  windowS: number;
  warmupS: number;
  dynamicConfig?: Readonly<Record<string, unknown>>;
  log: (line: string) => void;
}): Promise<TuningResult> {
  const result: TuningResult = { concurrency: options.concurrency, windowS: options.windowS, variants: [] };
  for (const [i, variant] of TUNING_VARIANTS.entries()) {
    options.log(`tuning ${i + 1}/${TUNING_VARIANTS.length}: ${variant.name}`);
    const ctx = await startBenchContext({
      runDir: path.join(options.runRoot, `tuning-${i}`),
      log: options.log,
      workerEnv: variant.workerEnv,
      ...(variant.sqlitePragmas ? { sqlitePragmas: variant.sqlitePragmas } : {}),
      ...(options.dynamicConfig ? { dynamicConfig: options.dynamicConfig } : {}),
    });
    try {
      const run = await runThroughputBenchmark(ctx, {
        levels: [{ concurrency: options.concurrency, windowS: options.windowS }],
        reps: 1,
        warmupS: options.warmupS,
        workerEnv: variant.workerEnv,
      });
      const workerRss = rssMb(ctx.stack.pid('worker'));
      result.variants.push({
        ...variant,
        level: run.levels[0]!,
        ...(workerRss !== undefined ? { workerRssMb: workerRss } : {}),
      });
    } finally {
      await closeBenchContext(ctx);
    }
  }
  return result;
}
