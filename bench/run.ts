// `npm run bench` — the benchmarks, each on its own local stack (Temporal dev server, sandbox, worker as
// separate processes on free ports), driving the workflow directly with the Temporal client. Prints
// progress while it runs; writes bench/results/<name>[-quick].json and the latency chart
// bench/results/latency[-quick].svg.
//
//   npm run bench                      everything, full size (about 25 minutes on 2 cores)
//   npm run bench -- --quick           a short run of everything (a few minutes)
//   npm run bench -- --only=cost,overhead
//   npm run bench -- --sqlite=default   the dev server's SQLite as `npm start` runs it (rollback journal,
//                                       synchronous=FULL); the default here is WAL + synchronous=normal
//   npm run bench -- --only=parked --worker-env=WORKER_MAX_CACHED_WORKFLOWS=100 --tag=cache100
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCostBenchmark } from './cost';
import { runOverheadBenchmark } from './overhead';
import { runParkedBenchmark } from './parked';
import { latencyChartSvg } from './lib/svg';
import { runThroughputBenchmark } from './throughput';
import { runTuningBenchmark } from './tuning';
import { closeBenchContext, startBenchContext } from './lib/bench-context';
import { machineInfo } from './lib/machine';
import { LocalStack } from './lib/stack';

const BENCHES = ['cost', 'overhead', 'throughput', 'tuning', 'parked'] as const;
type BenchName = (typeof BENCHES)[number];

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** `--worker-env=WORKER_MAX_CACHED_WORKFLOWS=1000,WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=80` (for tuning runs). */
function workerEnvFromFlags(): Record<string, string> {
  const spec = flag('worker-env');
  if (!spec) return {};
  return Object.fromEntries(spec.split(',').map((pair) => pair.split('=') as [string, string]));
}

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

async function main(): Promise<void> {
  LocalStack.exitOnSignals();
  const quick = process.argv.includes('--quick');
  const only = (flag('only')?.split(',') ?? [...BENCHES]) as BenchName[];
  const unknown = only.filter((b) => !BENCHES.includes(b));
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
  const resultsDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  mkdirSync(resultsDir, { recursive: true });
  const runRoot = path.join(os.tmpdir(), 'vlens-bench', new Date().toISOString().replace(/[:.]/g, '-'));
  const tag = flag('tag') ? `-${flag('tag')}` : '';
  const suffix = `${tag}${quick ? '-quick' : ''}`;
  // WAL + synchronous=normal survives a killed process (only an OS crash can lose the last commits); the
  // rollback journal with synchronous=FULL fsyncs several times per transaction. See the tuning benchmark.
  const sqlitePragmas = flag('sqlite') === 'default' ? undefined : { journal_mode: 'wal', synchronous: 'normal' };
  const server = sqlitePragmas ? 'dev server SQLite file, WAL + synchronous=normal' : 'dev server SQLite file, default pragmas';
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  log(`benchmarks (${quick ? 'quick' : 'full'}): ${only.join(', ')}; process logs under ${runRoot}`);

  const save = (name: string, result: unknown) => {
    const file = path.join(resultsDir, `${name}${suffix}.json`);
    writeFileSync(file, `${JSON.stringify({ benchmark: name, command, quick, server, machine: machineInfo(), result }, null, 2)}\n`);
    log(`wrote ${path.relative(process.cwd(), file)}`);
  };

  if (only.includes('cost')) {
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'cost'), log, ...(sqlitePragmas ? { sqlitePragmas } : {}) });
    try {
      save('cost', await runCostBenchmark(ctx, { runs: quick ? 2 : 5 }));
    } finally {
      await closeBenchContext(ctx);
    }
  }

  if (only.includes('overhead')) {
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'overhead'), log, ...(sqlitePragmas ? { sqlitePragmas } : {}) });
    try {
      save('overhead', await runOverheadBenchmark(ctx, { iterations: quick ? 10 : 50 }));
    } finally {
      await closeBenchContext(ctx);
    }
  }

  if (only.includes('throughput')) {
    const workerEnv = workerEnvFromFlags();
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'throughput'), log, workerEnv, ...(sqlitePragmas ? { sqlitePragmas } : {}) });
    try {
      const levels = quick
        ? [1, 10, 50, 200].map((concurrency) => ({ concurrency, windowS: 10 }))
        : [
            { concurrency: 1, windowS: 20 },
            { concurrency: 10, windowS: 20 },
            { concurrency: 50, windowS: 60 },
            { concurrency: 200, windowS: 60 },
          ];
      const result = await runThroughputBenchmark(ctx, { levels, reps: quick ? 1 : 3, warmupS: quick ? 3 : 8, workerEnv });
      save('throughput', result);
      const machine = machineInfo();
      const svg = latencyChartSvg(
        result.levels,
        `${machine.cpus} x ${machine.cpuModel}, ${machine.date.slice(0, 10)}; medians of ${quick ? 1 : 3} run(s) per level; ` +
          `worker env ${JSON.stringify(workerEnv)}; ${server}; ${quick ? 'quick run' : 'full run'}`,
      );
      const svgFile = path.join(resultsDir, `latency${suffix}.svg`);
      writeFileSync(svgFile, svg);
      log(`wrote ${path.relative(process.cwd(), svgFile)}`);
    } finally {
      await closeBenchContext(ctx);
    }
  }

  if (only.includes('tuning')) {
    save('tuning', await runTuningBenchmark({ runRoot, concurrency: 50, windowS: quick ? 15 : 30, warmupS: quick ? 3 : 8, log }));
  }

  if (only.includes('parked')) {
    const workerEnv = workerEnvFromFlags();
    const ctx = await startBenchContext({
      runDir: path.join(runRoot, 'parked'),
      log,
      workerEnv,
      ...(sqlitePragmas ? { sqlitePragmas } : {}),
      // Parking 10,000 takes minutes: the sandbox's OTPs (Vlens's 5 minutes) must outlive it.
      sandboxEnv: { SANDBOX_OTP_TTL_SECONDS: '10800' },
    });
    try {
      save('parked', await runParkedBenchmark(ctx, { count: quick ? 1_000 : 10_000, resume: quick ? 100 : 1_000, workerEnv }));
    } finally {
      await closeBenchContext(ctx);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
