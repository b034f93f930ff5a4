// The arithmetic of the skeleton comparison (bench/lib/compare.ts) and of the CPU profile summary
// (bench/lib/cpu-profile.ts): the published ratios and goal verdicts come from these functions alone.
import { describe, expect, it } from 'vitest';
import {
  checkGoals,
  compareFigures,
  compareTables,
  eventTypeDiff,
  median,
  pairedRatios,
  parkedMemoryRows,
  ratio,
  settledRss,
  spreadSample,
  systemFigures,
  type CompareLevel,
  type ParkedLike,
  type SystemFigures,
} from '../../bench/lib/compare';
import { originOf, topSelfTime, type CpuProfile } from '../../bench/lib/cpu-profile';
import type { ThroughputLevel } from '../../bench/throughput';

const p = (p50: number, p99 = p50 * 2) => ({ p50, p95: p99, p99 });

function figures(overrides: Partial<SystemFigures> = {}): SystemFigures {
  return {
    completed: 100,
    errors: 0,
    perSecond: 20,
    submitOtp: p(10, 40),
    total: p(50, 120),
    cpuMsPerWorkflow: { temporal: 30, worker: 20, driver: 5 },
    cpuMsServerAndWorker: 50,
    historyEvents: 30,
    rejectedUpdates: 0,
    ...overrides,
  };
}

function level(concurrency: number, skeleton: SystemFigures, project: SystemFigures): CompareLevel {
  return { concurrency, windowS: 20, skeleton, project, ratios: compareFigures(skeleton, project) };
}

describe('ratio', () => {
  it('is project / skeleton to two decimals', () => {
    expect(ratio(15, 20)).toBe(0.75);
    expect(ratio(134, 82)).toBe(1.63);
    expect(ratio(10, 10)).toBe(1);
  });

  it('is NaN when a side is missing, not finite, or the skeleton is 0', () => {
    expect(ratio(undefined, 10)).toBeNaN();
    expect(ratio(10, undefined)).toBeNaN();
    expect(ratio(NaN, 10)).toBeNaN();
    expect(ratio(10, 0)).toBeNaN();
  });
});

describe('compareFigures', () => {
  it('divides every figure of the project by the skeleton', () => {
    const r = compareFigures(
      figures(),
      figures({
        perSecond: 18,
        submitOtp: p(22, 100),
        cpuMsPerWorkflow: { temporal: 45, worker: 40, sandbox: 8, driver: 5 },
        cpuMsServerAndWorker: 85,
        historyEvents: 45,
      }),
    );
    expect(r).toEqual({
      perSecond: 0.9,
      submitOtpP50: 2.2,
      submitOtpP99: 2.5,
      cpuTemporal: 1.5,
      cpuWorker: 2,
      cpuDriver: 1,
      cpuServerAndWorker: 1.7,
      historyEvents: 1.5,
    });
  });
});

describe('systemFigures', () => {
  it('takes the medians of the level, sums the runs, and adds server and worker CPU', () => {
    const lvl = {
      concurrency: 10,
      runs: 2,
      windowS: 20,
      perSecond: { median: 12.5, min: 12, max: 13 },
      total: { median: p(400), min: p(300), max: p(500) },
      submitOtp: { median: p(100), min: p(90), max: p(110) },
      start: { median: p(5), min: p(4), max: p(6) },
      cpuMsPerActivation: { temporal: 40.2, worker: 30.1, sandbox: 5, driver: 9 },
    } as ThroughputLevel;
    const f = systemFigures(
      lvl,
      [
        { completed: 250, errors: 1, rejectedUpdates: 3 },
        { completed: 260, errors: 0, rejectedUpdates: 1 },
      ],
      [44, 42, 44, 43],
    );
    expect(f.completed).toBe(510);
    expect(f.errors).toBe(1);
    expect(f.rejectedUpdates).toBe(4);
    expect(f.perSecond).toBe(12.5);
    expect(f.cpuMsServerAndWorker).toBe(70.3);
    expect(f.cpuMsPerWorkflow).toEqual({ temporal: 40.2, worker: 30.1, sandbox: 5, driver: 9 });
    expect(f.historyEvents).toBe(43.5);
  });
});

describe('median and spreadSample', () => {
  it('median of odd and even lists, NaN of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('spreadSample picks evenly over the list, all of a short one', () => {
    expect(spreadSample([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(spreadSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
  });
});

describe('checkGoals', () => {
  it('judges each goal from its level, and leaves goals of levels not run unevaluated', () => {
    const goals = checkGoals([
      level(1, figures({ submitOtp: p(12) }), figures({ submitOtp: p(25) })),
      level(50, figures({ perSecond: 40 }), figures({ perSecond: 35, cpuMsServerAndWorker: 65 })),
    ]);
    expect(goals.map((g) => g.met)).toEqual([false, false, true, undefined]);
    expect(goals[0]!.measured).toBe('0.88 × (35/s against 40/s)');
    expect(goals[1]!.measured).toBe('1 users 1 ×, 50 users 1.3 ×');
    expect(goals[3]!.measured).toBe('not run');
  });

  it('meets the throughput goal at exactly 0.9 and the CPU goal at exactly 1.2', () => {
    const goals = checkGoals([
      level(50, figures({ perSecond: 40 }), figures({ perSecond: 36, cpuMsServerAndWorker: 60 })),
    ]);
    expect(goals[0]!.met).toBe(true);
    expect(goals[1]!.met).toBe(true);
  });
});

describe('compareTables', () => {
  it('prints ratios, both systems absolute, and the goals; a missing figure as a dash', () => {
    const text = compareTables([
      level(10, figures(), figures({ perSecond: 15, cpuMsPerWorkflow: { temporal: 30, worker: 20, sandbox: 4 } })),
    ]);
    expect(text).toContain('| 10 | 0.75 | 1 | 1 | 1 | 1 | 1 | — | 1 |');
    expect(text).toContain('| 10 | skeleton | 20 | 10 / 40 | 50 / 120 | 30 / 20 / — / 5 | 30 | 100 |');
    expect(text).toContain('| 10 | project | 15 | 10 / 40 | 50 / 120 | 30 / 20 / 4 / — | 30 | 100 |');
    expect(text).toContain('| submitOtp p99 ≤ 150 ms at 10 users | 40 ms (skeleton 40 ms) | yes |');
    expect(text).not.toContain('replayed');
  });

  it('adds the replayed workflow code, each round beside the median, when the run replayed', () => {
    const text = compareTables([level(10, figures(), figures())], {
      skeleton: {
        cpuMsPerWorkflow: 5.5,
        rounds: [5.4, 5.5, 6.1],
        promisesPerWorkflow: 46,
        distinctHistories: 15,
        replaysPerRound: 300,
      },
      project: {
        cpuMsPerWorkflow: 11,
        rounds: [11, 10.8, 12.2],
        promisesPerWorkflow: 130.5,
        distinctHistories: 15,
        replaysPerRound: 300,
      },
      ratio: 2,
    });
    expect(text).toContain('skeleton 5.5 (5.4, 5.5, 6.1), project 11 (11, 10.8, 12.2): ×2.');
    expect(text).toContain('skeleton 46, project 130.5.');
  });
});

describe('pairedRatios', () => {
  const run = (perSecond: number, temporalS: number, workerS: number, completed = 100) => ({
    completed,
    perSecond,
    cpuSeconds: { temporal: temporalS, worker: workerS },
  });

  it('divides each project run by the skeleton run of its pair, CPU per completed workflow', () => {
    // Pair 1: 10/s against 20/s; (3 + 2) s over 100 against (2 + 2) s over 200: 50 ms against 20 ms.
    // Pair 2: 18/s against 20/s; 4.4 s over 200 against 4 s over 200.
    const pairs = pairedRatios([run(20, 2, 2, 200), run(20, 2, 2, 200)], [run(10, 3, 2, 100), run(18, 2.4, 2, 200)]);
    expect(pairs).toEqual([
      { perSecond: 0.5, cpuServerAndWorker: 2.5 },
      { perSecond: 0.9, cpuServerAndWorker: 1.1 },
    ]);
  });

  it('pairs only as many runs as both sides have, and leaves a missing CPU figure as NaN', () => {
    const pairs = pairedRatios([{ completed: 10, perSecond: 1, cpuSeconds: {} }], [run(1, 1, 1), run(2, 1, 1)]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.perSecond).toBe(1);
    expect(pairs[0]!.cpuServerAndWorker).toBeNaN();
  });

  it('is printed under the ratios when a level has more than one pair', () => {
    const paired = {
      ...level(10, figures(), figures()),
      pairs: pairedRatios([run(20, 2, 2), run(20, 2, 2)], [run(10, 2, 2), run(15, 3, 3)]),
    };
    const text = compareTables([paired]);
    expect(text).toContain('| 10 | 0.5 / 0.75 | 1 / 1.5 |');
    expect(compareTables([{ ...paired, pairs: paired.pairs.slice(0, 1) }])).not.toContain('per pair');
  });
});

describe('eventTypeDiff', () => {
  it('lists only the types that differ, extras of the project first', () => {
    expect(
      eventTypeDiff(
        { ACTIVITY_TASK_SCHEDULED: 3, WORKFLOW_TASK_COMPLETED: 7, TIMER_STARTED: 0 },
        {
          ACTIVITY_TASK_SCHEDULED: 3,
          WORKFLOW_TASK_COMPLETED: 9,
          UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 4,
          MARKER_RECORDED: 1,
        },
      ),
    ).toEqual([
      { eventType: 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', skeleton: 0, project: 4 },
      { eventType: 'WORKFLOW_TASK_COMPLETED', skeleton: 7, project: 9 },
      { eventType: 'MARKER_RECORDED', skeleton: 0, project: 1 },
    ]);
  });

  it('appears under the tables when a level has both histories', () => {
    const l = level(10, { ...figures(), eventTypes: { A: 1 } }, { ...figures(), eventTypes: { A: 1, B: 2 } });
    expect(compareTables([l])).toContain("1 events in the skeleton's, 3 in the project's");
    expect(compareTables([l])).toContain('| B | 0 | 2 |');
  });
});

describe('parkedMemoryRows', () => {
  const parked = (n: number, whileParked: number[], peak = Math.max(...whileParked) + 20): ParkedLike => ({
    parked: n,
    resumed: n / 10,
    parkSeconds: n / 30,
    rssMb: { beforeStart: 200, peakWhileParking: peak, whileParked },
    resume: { submitOtp: { p50: 100, p99: 300 } },
  });

  it('orders by cache then size, reports the largest sample, and judges growth and the 350 MB goal settled', () => {
    const rows = parkedMemoryRows([
      { cache: 500, result: parked(10_000, [560, 500, 520]) },
      { cache: 100, result: parked(10_000, [380, 330, 345]) },
      { cache: 100, result: parked(1_000, [300, 310]) },
      { cache: 500, result: parked(1_000, [400]) },
    ]);
    expect(rows.map((r) => [r.cache, r.parked, r.whileParked, r.settled, r.growthPercent])).toEqual([
      [100, 1_000, 310, 310, undefined],
      [100, 10_000, 380, 345, 11.3],
      [500, 1_000, 400, 400, undefined],
      [500, 10_000, 560, 520, 30],
    ]);
    expect(rows.map((r) => r.goal)).toEqual([
      '—',
      '≤ 350 MB parked (settled): met; growth ≤ 15 %: met',
      '—',
      'growth ≤ 15 %: not met',
    ]);
  });

  it('leaves the growth out when the 1,000 run of that cache is missing', () => {
    const [row] = parkedMemoryRows([{ cache: 100, result: parked(10_000, [360]) }]);
    expect(row!.growthPercent).toBeUndefined();
    expect(row!.goal).toBe('≤ 350 MB parked (settled): not met');
  });

  it('settles on the last sample, a minute after the churn of parking', () => {
    expect(settledRss([308.3, 308.3, 308.3, 200, 200])).toBe(200);
    expect(settledRss([310])).toBe(310);
    expect(settledRss([])).toBeNaN();
  });
});

describe('topSelfTime', () => {
  it('attributes each sample the time until the next one, sums a function over its call-tree nodes, and leaves idle out', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 12_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 5] },
        {
          id: 2,
          callFrame: { functionName: 'encode', url: 'file:///x/node_modules/pkg/a.js', lineNumber: 9 },
          children: [4],
        },
        { id: 3, callFrame: { functionName: 'run', url: 'file:///x/b.js', lineNumber: 0 } },
        { id: 4, callFrame: { functionName: 'encode', url: 'file:///x/node_modules/pkg/a.js', lineNumber: 9 } },
        { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      ],
      // Samples at t = 0, 1000, 3000, 6000, 10000, 12000 µs.
      samples: [2, 4, 3, 2, 5, 3],
      timeDeltas: [0, 1000, 2000, 3000, 4000, 2000],
    };
    const { totalMs, busyMs, top, byOrigin } = topSelfTime(profile, 5);
    expect(totalMs).toBe(12);
    expect(busyMs).toBe(10);
    expect(top).toEqual([
      { functionName: 'encode', location: 'pkg/a.js:10', selfMs: 7, selfPercent: 70 },
      { functionName: 'run', location: '/x/b.js:1', selfMs: 3, selfPercent: 30 },
    ]);
    expect(byOrigin).toEqual([
      { origin: 'pkg', selfMs: 7, selfPercent: 70 },
      { origin: '/x/b.js', selfMs: 3, selfPercent: 30 },
    ]);
  });

  it('names origins: scoped packages, Node, the workflow sandbox, V8 pseudo-frames, native code', () => {
    expect(originOf('init', 'file:///w/node_modules/@temporalio/worker/lib/workflow/vm-shared.js')).toBe(
      '@temporalio/worker',
    );
    expect(originOf('processChunk', 'node:zlib')).toBe('node:');
    expect(originOf('__TEMPORAL_CALL_INTO_SCOPE', 'evalmachine.<anonymous>')).toBe('workflow sandbox');
    expect(originOf('__webpack_require__', 'file:///tmp/run/compare/project/workflow-bundle.js')).toBe(
      'workflow bundle',
    );
    expect(originOf('(garbage collector)', '')).toBe('(garbage collector)');
    expect(originOf('runInContext', '')).toBe('native');
    expect(originOf('encrypt', `file://${process.cwd()}/codec/encryption.ts`)).toBe('codec/');
  });
});
