// `npx tsx bench/report.ts [--quick]` — turns bench/results/*.json into the markdown tables of
// BENCHMARKS.md (printed, and written to bench/results/tables[-quick].md), so the published numbers are
// exactly the recorded ones.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChaosReport } from './chaos/runner';
import type { CompareResult } from './compare';
import { compareTables, parkedMemoryRows } from './lib/compare';
import type { ProfileSummary } from './lib/cpu-profile';
import type { CostResult, PathCost } from './cost';
import type { OverheadResult } from './overhead';
import type { ParkedResult } from './parked';
import { latencyChartSvg } from './lib/svg';
import type { ThroughputResult } from './throughput';
import type { TuningResult } from './tuning';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
const quick = process.argv.includes('--quick');
const suffix = quick ? '-quick' : '';

function load<T>(name: string): (T & { command?: string; server?: string; machine?: { date: string } }) | undefined {
  const file = path.join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  return raw.result ? { ...raw.result, command: raw.command, server: raw.server, machine: raw.machine } : raw;
}

const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const out: string[] = [];
const section = (title: string) => out.push('', `### ${title}`, '');

/** The chaos table of one report: the dev stack's (chaos-<mode>.json) and the production topology's (chaos-prod-<mode>.json). */
function chaosSection(file: string, title: string): void {
  const chaos = load<ChaosReport>(file);
  if (!chaos) return;
  section(`${title} (${chaos.mode})`);
  if (chaos.stack) out.push(`Stack: ${chaos.stack}.`, '');
  out.push(
    table(
      [
        'scenario',
        'activations',
        'peak concurrent',
        'activated',
        'cancelled',
        'other',
        'kills',
        'crashes',
        'SMS = 1 + resends',
        'one successful StepValidatePayment',
        'crash re-executions',
        'payment event acted on twice',
        'workflow task failures',
        'p50 / max per activation',
        'result',
      ],
      chaos.scenarios.map((s) => [
        s.name,
        s.activations,
        s.peakConcurrent,
        s.outcomes.activated ?? 0,
        s.outcomes.cancelled ?? 0,
        s.activations - (s.outcomes.activated ?? 0) - (s.outcomes.cancelled ?? 0),
        s.killsRequired ? `${s.kills} (≥ ${s.killsRequired})` : '—',
        s.unexpectedExits.length,
        `${s.activations - s.smsBreaches}/${s.activations}`,
        `${s.activations - s.validatePaymentBreaches}/${s.activations}`,
        s.crashReexecutions.length,
        s.actedTwice,
        Object.entries(s.taskFailures)
          .map(([c, n]) => `${n} ${c}`)
          .join(', ') || '0',
        `${(s.latencyMs.p50 / 1000).toFixed(0)} s / ${(s.latencyMs.max / 1000).toFixed(0)} s`,
        s.breaches.length ? `FAIL (${s.breaches.length})` : 'PASS',
      ]),
    ),
  );
  if (chaos.workerStartToPollingMs) {
    const w = chaos.workerStartToPollingMs;
    out.push(
      '',
      `Worker container start to polling: p50 ${(w.p50 / 1000).toFixed(1)} s, max ${(w.max / 1000).toFixed(1)} s over ${w.starts} starts.`,
    );
  }
  for (const s of chaos.scenarios) {
    if (s.killed && Object.keys(s.killed).length > 1)
      out.push(
        '',
        `${s.name}: killed ${Object.entries(s.killed)
          .map(([what, n]) => `${what} ×${n}`)
          .join(', ')}.`,
      );
    if (s.unexpectedExits.length) {
      const byPiece = new Map<string, number>();
      for (const exit of s.unexpectedExits) {
        const piece = exit.split(' ')[0] ?? exit; // "<piece> code <c> signal <s> at <time>"
        byPiece.set(piece, (byPiece.get(piece) ?? 0) + 1);
      }
      out.push(
        '',
        `${s.name}: exited on their own (restarted by the runner): ${[...byPiece].map(([piece, n]) => `${piece} ×${n}`).join(', ')}.`,
      );
    }
    if (s.injected) {
      const p = (k: number) => `${((100 * k) / Math.max(1, s.injected!.calls)).toFixed(1)}%`;
      out.push(
        '',
        `${s.name}: ${s.injected.calls} Vlens calls; ${p(s.injected.status503)} answered 503, ${p(s.injected.dropped)} dropped, ${p(s.injected.delayed)} delayed 300 ms.`,
      );
    }
    const webhooks = Object.entries(s.webhookAnswers)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ');
    if (s.name === 'gateway-kill') out.push('', `gateway-kill: sandbox → gateway webhook deliveries: ${webhooks}.`);
  }
}
chaosSection(`chaos-${quick ? 'short' : 'full'}`, 'Chaos');
chaosSection(`chaos-prod-${quick ? 'short' : 'full'}`, 'Chaos on the production topology');

const compare = load<
  CompareResult & {
    profiles?: Record<
      string,
      Array<{
        file: string;
        totalMs: number;
        top: Array<{ functionName: string; location: string; selfMs: number; selfPercent: number }>;
      }>
    >;
  }
>(`compare${suffix}`);
if (compare) {
  section('Skeleton against project (one run; ratios project / skeleton)');
  out.push(
    `Settings: ${compare.server ?? ''}; worker env ${JSON.stringify(compare.settings.workerEnv)}; warm-up ${compare.settings.warmupS} s, ` +
      `${compare.settings.reps} run(s) per level; load average at the end of each level: ` +
      `${compare.levels.map((l) => `${l.concurrency} users ${l.loadAverage1m ?? '—'}`).join(', ')}.`,
    '',
    compareTables(compare.levels, compare.replay),
  );
}

const profiled = load<CompareResult & { profiles?: Record<string, Array<{ file: string } & ProfileSummary>> }>(
  `compare-profile${suffix}`,
);
if (profiled?.profiles) {
  section(
    `Worker CPU profiles (node --cpu-prof, ${profiled.levels.map((l) => `${l.concurrency} users`).join(', ')}; whole process lifetime, start-up included)`,
  );
  // node --cpu-prof names each file CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
  const threadOf = (file: string) => {
    const tid = /\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
    return tid === '0' ? 'main thread' : `thread ${tid}`;
  };
  for (const [system, threads] of Object.entries(profiled.profiles)) {
    for (const t of threads.filter((t) => t.busyMs >= 1000)) {
      out.push(
        `**${system}, ${threadOf(t.file)}**: ${t.busyMs} ms busy of ${t.totalMs} ms; by origin: ` +
          `${t.byOrigin
            .slice(0, 8)
            .map((o) => `${o.origin} ${o.selfPercent}%`)
            .join(', ')}.`,
        '',
        table(
          ['self ms', '% of busy', 'function', 'where'],
          t.top
            .slice(0, 12)
            .map((f) => [f.selfMs, f.selfPercent, f.functionName.replace(/\|/g, '\\|').slice(0, 60), f.location]),
        ),
        '',
      );
    }
  }
}

const cost = load<CostResult>(`cost${suffix}`);
if (cost) {
  for (const p of [cost.happy, cost.liveness] as PathCost[]) {
    section(
      `Cost: ${p.path === 'happy' ? 'happy path' : 'liveness branch'} — ${p.actions[0]} actions (goal ≤ ${p.goal}: ${p.met ? 'met' : 'not met'})`,
    );
    out.push(
      `Runs: ${p.runs}; actions per run ${[...new Set(p.actions)].join('/')}; history ${[...new Set(p.events)].join('/')} events, ` +
        `${Math.min(...p.historyBytes)}–${Math.max(...p.historyBytes)} bytes (encrypted payloads).`,
      '',
    );
    out.push(
      table(
        ['#', 'billable action', 'where it comes from', 't (ms)'],
        p.timeline.filter((i) => !i.action.startsWith('not billed')).map((i, n) => [n + 1, i.action, i.detail, i.atMs]),
      ),
    );
    out.push(
      '',
      `Not billed: ${Object.entries(p.notBilled)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}.`,
    );
  }
  const r = cost.reconcile;
  section('Cost: reconciliation polling while awaiting payment');
  out.push(
    `Measured: ${r.measuredChecks} checks, ${r.actionsPerCheck} actions per check (one timer + one StepValidatePayment attempt), ` +
      `${Math.round(r.eventsPerCheck)} history events and ${Math.round(r.bytesPerCheck)} bytes per check.`,
    '',
    table(
      ['default policy (2 min doubling to 10 min)', 'checks', 'actions'],
      [
        ['first hour of waiting', r.defaultPolicy.checksFirstHour, r.defaultPolicy.actionsFirstHour],
        ['each further hour', r.defaultPolicy.checksPerHourAfter, r.defaultPolicy.actionsPerHourAfter],
        [
          `the whole default payment window (${r.defaultPolicy.paymentTimeout}, ending in payment_timeout)`,
          '—',
          r.defaultPolicy.actionsInDefaultPaymentWindow,
        ],
      ],
    ),
  );
}

const overhead = load<OverheadResult>(`overhead${suffix}`);
if (overhead) {
  section(`Overhead per step (concurrency 1, ${overhead.iterations} activations, medians)`);
  out.push(
    table(
      [
        'step',
        'direct call (ms)',
        'through the workflow (ms)',
        'overhead (ms)',
        'trigger→scheduled',
        'scheduled→started',
        'activity run',
        'completed→recorded',
        'update round trip (ms)',
      ],
      overhead.steps.map((s) => [
        s.step,
        s.directMs,
        s.workflowMs,
        s.overheadMs,
        s.parts.toScheduled,
        s.parts.scheduledToStarted,
        s.parts.activityRun,
        s.parts.completedToRecorded,
        s.clientUpdateMs ?? '—',
      ]),
    ),
    '',
    `Total: direct ${overhead.totals.directMs} ms, through the workflow ${overhead.totals.workflowMs} ms; overhead ${overhead.totals.overheadMs} ms, ` +
      `${(overhead.totals.overheadMs / overhead.steps.length).toFixed(1)} ms per step.`,
  );
}

const throughput = load<ThroughputResult>(`throughput${suffix}`);
if (throughput) {
  section('Throughput (closed loop; medians over runs, min–max in brackets)');
  const f = (m: { median: { p50: number; p95: number; p99: number }; min: { p99: number }; max: { p99: number } }) =>
    `${m.median.p50} / ${m.median.p95} / ${m.median.p99} [${m.min.p99}–${m.max.p99}]`;
  out.push(
    table(
      [
        'users',
        'window',
        'runs',
        'completed/s',
        'activation p50/p95/p99 ms [p99 range]',
        'submitOtp p50/p95/p99 ms [p99 range]',
        'start p50/p95/p99 ms [p99 range]',
        'CPU ms per activation: server / worker / sandbox / driver',
      ],
      throughput.levels.map((l) => [
        l.concurrency,
        `${l.windowS} s`,
        l.runs,
        `${l.perSecond.median} [${l.perSecond.min}–${l.perSecond.max}]`,
        f(l.total),
        f(l.submitOtp),
        f(l.start),
        `${l.cpuMsPerActivation.temporal} / ${l.cpuMsPerActivation.worker} / ${l.cpuMsPerActivation.sandbox} / ${l.cpuMsPerActivation.driver}`,
      ]),
    ),
    '',
    `Chart: bench/results/latency${suffix}.svg.`,
    '',
    `Goal (≥ ${throughput.goal.perSecond}/s for ${throughput.goal.windowS} s with submitOtp p99 < ${throughput.goal.submitOtpP99Ms} ms): ` +
      `${throughput.goal.evaluated ? (throughput.goal.met ? 'met' : 'not met') : 'not evaluated (windows shorter than 60 s)'}` +
      (throughput.goal.best
        ? `; best 60-s level: ${throughput.goal.best.perSecond}/s at ${throughput.goal.best.concurrency} users, submitOtp p99 ${throughput.goal.best.submitOtpP99} ms.`
        : '.'),
  );
}

if (throughput?.machine) {
  // Redrawn from the raw results, so the chart always matches the JSON next to it.
  const m = throughput.machine as unknown as { cpus: number; cpuModel: string; date: string };
  const runs = Math.max(...throughput.levels.map((l) => l.runs));
  writeFileSync(
    path.join(dir, `latency${suffix}.svg`),
    latencyChartSvg(
      throughput.levels,
      `${m.cpus} x ${m.cpuModel}, ${m.date.slice(0, 10)}; medians of ${runs} run(s) per level; worker env ${JSON.stringify(throughput.workerEnv)}; ${throughput.server ?? ''}`,
    ),
  );
}

const tuning = load<TuningResult>(`tuning${suffix}`);
if (tuning) {
  section(
    `Tuning, before/after (${tuning.concurrency} users, ${tuning.windowS} s window, one run each, fresh stack each)`,
  );
  out.push(
    table(
      [
        'variant',
        'completed/s',
        'activation p50/p99 ms',
        'submitOtp p50/p99 ms',
        'CPU ms/activation server / worker',
        'worker RSS MB',
      ],
      tuning.variants.map((v) => [
        v.name,
        v.level.perSecond.median,
        `${v.level.total.median.p50} / ${v.level.total.median.p99}`,
        `${v.level.submitOtp.median.p50} / ${v.level.submitOtp.median.p99}`,
        `${v.level.cpuMsPerActivation.temporal} / ${v.level.cpuMsPerActivation.worker}`,
        v.workerRssMb ?? '—',
      ]),
    ),
  );
}

for (const [name, label] of [
  [`parked${suffix}`, 'worker defaults'],
  [`parked-cache100${suffix}`, 'WORKER_MAX_CACHED_WORKFLOWS=100'],
  [
    `parked-cache100-prebuilt${suffix}`,
    'WORKER_MAX_CACHED_WORKFLOWS=100 and a prebuilt workflow bundle, as in the Docker image',
  ],
] as const) {
  const parked = load<ParkedResult>(name);
  if (!parked) continue;
  section(`Parked activations (${label})`);
  out.push(
    table(
      [
        'parked',
        'starts/s',
        'all parked after',
        'worker RSS before',
        'peak while parking',
        'while parked',
        'resumed',
        'resume rate',
        'submitOtp p50/p95/p99 (evicted → replayed)',
        'resume to activated p50/p99',
        'goal < 350 MB',
      ],
      [
        [
          parked.parked,
          parked.startsPerSecond,
          `${parked.parkSeconds} s`,
          `${parked.rssMb.beforeStart} MB`,
          `${parked.rssMb.peakWhileParking} MB`,
          `${Math.max(...parked.rssMb.whileParked)} MB`,
          parked.resumed,
          `${parked.resume.perSecond}/s`,
          `${parked.resume.submitOtp.p50} / ${parked.resume.submitOtp.p95} / ${parked.resume.submitOtp.p99} ms`,
          `${parked.resume.total.p50} / ${parked.resume.total.p99} ms`,
          parked.goal.met ? 'met' : 'not met',
        ],
      ],
    ),
  );
}

// The parked benchmark with the compiled worker (node dist/worker/main.js), 1,000 and 10,000 parked, cache
// 100 and 500: `npm run bench -- --only=parked --worker=compiled --parked=<n> --worker-env=WORKER_MAX_CACHED_WORKFLOWS=<c> --tag=compiled-cache<c>-<1k|10k>`.
const compiledParked = [100, 500].flatMap((cache) =>
  (['1k', '10k'] as const).map((size) => ({
    cache,
    size,
    result: load<ParkedResult>(`parked-compiled-cache${cache}-${size}`),
  })),
);
if (compiledParked.some((p) => p.result)) {
  section('Parked activations, compiled worker (node dist/worker/main.js with dist/workflow-bundle.js)');
  out.push(
    table(
      [
        'cache',
        'parked',
        'all parked after',
        'worker RSS before',
        'peak while parking',
        'while parked: max / settled',
        'growth 1,000 → 10,000',
        'resumed',
        'resume submitOtp p50 / p99',
        'goal',
      ],
      parkedMemoryRows(compiledParked.flatMap((p) => (p.result ? [{ cache: p.cache, result: p.result }] : []))).map(
        (r) => [
          r.cache,
          r.parked,
          `${r.parkSeconds} s`,
          `${r.rssBefore} MB`,
          `${r.peakWhileParking} MB`,
          `${r.whileParked} / ${r.settled} MB`,
          r.growthPercent === undefined ? '—' : `${r.growthPercent} %`,
          r.resumed,
          `${r.submitOtpP50} / ${r.submitOtpP99} ms`,
          r.goal,
        ],
      ),
    ),
  );
}

const text = out.join('\n').trim() + '\n';
writeFileSync(path.join(dir, `tables${suffix}.md`), text);
console.log(text);
