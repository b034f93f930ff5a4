// The skeleton against the project, level by level on the same machine and the same dev server settings:
// two stacks (each its own dev server, SQLite file and worker process) up side by side, and at each load
// level the skeleton's closed loop, then the project's, back to back; with --reps=N the pairs alternate
// (skeleton, project, skeleton, project, ...), so a change in the machine's other load hits both alike and
// each system's median is taken over runs spread across the same minutes. Both run bench/throughput.ts's
// closed loop; the skeleton with its own driver (bench/skeleton/driver.ts), the project with the one every
// other benchmark uses. After each level a few completed workflows' histories are read back and their
// events counted. Published numbers are the ratios project / skeleton of the medians of one invocation,
// each pair's ratios beside them, with the absolute figures alongside (bench/lib/compare.ts). Last, with
// both stacks stopped, those histories are replayed in this process (bench/lib/replay-cost.ts): the
// workflow code's own CPU per workflow and its promise count, figures the box's other load moves far less.
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectGuarded } from '../client/retry-after-close-guard';
// Default import: @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot detect.
import proto from '@temporalio/proto';
import { createDataConverter, parseCodecKeys } from '../codec';
import { bundleSkeletonWorkflows } from './skeleton/bundle';
import { SkeletonDriver } from './skeleton/driver';
import { closeBenchContext, startBenchContext, type BenchContext } from './lib/bench-context';
import {
  compareFigures,
  compareTables,
  checkGoals,
  pairedRatios,
  systemFigures,
  ratio,
  type CompareLevel,
  type GoalCheck,
  type ReplayComparison,
} from './lib/compare';
import { measureReplayCosts, type ReplaySettings } from './lib/replay-cost';
import { LocalStack, type StackOptions } from './lib/stack';
import { runThroughputBenchmark, summarizeLevel, type ThroughputResult, type ThroughputRun } from './throughput';

const EventType = proto.temporal.api.enums.v1.EventType;
type History = proto.temporal.api.history.v1.IHistory;

export interface CompareOptions {
  runRoot: string;
  levels: Array<{ concurrency: number; windowS: number }>;
  warmupS: number;
  reps: number;
  /** Dev server and worker settings, the same for both stacks. */
  sqlitePragmas?: Record<string, string>;
  dynamicConfig: Readonly<Record<string, unknown>>;
  workerEnv: Record<string, string>;
  /** Extra node flags for both workers, e.g. --cpu-prof. */
  workerNodeArgs?: (system: 'skeleton' | 'project') => string[];
  /** How many completed workflows per level and system have their history read back. */
  historySample: number;
  /** Replaying those histories for the workflow code's own CPU (bench/lib/replay-cost.ts); false skips it. */
  replay: ReplaySettings | false;
  log: (line: string) => void;
}

export interface CompareResult {
  levels: CompareLevel[];
  goals: GoalCheck[];
  settings: {
    sqlitePragmas?: Record<string, string>;
    dynamicConfig: Readonly<Record<string, unknown>>;
    workerEnv: Record<string, string>;
    warmupS: number;
    reps: number;
  };
  /** The workflow code's CPU per workflow, replayed in the benchmark's process; absent with replay: false. */
  replay?: ReplayComparison;
  /** The raw closed-loop results, per system. */
  raw: { skeleton: ThroughputResult[]; project: ThroughputResult[] };
  tables: string;
}

interface SkeletonContext {
  stack: LocalStack;
  connection: Connection;
  client: Client;
  log: (line: string) => void;
}

async function startSkeleton(options: CompareOptions): Promise<SkeletonContext> {
  const stackOptions: StackOptions = {
    runDir: path.join(options.runRoot, 'skeleton'),
    pieces: ['temporal', 'worker'],
    taskQueue: 'skeleton',
    log: options.log,
    workerEnv: options.workerEnv,
    dynamicConfig: options.dynamicConfig,
    worker: { entry: 'bench/skeleton/worker.ts', bundle: bundleSkeletonWorkflows },
    ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
    ...(options.workerNodeArgs ? { workerNodeArgs: options.workerNodeArgs('skeleton') } : {}),
  };
  const stack = await LocalStack.start(stackOptions);
  const connection = await connectGuarded({ address: stack.temporalAddress });
  // Plain JSON: the SDK's default data converter, no codec.
  return { stack, connection, client: new Client({ connection }), log: options.log };
}

/**
 * Events in each workflow's history (the skeleton's are plain JSON, the project's encrypted: counts only),
 * and the event types of the first one, which say where the project's extra events come from.
 */
async function historyEvents(
  client: Client,
  workflowIds: string[],
): Promise<{ counts: number[]; eventTypes: Record<string, number>; histories: History[] }> {
  const counts: number[] = [];
  const eventTypes: Record<string, number> = {};
  const histories: History[] = [];
  for (const [i, id] of workflowIds.entries()) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    histories.push(history);
    counts.push(history.events?.length ?? 0);
    if (i === 0) {
      for (const e of history.events ?? []) {
        const name = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
        eventTypes[name] = (eventTypes[name] ?? 0) + 1;
      }
    }
  }
  return { counts, eventTypes, histories };
}

export async function runCompareBenchmark(options: CompareOptions): Promise<CompareResult> {
  const { log } = options;
  log(
    `compare: skeleton and project at ${options.levels.map((l) => `${l.concurrency} users (${l.windowS}s)`).join(', ')}; ` +
      `dev server dynamic config ${JSON.stringify(options.dynamicConfig)}, SQLite pragmas ${JSON.stringify(options.sqlitePragmas ?? 'default')}, ` +
      `worker env ${JSON.stringify(options.workerEnv)}`,
  );
  const skeleton = await startSkeleton(options);
  let project: BenchContext | undefined;
  const raw: CompareResult['raw'] = { skeleton: [], project: [] };
  const levels: CompareLevel[] = [];
  const sampled: { skeleton: History[]; project: History[] } = { skeleton: [], project: [] };
  let bundles: ReplayBundles | undefined;
  try {
    project = await startBenchContext({
      runDir: path.join(options.runRoot, 'project'),
      log,
      workerEnv: options.workerEnv,
      dynamicConfig: options.dynamicConfig,
      ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
      ...(options.workerNodeArgs ? { workerNodeArgs: options.workerNodeArgs('project') } : {}),
    });
    for (const level of options.levels) {
      const common = { levels: [level], reps: 1, warmupS: options.warmupS, workerEnv: options.workerEnv };
      const skeletonRuns: ThroughputRun[] = [];
      const projectRuns: ThroughputRun[] = [];
      for (let rep = 1; rep <= options.reps; rep++) {
        log(`compare: ${level.concurrency} users, pair ${rep}/${options.reps}, skeleton`);
        const s = await runThroughputBenchmark(skeleton, {
          ...common,
          makeDriver: () => new SkeletonDriver(skeleton.client, skeleton.stack.taskQueue),
        });
        log(`compare: ${level.concurrency} users, pair ${rep}/${options.reps}, project`);
        const p = await runThroughputBenchmark(project, common);
        raw.skeleton.push(s);
        raw.project.push(p);
        skeletonRuns.push(...s.runs.map((run) => ({ ...run, rep })));
        projectRuns.push(...p.runs.map((run) => ({ ...run, rep })));
      }
      const sample = (runs: ThroughputRun[]) =>
        runs.flatMap((run) => run.sampleWorkflowIds ?? []).slice(0, options.historySample);
      const skeletonHistories = await historyEvents(skeleton.client, sample(skeletonRuns));
      const projectHistories = await historyEvents(project.client, sample(projectRuns));
      sampled.skeleton.push(...skeletonHistories.histories);
      sampled.project.push(...projectHistories.histories);
      const skeletonFigures = {
        ...systemFigures(summarizeLevel(level, skeletonRuns), skeletonRuns, skeletonHistories.counts),
        eventTypes: skeletonHistories.eventTypes,
      };
      const projectFigures = {
        ...systemFigures(summarizeLevel(level, projectRuns), projectRuns, projectHistories.counts),
        eventTypes: projectHistories.eventTypes,
      };
      const compared: CompareLevel = {
        concurrency: level.concurrency,
        windowS: level.windowS,
        skeleton: skeletonFigures,
        project: projectFigures,
        ratios: compareFigures(skeletonFigures, projectFigures),
        pairs: pairedRatios(skeletonRuns, projectRuns),
        loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
      };
      levels.push(compared);
      log(
        `compare: ${level.concurrency} users: completed/s ${skeletonFigures.perSecond} / ${projectFigures.perSecond} (×${compared.ratios.perSecond}); ` +
          `submitOtp p50 ${skeletonFigures.submitOtp.p50} / ${projectFigures.submitOtp.p50} ms (×${compared.ratios.submitOtpP50}); ` +
          `CPU ms server+worker ${skeletonFigures.cpuMsServerAndWorker} / ${projectFigures.cpuMsServerAndWorker} (×${compared.ratios.cpuServerAndWorker}); ` +
          `history events ${skeletonFigures.historyEvents} / ${projectFigures.historyEvents}; load average ${compared.loadAverage1m}` +
          (options.reps > 1
            ? `; per pair: completed/s ×${compared.pairs!.map((r) => r.perSecond).join(', ×')}, ` +
              `CPU ×${compared.pairs!.map((r) => r.cpuServerAndWorker).join(', ×')}`
            : ''),
      );
    }
    bundles = {
      skeleton: skeleton.stack.workflowBundlePath,
      project: project.stack.workflowBundlePath,
      projectKeys: project.stack.codecKeys,
    };
  } finally {
    if (project) await closeBenchContext(project);
    await skeleton.connection.close().catch(() => undefined);
    await skeleton.stack.stop();
  }
  // After both stacks have stopped: the replays are measured in this process, with the box otherwise quiet.
  const replay =
    options.replay && bundles ? await compareReplayCost(options, options.replay, bundles, sampled) : undefined;
  const tables = compareTables(levels, replay);
  log(`compare:\n${tables}`);
  return {
    levels,
    goals: checkGoals(levels),
    settings: {
      ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
      dynamicConfig: options.dynamicConfig,
      workerEnv: options.workerEnv,
      warmupS: options.warmupS,
      reps: options.reps,
    },
    ...(replay ? { replay } : {}),
    raw,
    tables,
  };
}

/** What replaying needs of each stack: its workflow bundle, and the key the project's payloads were sealed with. */
interface ReplayBundles {
  skeleton: string;
  project: string;
  projectKeys: string;
}

async function compareReplayCost(
  options: CompareOptions,
  settings: ReplaySettings,
  bundles: ReplayBundles,
  histories: { skeleton: History[]; project: History[] },
): Promise<ReplayComparison> {
  options.log(
    `compare: replaying ${histories.skeleton.length} / ${histories.project.length} sampled histories, ` +
      `${settings.rounds} rounds of ${settings.replaysPerRound} each`,
  );
  const { skeleton, project } = await measureReplayCosts(
    {
      skeleton: { bundlePath: bundles.skeleton, histories: histories.skeleton },
      project: {
        bundlePath: bundles.project,
        dataConverter: createDataConverter(parseCodecKeys(bundles.projectKeys), { namespace: 'default' }),
        histories: histories.project,
      },
    },
    settings,
  );
  const compared = {
    skeleton,
    project,
    ratio: ratio(project.cpuMsPerWorkflow, skeleton.cpuMsPerWorkflow),
  };
  options.log(
    `compare: workflow code replayed, CPU ms per workflow ${compared.skeleton.cpuMsPerWorkflow} / ${compared.project.cpuMsPerWorkflow} (×${compared.ratio}); ` +
      `promises per workflow ${compared.skeleton.promisesPerWorkflow} / ${compared.project.promisesPerWorkflow}`,
  );
  return compared;
}
