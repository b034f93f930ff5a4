// `npm run bench` — the benchmarks, each on its own local stack (Temporal dev server, sandbox, worker as
// separate processes on free ports), driving the workflow directly with the Temporal client. Prints
// progress while it runs; writes bench/results/<name>[-<tag>][-quick].json (and, for throughput, the
// latency chart bench/results/latency[-quick].svg).
//
//   npm run bench                      the skeleton against the project (compare), 1, 10 and 50 users,
//                                      three interleaved pairs of runs per level (--reps=N; ~15 min)
//   npm run bench -- --quick           the same, short windows (a few minutes)
//                                      (compare ends by replaying sampled histories of both systems in this
//                                      process: the workflow code's own CPU per workflow; --replay=false skips it)
//   npm run bench -- --all             every benchmark, full size (about 40 minutes on 2 cores)
//   npm run bench -- --only=cost,overhead
//   npm run bench -- --users=10 --cpu-prof      one level, both workers profiled (.cpuprofile files and
//                                               their top self-time functions under the run's folder)
//   npm run bench -- --dispatch=default         the dev server's own dynamic config (a 50 ms task dispatch
//                                               wait); the default here is scripts/local-stack.ts's
//                                               DEV_SERVER_DYNAMIC_CONFIG, as `npm start` runs it
//   npm run bench -- --dynamic-config=history.transferProcessorMaxPollRPS=1000,history.timerProcessorMaxPollRPS=1000
//                                               exactly these dynamic config values instead
//   npm run bench -- --sqlite=default   the dev server's SQLite with SQLite's own pragmas (rollback journal,
//                                       synchronous=FULL); the default here is WAL + synchronous=normal
//   npm run bench -- --only=parked --worker=compiled --parked=10000 --worker-env=WORKER_MAX_CACHED_WORKFLOWS=100 --tag=compiled-cache100-10k
//                                       the parked benchmark with `node dist/worker/main.js` (npm run build first)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runCompareBenchmark } from './compare';
import { runCostBenchmark } from './cost';
import { runOverheadBenchmark } from './overhead';
import { runParkedBenchmark } from './parked';
import { latencyChartSvg } from './lib/svg';
import { runThroughputBenchmark } from './throughput';
import { runTuningBenchmark } from './tuning';
import { closeBenchContext, startBenchContext } from './lib/bench-context';
import { summarizeProfiles } from './lib/cpu-profile';
import { codeState, machineInfo } from './lib/machine';
import { LocalStack } from './lib/stack';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../scripts/local-stack';

const BENCHES = ['compare', 'cost', 'overhead', 'throughput', 'tuning', 'parked'] as const;
type BenchName = (typeof BENCHES)[number];

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** `--worker-env=WORKER_MAX_CACHED_WORKFLOWS=1000,WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=80` (for tuning runs). */
function workerEnvFromFlags(): Record<string, string> {
  const spec = flag('worker-env');
  if (!spec) return {};
  // Split at the first '=' only: a value may hold one itself (NODE_OPTIONS=--max-semi-space-size=4).
  return Object.fromEntries(
    spec.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/**
 * The dev server's dynamic config: DEV_SERVER_DYNAMIC_CONFIG (what `npm start` uses), none with
 * `--dispatch=default`, or exactly `--dynamic-config=KEY=JSON,KEY=JSON` (to try other settings).
 */
function dynamicConfigFromFlags(): Readonly<Record<string, unknown>> {
  const spec = flag('dynamic-config');
  if (spec !== undefined) {
    return Object.fromEntries(
      spec
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const eq = pair.indexOf('=');
          return [pair.slice(0, eq), JSON.parse(pair.slice(eq + 1)) as unknown];
        }),
    );
  }
  return flag('dispatch') === 'default' ? {} : DEV_SERVER_DYNAMIC_CONFIG;
}

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

async function main(): Promise<void> {
  LocalStack.exitOnSignals();
  // The workers run in processes of their own; the SDK's runtime here only replays histories (compare),
  // starting a replay worker per round, which it would log at INFO.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const quick = process.argv.includes('--quick');
  const only = (flag('only')?.split(',') ??
    (process.argv.includes('--all') ? [...BENCHES] : ['compare'])) as BenchName[];
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
  // The dispatch setting `npm start` uses (scripts/local-stack.ts), unless asked for the dev server's own.
  const dynamicConfig = dynamicConfigFromFlags();
  const workerMode = flag('worker') === 'compiled' ? 'compiled' : 'tsx';
  const server =
    `dev server SQLite file, ${sqlitePragmas ? 'WAL + synchronous=normal' : 'default pragmas'}; dynamic config ` +
    (Object.keys(dynamicConfig).length
      ? Object.entries(dynamicConfig)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')
      : 'the dev server defaults');
  const settings = {
    devServer: { sqlitePragmas: sqlitePragmas ?? 'SQLite defaults', dynamicConfig },
    worker:
      workerMode === 'compiled'
        ? 'node dist/worker/main.js (npm run build), dist/workflow-bundle.js'
        : 'node --import tsx worker/main.ts, bundle made at start',
  };
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const code = codeState();
  log(`benchmarks (${quick ? 'quick' : 'full'}): ${only.join(', ')}; process logs under ${runRoot}`);
  log(`settings: ${server}; worker ${settings.worker}`);
  log(
    `code: ${code.commit ?? 'unknown commit'}${code.uncommitted.length ? `, uncommitted: ${code.uncommitted.join('; ')}` : ', clean'}`,
  );

  const save = (name: string, result: unknown) => {
    const file = path.join(resultsDir, `${name}${suffix}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ benchmark: name, command, quick, server, settings, code, machine: machineInfo(), result }, null, 2)}\n`,
    );
    log(`wrote ${path.relative(process.cwd(), file)}`);
  };
  const stackSettings = { ...(sqlitePragmas ? { sqlitePragmas } : {}), dynamicConfig, worker: workerMode } as const;

  if (only.includes('compare')) {
    const users = flag('users')?.split(',').map(Number) ?? [1, 10, 50];
    const windowFor = (c: number) => (quick ? 10 : c >= 50 ? 60 : 20);
    const profile = process.argv.includes('--cpu-prof');
    const profileDir = (system: string) => path.join(runRoot, 'profiles', system);
    const result = await runCompareBenchmark({
      runRoot: path.join(runRoot, 'compare'),
      levels: users.map((concurrency) => ({ concurrency, windowS: Number(flag('window') ?? windowFor(concurrency)) })),
      warmupS: quick ? 3 : 8,
      // Three interleaved pairs per level by default: one pair's ratio strays by ±0.1-0.2 on a shared box.
      reps: Number(flag('reps') ?? (quick ? 1 : 3)),
      ...(sqlitePragmas ? { sqlitePragmas } : {}),
      dynamicConfig,
      workerEnv: workerEnvFromFlags(),
      ...(profile ? { workerNodeArgs: (system: string) => ['--cpu-prof', '--cpu-prof-dir', profileDir(system)] } : {}),
      historySample: 5,
      // The workflow code's own CPU, replayed: a figure the box's other load moves far less (--replay=false skips it).
      replay: flag('replay') === 'false' ? false : { replaysPerRound: quick ? 100 : 300, rounds: quick ? 3 : 5 },
      log,
    });
    const profiles = profile
      ? Object.fromEntries(['skeleton', 'project'].map((system) => [system, summarizeProfiles(profileDir(system), 25)]))
      : undefined;
    if (profiles) {
      for (const [system, threads] of Object.entries(profiles)) {
        for (const t of threads) {
          log(`${system} worker profile ${path.basename(t.file)}: ${t.busyMs} ms busy of ${t.totalMs} ms sampled`);
          log(
            `  by origin: ${t.byOrigin
              .slice(0, 10)
              .map((o) => `${o.origin} ${o.selfPercent}%`)
              .join(', ')}`,
          );
          for (const f of t.top.slice(0, 15))
            log(`  ${f.selfMs} ms ${f.selfPercent}%  ${f.functionName} ${f.location}`);
        }
      }
    }
    save('compare', { ...result, ...(profiles ? { profiles } : {}) });
  }

  if (only.includes('cost')) {
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'cost'), log, ...stackSettings });
    try {
      save('cost', await runCostBenchmark(ctx, { runs: quick ? 2 : 5 }));
    } finally {
      await closeBenchContext(ctx);
    }
  }

  if (only.includes('overhead')) {
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'overhead'), log, ...stackSettings });
    try {
      save('overhead', await runOverheadBenchmark(ctx, { iterations: quick ? 10 : 50 }));
    } finally {
      await closeBenchContext(ctx);
    }
  }

  if (only.includes('throughput')) {
    const workerEnv = workerEnvFromFlags();
    const ctx = await startBenchContext({ runDir: path.join(runRoot, 'throughput'), log, workerEnv, ...stackSettings });
    try {
      const levels = quick
        ? [1, 10, 50, 200].map((concurrency) => ({ concurrency, windowS: 10 }))
        : [
            { concurrency: 1, windowS: 20 },
            { concurrency: 10, windowS: 20 },
            { concurrency: 50, windowS: 60 },
            { concurrency: 200, windowS: 60 },
          ];
      const result = await runThroughputBenchmark(ctx, {
        levels,
        reps: quick ? 1 : 3,
        warmupS: quick ? 3 : 8,
        workerEnv,
      });
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
    save(
      'tuning',
      await runTuningBenchmark({
        runRoot,
        concurrency: 50,
        windowS: quick ? 15 : 30,
        warmupS: quick ? 3 : 8,
        dynamicConfig,
        log,
      }),
    );
  }

  if (only.includes('parked')) {
    const workerEnv = workerEnvFromFlags();
    const ctx = await startBenchContext({
      runDir: path.join(runRoot, 'parked'),
      log,
      workerEnv,
      ...stackSettings,
      // Parking 10,000 takes minutes: the sandbox's OTPs (Vlens's 5 minutes) must outlive it.
      sandboxEnv: { SANDBOX_OTP_TTL_SECONDS: '10800' },
    });
    try {
      const count = Number(flag('parked') ?? (quick ? 1_000 : 10_000));
      const resume = Number(flag('resume') ?? (quick ? 100 : Math.min(1_000, count)));
      save('parked', await runParkedBenchmark(ctx, { count, resume, workerEnv }));
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
