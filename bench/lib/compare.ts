// Pure helpers of the skeleton comparison (bench/compare.ts): the figures of one system at one load level,
// the ratios project / skeleton, the goals of the performance issue checked against them, and the markdown
// tables that bench/compare.ts prints and bench/report.ts puts in BENCHMARKS.md. No I/O here, so
// test/bench/compare.test.ts can check every number.
import type { ReplayCost } from './replay-cost';
import type { Percentiles, ThroughputLevel } from '../throughput';

/** The processes whose CPU is counted per workflow. `sandbox` (the Vlens stand-in) exists for the project only. */
export const CPU_PROCESSES = ['temporal', 'worker', 'sandbox', 'driver'] as const;
export type CpuProcess = (typeof CPU_PROCESSES)[number];

export interface SystemFigures {
  completed: number;
  errors: number;
  perSecond: number;
  submitOtp: Percentiles;
  total: Percentiles;
  /** CPU milliseconds per completed workflow, per process. */
  cpuMsPerWorkflow: Partial<Record<CpuProcess, number>>;
  /** Server + worker: the orchestration itself, without the Vlens stand-in and the load generator. */
  cpuMsServerAndWorker: number;
  /** Median number of history events of the sampled workflows. */
  historyEvents: number;
  /** Event types of one sampled workflow's history, with their counts. */
  eventTypes?: Record<string, number>;
  rejectedUpdates: number;
}

export interface Ratios {
  perSecond: number;
  submitOtpP50: number;
  submitOtpP99: number;
  cpuTemporal: number;
  cpuWorker: number;
  cpuDriver: number;
  cpuServerAndWorker: number;
  historyEvents: number;
}

/** The ratios of one interleaved pair of runs: a skeleton run, then a project run right after it. */
export interface PairedRatios {
  perSecond: number;
  cpuServerAndWorker: number;
}

export interface CompareLevel {
  concurrency: number;
  windowS: number;
  skeleton: SystemFigures;
  project: SystemFigures;
  /** project / skeleton, each: the ratio of the two systems' medians over their runs. */
  ratios: Ratios;
  /** One entry per interleaved pair of runs (with --reps above 1), to show how far a single pair strays. */
  pairs?: PairedRatios[];
  /** The machine's 1-minute load average when the level ended (others share it; see BENCHMARKS.md). */
  loadAverage1m?: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * project / skeleton to two decimals. NaN when either side is missing or the skeleton's is 0, so a table
 * shows "—" rather than a ratio of nothing.
 */
export function ratio(project: number | undefined, skeleton: number | undefined): number {
  if (
    project === undefined ||
    skeleton === undefined ||
    !Number.isFinite(project) ||
    !Number.isFinite(skeleton) ||
    skeleton === 0
  )
    return NaN;
  return round(project / skeleton, 2);
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Up to `n` items spread evenly over the list (early, middle and late activations of a window). */
export function spreadSample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** One system's figures at one level, from its throughput level (medians over runs) and sampled histories. */
export function systemFigures(
  level: ThroughputLevel,
  runs: Array<{ completed: number; errors: number; rejectedUpdates: number }>,
  historyEventCounts: number[],
): SystemFigures {
  const cpu = level.cpuMsPerActivation as Partial<Record<CpuProcess, number>>;
  return {
    completed: runs.reduce((n, r) => n + r.completed, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    perSecond: level.perSecond.median,
    submitOtp: level.submitOtp.median,
    total: level.total.median,
    cpuMsPerWorkflow: Object.fromEntries(CPU_PROCESSES.filter((p) => cpu[p] !== undefined).map((p) => [p, cpu[p]])),
    cpuMsServerAndWorker: round((cpu.temporal ?? NaN) + (cpu.worker ?? NaN), 1),
    historyEvents: median(historyEventCounts),
    rejectedUpdates: runs.reduce((n, r) => n + r.rejectedUpdates, 0),
  };
}

/** What pairing needs of a closed-loop run (bench/throughput.ts ThroughputRun). */
export interface RunLike {
  completed: number;
  perSecond: number;
  cpuSeconds: Partial<Record<CpuProcess, number>>;
}

/** CPU milliseconds per completed workflow of one run, per process (the processes it measured). */
export function cpuMsPerWorkflowOf(
  run: Pick<RunLike, 'completed' | 'cpuSeconds'>,
): Partial<Record<CpuProcess, number>> {
  const out: Partial<Record<CpuProcess, number>> = {};
  for (const key of CPU_PROCESSES) {
    const value = ((run.cpuSeconds[key] ?? NaN) * 1000) / Math.max(1, run.completed);
    if (Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/**
 * Ratios per interleaved pair: run i of the project against run i of the skeleton, which ran just before it
 * (so a change in the shared machine's load between pairs hits both sides of a pair alike).
 */
export function pairedRatios(skeletonRuns: readonly RunLike[], projectRuns: readonly RunLike[]): PairedRatios[] {
  const serverAndWorkerMs = (run: RunLike) => {
    const cpu = cpuMsPerWorkflowOf(run);
    return (cpu.temporal ?? NaN) + (cpu.worker ?? NaN);
  };
  return projectRuns.slice(0, skeletonRuns.length).map((project, i) => {
    const skeleton = skeletonRuns[i]!;
    return {
      perSecond: ratio(project.perSecond, skeleton.perSecond),
      cpuServerAndWorker: ratio(serverAndWorkerMs(project), serverAndWorkerMs(skeleton)),
    };
  });
}

export function compareFigures(skeleton: SystemFigures, project: SystemFigures): Ratios {
  return {
    perSecond: ratio(project.perSecond, skeleton.perSecond),
    submitOtpP50: ratio(project.submitOtp.p50, skeleton.submitOtp.p50),
    submitOtpP99: ratio(project.submitOtp.p99, skeleton.submitOtp.p99),
    cpuTemporal: ratio(project.cpuMsPerWorkflow.temporal, skeleton.cpuMsPerWorkflow.temporal),
    cpuWorker: ratio(project.cpuMsPerWorkflow.worker, skeleton.cpuMsPerWorkflow.worker),
    cpuDriver: ratio(project.cpuMsPerWorkflow.driver, skeleton.cpuMsPerWorkflow.driver),
    cpuServerAndWorker: ratio(project.cpuMsServerAndWorker, skeleton.cpuMsServerAndWorker),
    historyEvents: ratio(project.historyEvents, skeleton.historyEvents),
  };
}

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

/**
 * The goals of the performance issue that this benchmark measures. A level that was not run leaves its
 * goal unevaluated (met: undefined), never met.
 */
export function checkGoals(levels: CompareLevel[]): GoalCheck[] {
  const at = (users: number) => levels.find((l) => l.concurrency === users);
  const l50 = at(50);
  const l1 = at(1);
  const l10 = at(10);
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : String(v));
  const cpuWorst = levels.length
    ? Math.max(...levels.map((l) => l.ratios.cpuServerAndWorker).filter(Number.isFinite))
    : NaN;
  return [
    {
      goal: 'throughput at 50 users ≥ 0.9 × the skeleton',
      measured: l50
        ? `${fmt(l50.ratios.perSecond)} × (${l50.project.perSecond}/s against ${l50.skeleton.perSecond}/s)`
        : 'not run',
      met: l50 && Number.isFinite(l50.ratios.perSecond) ? l50.ratios.perSecond >= 0.9 : undefined,
    },
    {
      goal: 'CPU per activation (server + worker) ≤ 1.2 × the skeleton, every level',
      measured: Number.isFinite(cpuWorst)
        ? levels.map((l) => `${l.concurrency} users ${fmt(l.ratios.cpuServerAndWorker)} ×`).join(', ')
        : 'not measured',
      met: Number.isFinite(cpuWorst) ? cpuWorst <= 1.2 : undefined,
    },
    {
      goal: 'submitOtp p50 ≤ 30 ms at 1 user',
      measured: l1 ? `${fmt(l1.project.submitOtp.p50)} ms (skeleton ${fmt(l1.skeleton.submitOtp.p50)} ms)` : 'not run',
      met: l1 && Number.isFinite(l1.project.submitOtp.p50) ? l1.project.submitOtp.p50 <= 30 : undefined,
    },
    {
      goal: 'submitOtp p99 ≤ 150 ms at 10 users',
      measured: l10
        ? `${fmt(l10.project.submitOtp.p99)} ms (skeleton ${fmt(l10.skeleton.submitOtp.p99)} ms)`
        : 'not run',
      met: l10 && Number.isFinite(l10.project.submitOtp.p99) ? l10.project.submitOtp.p99 <= 150 : undefined,
    },
  ];
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const cell = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : String(v));
const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/** Event types where the two histories differ, largest difference first (project minus skeleton). */
export function eventTypeDiff(
  skeleton: Record<string, number>,
  project: Record<string, number>,
): Array<{ eventType: string; skeleton: number; project: number }> {
  const types = [...new Set([...Object.keys(skeleton), ...Object.keys(project)])];
  return types
    .map((eventType) => ({ eventType, skeleton: skeleton[eventType] ?? 0, project: project[eventType] ?? 0 }))
    .filter((d) => d.skeleton !== d.project)
    .sort((a, b) => b.project - b.skeleton - (a.project - a.skeleton) || a.eventType.localeCompare(b.eventType));
}

/**
 * Markdown tables: the ratios, the absolute figures of both systems, the goals, and (when the histories
 * were read) the event types in which one sampled history of each differs.
 */
/** The workflow code's CPU per workflow, replayed in the benchmark's process (bench/lib/replay-cost.ts). */
export interface ReplayComparison {
  skeleton: ReplayCost;
  project: ReplayCost;
  /** project / skeleton of cpuMsPerWorkflow. */
  ratio: number;
}

export function compareTables(levels: CompareLevel[], replay?: ReplayComparison): string {
  const ratios = table(
    [
      'users',
      'completed/s',
      'submitOtp p50',
      'submitOtp p99',
      'CPU/workflow server',
      'CPU/workflow worker',
      'CPU/workflow server + worker',
      'CPU/workflow driver',
      'history events',
    ],
    levels.map((l) => [
      l.concurrency,
      cell(l.ratios.perSecond),
      cell(l.ratios.submitOtpP50),
      cell(l.ratios.submitOtpP99),
      cell(l.ratios.cpuTemporal),
      cell(l.ratios.cpuWorker),
      cell(l.ratios.cpuServerAndWorker),
      cell(l.ratios.cpuDriver),
      cell(l.ratios.historyEvents),
    ]),
  );
  const abs = (s: SystemFigures) => [
    cell(s.perSecond),
    `${cell(s.submitOtp.p50)} / ${cell(s.submitOtp.p99)}`,
    `${cell(s.total.p50)} / ${cell(s.total.p99)}`,
    `${cell(s.cpuMsPerWorkflow.temporal)} / ${cell(s.cpuMsPerWorkflow.worker)} / ${cell(s.cpuMsPerWorkflow.sandbox)} / ${cell(s.cpuMsPerWorkflow.driver)}`,
    cell(s.historyEvents),
    `${s.completed}${s.errors ? ` (${s.errors} failed)` : ''}`,
  ];
  const absolute = table(
    [
      'users',
      'system',
      'completed/s',
      'submitOtp p50 / p99 ms',
      'activation p50 / p99 ms',
      'CPU ms per workflow: server / worker / sandbox / driver',
      'history events',
      'completed in window',
    ],
    levels.flatMap((l) => [
      [l.concurrency, 'skeleton', ...abs(l.skeleton)],
      [l.concurrency, 'project', ...abs(l.project)],
    ]),
  );
  const goals = table(
    ['goal', 'measured', 'met?'],
    checkGoals(levels).map((g) => [g.goal, g.measured, g.met === undefined ? 'not evaluated' : g.met ? 'yes' : 'no']),
  );
  const paired = levels.filter((l) => (l.pairs?.length ?? 0) > 1);
  const pairs = paired.length
    ? [
        `Each pair of runs on its own (skeleton, then project; run 1, 2, ...), the spread behind the medians above:`,
        '',
        table(
          ['users', 'completed/s, per pair', 'CPU/workflow server + worker, per pair'],
          paired.map((l) => [
            l.concurrency,
            l.pairs!.map((p) => cell(p.perSecond)).join(' / '),
            l.pairs!.map((p) => cell(p.cpuServerAndWorker)).join(' / '),
          ]),
        ),
        '',
      ]
    : [];
  const parts = [
    `Ratios, project / skeleton (throughput: higher is better; the rest: lower is better):`,
    '',
    ratios,
    '',
    ...pairs,
    'Absolute figures:',
    '',
    absolute,
    '',
    ...(replay
      ? [
          `Workflow code replayed in the benchmark's process, CPU ms per workflow (median of rounds; each round's figure): ` +
            `skeleton ${cell(replay.skeleton.cpuMsPerWorkflow)} (${replay.skeleton.rounds.map(cell).join(', ')}), ` +
            `project ${cell(replay.project.cpuMsPerWorkflow)} (${replay.project.rounds.map(cell).join(', ')}): ×${cell(replay.ratio)}. ` +
            `Promises the workflow code makes per workflow (the SDK records a stack for each): ` +
            `skeleton ${cell(replay.skeleton.promisesPerWorkflow)}, project ${cell(replay.project.promisesPerWorkflow)}.`,
          '',
        ]
      : []),
    goals,
  ];
  const withTypes = levels.find((l) => l.skeleton.eventTypes && l.project.eventTypes);
  if (withTypes) {
    const diff = eventTypeDiff(withTypes.skeleton.eventTypes!, withTypes.project.eventTypes!);
    parts.push(
      '',
      `History events that differ (one sampled workflow of each at ${withTypes.concurrency} users; ` +
        `${sum(withTypes.skeleton.eventTypes!)} events in the skeleton's, ${sum(withTypes.project.eventTypes!)} in the project's):`,
      '',
      table(
        ['event type', 'skeleton', 'project'],
        diff.map((d) => [d.eventType, d.skeleton, d.project]),
      ),
    );
  }
  return parts.join('\n');
}

/** What the memory table needs of a parked result (bench/parked.ts ParkedResult). */
export interface ParkedLike {
  parked: number;
  resumed: number;
  parkSeconds: number;
  rssMb: { beforeStart?: number; peakWhileParking: number; whileParked: number[] };
  resume: { submitOtp: { p50: number; p99: number } };
}

/**
 * The worker's RSS once the parked activations have settled: the last sample, a minute after the last one
 * parked (bench/parked.ts samples every 5 s). The first samples still hold what the churn of parking left
 * on the heaps, which V8's memory reducer gives back after some idle seconds (20-55 s in the runs of
 * BENCHMARKS.md §3); the largest sample is reported beside it.
 */
export function settledRss(samples: readonly number[]): number {
  return samples[samples.length - 1] ?? NaN;
}

export interface ParkedMemoryRow {
  cache: number;
  parked: number;
  parkSeconds: number;
  rssBefore: number | undefined;
  peakWhileParking: number;
  /** The largest sample in the minute after the last one parked. */
  whileParked: number;
  /** settledRss of the samples: what the goals are judged on. */
  settled: number;
  /** Settled RSS at 10,000 against 1,000 with the same cache, in percent (10,000 rows only). */
  growthPercent?: number;
  resumed: number;
  submitOtpP50: number;
  submitOtpP99: number;
  /** The issue's goals: ≤ 350 MB with 10,000 parked at cache 100, growth 1,000 → 10,000 ≤ 15 %. */
  goal: string;
}

/** The parked runs as memory-table rows, by cache then size, with the growth and the goals judged. */
export function parkedMemoryRows(runs: Array<{ cache: number; result: ParkedLike }>): ParkedMemoryRow[] {
  const sorted = [...runs].sort((a, b) => a.cache - b.cache || a.result.parked - b.result.parked);
  const settled = (r: ParkedLike) => settledRss(r.rssMb.whileParked);
  return sorted.map(({ cache, result }) => {
    const small =
      result.parked >= 10_000 ? sorted.find((o) => o.cache === cache && o.result.parked === 1_000) : undefined;
    const growthPercent = small
      ? round((100 * (settled(result) - settled(small.result))) / settled(small.result), 1)
      : undefined;
    const goals: string[] = [];
    if (result.parked >= 10_000 && cache === 100)
      goals.push(`≤ 350 MB parked (settled): ${settled(result) <= 350 ? 'met' : 'not met'}`);
    if (growthPercent !== undefined) goals.push(`growth ≤ 15 %: ${growthPercent <= 15 ? 'met' : 'not met'}`);
    return {
      cache,
      parked: result.parked,
      parkSeconds: result.parkSeconds,
      rssBefore: result.rssMb.beforeStart,
      peakWhileParking: result.rssMb.peakWhileParking,
      whileParked: Math.max(...result.rssMb.whileParked),
      settled: settled(result),
      ...(growthPercent !== undefined ? { growthPercent } : {}),
      resumed: result.resumed,
      submitOtpP50: result.resume.submitOtp.p50,
      submitOtpP99: result.resume.submitOtp.p99,
      goal: goals.join('; ') || '—',
    };
  });
}
