// Throughput: closed-loop load at rising concurrency (C virtual users, each running happy-path activations
// back to back through the Temporal client). Per run: activations completed per second within the window,
// and p50/p95/p99 of the whole activation, of submitOtp (the update round trip) and of the start call;
// CPU seconds per process. Each level is repeated; the report gives medians and the spread.
import type { BenchContext } from './lib/bench-context';
import { median, percentile, round, rssMb } from './lib/bench-context';
import { CPU_PROCESSES, cpuMsPerWorkflowOf, spreadSample } from './lib/compare';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './lib/cpu';
import type { StepTimes } from './lib/temporal-driver';
import { TemporalDriver } from './lib/temporal-driver';
import { workflowIdFor } from '../contract/types';

/** One virtual user's way of running an activation start to finish: the project's or the skeleton's. */
export interface ActivationDriver {
  readonly counters: { rejectedUpdates: number };
  runOne(): Promise<{ workflowId: string; times: StepTimes }>;
}

/** The project's driver (bench/lib/temporal-driver.ts), polling the SMS inbox less often as users grow. */
export function projectDriver(ctx: BenchContext, concurrency: number): ActivationDriver {
  // Poll the SMS inbox less often when many users wait at once, so the driver does not load the sandbox.
  const driver = new TemporalDriver(
    ctx.client,
    ctx.stack.sandboxUrl,
    ctx.stack.taskQueue,
    concurrency >= 50 ? 50 : concurrency >= 10 ? 25 : 10,
  );
  return {
    counters: driver.counters,
    async runOne() {
      const { requestId, times } = await driver.run();
      return { workflowId: workflowIdFor(requestId), times };
    },
  };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface ThroughputRun {
  concurrency: number;
  rep: number;
  windowS: number;
  completed: number;
  perSecond: number;
  errors: number;
  total: Percentiles;
  submitOtp: Percentiles;
  start: Percentiles;
  otpDelivered: Percentiles;
  paymentToDone: Percentiles;
  /** CPU seconds used during the window, per process. */
  cpuSeconds: Partial<CpuSnapshot>;
  workerRssMb?: number;
  rejectedUpdates: number;
  /** How long the activations still in flight at the window's end took to finish. */
  drainS: number;
  /** A few activations completed in the window, for reading their histories back. */
  sampleWorkflowIds?: string[];
}

export interface ThroughputLevel {
  concurrency: number;
  runs: number;
  windowS: number;
  perSecond: { median: number; min: number; max: number };
  total: { median: Percentiles; min: Percentiles; max: Percentiles };
  submitOtp: { median: Percentiles; min: Percentiles; max: Percentiles };
  start: { median: Percentiles; min: Percentiles; max: Percentiles };
  /** Median CPU milliseconds per completed activation, per process. */
  cpuMsPerActivation: Partial<CpuSnapshot>;
}

export interface ThroughputResult {
  levels: ThroughputLevel[];
  runs: ThroughputRun[];
  goal: {
    perSecond: number;
    submitOtpP99Ms: number;
    windowS: number;
    evaluated: boolean;
    met: boolean;
    best?: { concurrency: number; perSecond: number; submitOtpP99: number };
  };
  workerEnv: Record<string, string>;
}

const pct = (values: number[]): Percentiles => ({
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  p99: round(percentile(values, 99)),
});

function spread(list: Percentiles[]) {
  const pick = (f: (values: number[]) => number) => ({
    p50: round(f(list.map((p) => p.p50))),
    p95: round(f(list.map((p) => p.p95))),
    p99: round(f(list.map((p) => p.p99))),
  });
  return { median: pick(median), min: pick((v) => Math.min(...v)), max: pick((v) => Math.max(...v)) };
}

/** One level's figures from its runs: medians, with the spread of the rates and latencies. */
export function summarizeLevel(
  level: { concurrency: number; windowS: number },
  mine: ThroughputRun[],
): ThroughputLevel {
  const rates = mine.map((r) => r.perSecond);
  const perRun = mine.map(cpuMsPerWorkflowOf);
  const cpuMsPerActivation: Partial<CpuSnapshot> = {};
  for (const key of CPU_PROCESSES) {
    const values = perRun.map((cpu) => cpu[key] ?? NaN).filter(Number.isFinite);
    if (values.length) cpuMsPerActivation[key] = round(median(values));
  }
  return {
    concurrency: level.concurrency,
    runs: mine.length,
    windowS: level.windowS,
    perSecond: { median: round(median(rates), 2), min: Math.min(...rates), max: Math.max(...rates) },
    total: spread(mine.map((r) => r.total)),
    submitOtp: spread(mine.map((r) => r.submitOtp)),
    start: spread(mine.map((r) => r.start)),
    cpuMsPerActivation,
  };
}

/**
 * C users run activations back to back for warmup + window seconds. Activations that complete inside the
 * window count (whenever they started), so the rate is the steady-state rate; then in-flight ones drain.
 */
async function closedLoop(
  ctx: ThroughputContext,
  driver: ActivationDriver,
  concurrency: number,
  warmupS: number,
  windowS: number,
  progress: (elapsedS: number, done: number) => void,
): Promise<{ times: StepTimes[]; workflowIds: string[]; errors: number; windowMs: number; drainMs: number }> {
  const begin = performance.now() + warmupS * 1000;
  const end = begin + windowS * 1000;
  const times: StepTimes[] = [];
  let errors = 0;
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - begin) / 1000;
    if (elapsed > 0 && elapsed < windowS) progress(elapsed, times.length);
  }, 10_000);
  const workflowIds: string[] = [];
  const users = Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      try {
        const { workflowId, times: t } = await driver.runOne();
        const now = performance.now();
        if (now >= begin && now <= end) {
          times.push(t);
          workflowIds.push(workflowId);
        }
      } catch (error) {
        errors++;
        if (errors <= 5) ctx.log(`    activation failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });
  await Promise.all(users);
  clearInterval(ticker);
  return { times, workflowIds, errors, windowMs: windowS * 1000, drainMs: Math.max(0, performance.now() - end) };
}

/** What a throughput run needs of its stack: the processes to measure, a log, and a driver per level. */
export type ThroughputContext = Pick<BenchContext, 'stack' | 'log'>;

export async function runThroughputBenchmark(
  ctx: ThroughputContext,
  options: {
    levels: Array<{ concurrency: number; windowS: number }>;
    reps: number;
    warmupS: number;
    workerEnv: Record<string, string>;
    /** The users' driver; default the project's (needs a BenchContext). */
    makeDriver?: (concurrency: number) => ActivationDriver;
  },
): Promise<ThroughputResult> {
  const makeDriver = options.makeDriver ?? ((concurrency: number) => projectDriver(ctx as BenchContext, concurrency));
  ctx.log(
    `throughput: concurrency ${options.levels.map((l) => `${l.concurrency} (${l.windowS}s)`).join(', ')}; ${options.reps} run(s) each`,
  );
  const runs: ThroughputRun[] = [];
  for (const level of options.levels) {
    for (let rep = 1; rep <= options.reps; rep++) {
      const driver = makeDriver(level.concurrency);
      let before: CpuSnapshot | undefined;
      // CPU is measured over the window only: snapshot when it opens.
      const snap = setTimeout(() => (before = cpuSnapshot(ctx.stack)), options.warmupS * 1000);
      let after: CpuSnapshot | undefined;
      const snapEnd = setTimeout(() => (after = cpuSnapshot(ctx.stack)), (options.warmupS + level.windowS) * 1000);
      const { times, workflowIds, errors, windowMs, drainMs } = await closedLoop(
        ctx,
        driver,
        level.concurrency,
        options.warmupS,
        level.windowS,
        (s, done) =>
          ctx.log(
            `  c=${level.concurrency} run ${rep}/${options.reps}: ${s.toFixed(0)}s into the window, ${done} completed (${(done / s).toFixed(1)}/s)`,
          ),
      );
      clearTimeout(snap);
      clearTimeout(snapEnd);
      // On a loaded machine the window's last activation can end before the late timer has fired: the
      // snapshot is then taken now, a few milliseconds late, rather than leaving the CPU figures out.
      after ??= before ? cpuSnapshot(ctx.stack) : undefined;
      const cpu = before && after ? cpuDelta(before, after) : {};
      const run: ThroughputRun = {
        concurrency: level.concurrency,
        rep,
        windowS: level.windowS,
        completed: times.length,
        perSecond: round(times.length / (windowMs / 1000), 2),
        errors,
        total: pct(times.map((t) => t.total)),
        submitOtp: pct(times.map((t) => t.submitOtp)),
        start: pct(times.map((t) => t.start)),
        otpDelivered: pct(times.map((t) => t.otpDelivered ?? NaN).filter(Number.isFinite)),
        paymentToDone: pct(times.map((t) => t.paymentToDone)),
        cpuSeconds: cpu,
        ...(rssMb(ctx.stack.pid('worker')) !== undefined ? { workerRssMb: rssMb(ctx.stack.pid('worker')) } : {}),
        rejectedUpdates: driver.counters.rejectedUpdates,
        drainS: round(drainMs / 1000),
        sampleWorkflowIds: spreadSample(workflowIds, 10),
      };
      runs.push(run);
      ctx.log(
        `  c=${level.concurrency} run ${rep}: ${run.perSecond}/s; activation p50/p95/p99 ${run.total.p50}/${run.total.p95}/${run.total.p99} ms; ` +
          `submitOtp ${run.submitOtp.p50}/${run.submitOtp.p95}/${run.submitOtp.p99} ms; start ${run.start.p50}/${run.start.p95}/${run.start.p99} ms` +
          `${errors ? `; ${errors} errors` : ''}; CPU s ${JSON.stringify(cpu)}`,
      );
    }
  }
  const levels = options.levels.map((level) =>
    summarizeLevel(
      level,
      runs.filter((r) => r.concurrency === level.concurrency),
    ),
  );
  const GOAL = { perSecond: 40, submitOtpP99Ms: 150, windowS: 60 };
  const eligible = levels.filter((l) => l.windowS >= GOAL.windowS);
  const best = [...eligible].sort((a, b) => b.perSecond.median - a.perSecond.median)[0];
  const met = eligible.some(
    (l) => l.perSecond.median >= GOAL.perSecond && l.submitOtp.median.p99 < GOAL.submitOtpP99Ms,
  );
  return {
    levels,
    runs,
    goal: {
      ...GOAL,
      evaluated: eligible.length > 0,
      met,
      ...(best
        ? {
            best: {
              concurrency: best.concurrency,
              perSecond: best.perSecond.median,
              submitOtpP99: best.submitOtp.median.p99,
            },
          }
        : {}),
    },
    workerEnv: options.workerEnv,
  };
}
