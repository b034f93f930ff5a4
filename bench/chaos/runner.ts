// The chaos suite: concurrent activations driven end to end through the real stack (separate processes)
// while one kind of fault is applied, then every activation is checked against the pass criteria.
//
//   worker-kill   the worker is SIGKILLed at random moments and restarted
//   server-kill   the Temporal dev server is SIGKILLed and restarted on the same SQLite file
//   gateway-kill  the HTTP gateway is SIGKILLed during bursts of (triplicated) payment webhooks
//   vlens-faults  the sandbox answers 20% 503, drops 5% of connections and delays 10% by 300 ms (seeded)
//
// Used by `npm run chaos` (bench/chaos.ts) and by the short test in test/chaos/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { mulberry32 } from '../../sandbox/faults';
import { createDataConverter, createEncryptionCodec, parseCodecKeys } from '../../codec';
import { driveActivation, scriptFor, type DriveRecord } from '../lib/gateway-driver';
import { httpJson, newRetryStats } from '../lib/http';
import { LocalStack, sleep, type PieceName } from '../lib/stack';
import { BENIGN_TASK_FAILURES, verifyActivations, type ActivationVerdict, type SandboxCall } from './verify';

export const SCENARIOS = ['worker-kill', 'server-kill', 'gateway-kill', 'vlens-faults'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ChaosOptions {
  mode: 'short' | 'full';
  scenarios?: readonly ScenarioName[];
  /** Concurrent activations per scenario (short 20, full 200). */
  activations?: number;
  /** Kills required per kill scenario for the run to count (short 3, full 10). */
  minKills?: number;
  seed?: number;
  runDir: string;
  /** Per-activation budget before it is declared stuck. */
  activationDeadlineMs?: number;
  log?: (line: string) => void;
  /**
   * Count proven crash re-executions (a Vlens call repeated because the attempt that made it died with a
   * killed process) as breaches too. Off by default: no code can prevent them without an idempotency key
   * on Vlens's side; they are always listed.
   */
  strict?: boolean;
}

export interface ScenarioReport {
  name: ScenarioName;
  activations: number;
  /** Most activations in flight at one moment. */
  peakConcurrent: number;
  durationMs: number;
  kills: number;
  killsRequired: number;
  /** Pieces that exited on their own during the scenario (restarted by the runner, like a supervisor). */
  unexpectedExits: string[];
  outcomes: Record<string, number>;
  smsBreaches: number;
  validatePaymentBreaches: number;
  /** Extra Vlens calls proven to be at-least-once re-executions of an attempt lost in a crash (with evidence). */
  crashReexecutions: string[];
  duplicateSignalsReachingWorkflow: number;
  actedTwice: number;
  taskFailures: Record<string, number>;
  taskTimeouts: number;
  webhookAnswers: Record<string, number>;
  httpRetries: Record<string, number>;
  /** vlens-faults: what the sandbox actually injected. */
  injected?: { calls: number; status503: number; dropped: number; delayed: number };
  latencyMs: { p50: number; p95: number; max: number };
  breaches: string[];
}

export interface ChaosReport {
  mode: 'short' | 'full';
  strict: boolean;
  startedAt: string;
  runDir: string;
  scenarios: ScenarioReport[];
  ok: boolean;
}

interface FaultPlan {
  piece?: PieceName;
  gapMs: [number, number];
  downMs: [number, number];
  /** Hold every payment until all activations are ready to pay, then kill the piece inside that burst. */
  burst?: boolean;
}

/** Releases everyone once `expected` have arrived, or `timeoutMs` after the first arrival. */
class Barrier {
  private arrived = 0;
  private release!: () => void;
  readonly released: Promise<void> = new Promise((resolve) => (this.release = resolve));
  private timer?: NodeJS.Timeout;
  constructor(
    private expected: number,
    private readonly timeoutMs: number,
  ) {}
  arrive(): Promise<void> {
    this.arrived++;
    this.timer ??= setTimeout(() => this.release(), this.timeoutMs);
    if (this.arrived >= this.expected) this.open();
    return this.released;
  }
  /** One fewer to wait for (a driver that will never arrive). */
  forfeit(): void {
    this.expected--;
    if (this.arrived > 0 && this.arrived >= this.expected) this.open();
  }
  open(): void {
    clearTimeout(this.timer);
    this.release();
  }
}

const KILL_PLANS: Record<'short' | 'full', Partial<Record<ScenarioName, FaultPlan>>> = {
  short: {
    'worker-kill': { piece: 'worker', gapMs: [5_000, 9_000], downMs: [200, 1_500] },
    'server-kill': { piece: 'temporal', gapMs: [3_000, 6_000], downMs: [200, 2_000] },
    'gateway-kill': { piece: 'gateway', gapMs: [4_000, 8_000], downMs: [200, 1_500], burst: true },
  },
  full: {
    'worker-kill': { piece: 'worker', gapMs: [3_000, 8_000], downMs: [200, 3_000] },
    'server-kill': { piece: 'temporal', gapMs: [3_000, 8_000], downMs: [200, 3_000] },
    'gateway-kill': { piece: 'gateway', gapMs: [3_000, 7_000], downMs: [200, 2_000], burst: true },
  },
};

/** 20% 503, 5% dropped connections, 300 ms delay on 10% of calls, each drawn from its own seeded stream. */
export function vlensFaults(seed: number) {
  return [
    { path: '/api/**', delayMs: 300, probability: 0.1, seed: seed + 1 },
    { path: '/api/**', drop: true as const, probability: 0.05, seed: seed + 2 },
    // Drawn only for calls that were not dropped: 0.2 / 0.95 of those is 20% of all calls.
    { path: '/api/**', status: 503 as const, probability: 0.2 / 0.95, seed: seed + 3 },
  ];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scenarios = options.scenarios ?? SCENARIOS;
  const n = options.activations ?? (options.mode === 'full' ? 200 : 20);
  const minKills = options.minKills ?? (options.mode === 'full' ? 10 : 3);
  const seed = options.seed ?? 42;
  mkdirSync(options.runDir, { recursive: true });
  const report: ChaosReport = { mode: options.mode, strict: options.strict ?? false, startedAt: new Date().toISOString(), runDir: options.runDir, scenarios: [], ok: false };

  log(`chaos (${options.mode}): ${scenarios.join(', ')}; ${n} concurrent activations each; logs in ${options.runDir}`);
  const t0 = Date.now();
  const stack = await LocalStack.start({
    runDir: options.runDir,
    log,
    // Durable retries of user-facing calls need the worker to retry quickly after a dropped connection.
    workerEnv: { VLENS_HTTP_TIMEOUT_MS: '5000' },
  });
  log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s: Temporal ${stack.temporalAddress}, sandbox ${stack.sandboxUrl}, gateway ${stack.gatewayUrl}`);
  const keys = parseCodecKeys(stack.codecKeys);
  let connection: Connection | undefined;
  try {
    for (const [i, name] of scenarios.entries()) {
      const scenario = await runScenario(stack, name, {
        n,
        minKills,
        seed: seed + i * 1000,
        plan: KILL_PLANS[options.mode][name],
        deadlineMs: options.activationDeadlineMs ?? (options.mode === 'full' ? 360_000 : 240_000),
        thinkMs: options.mode === 'full' ? [1_000, 6_000] : [300, 1_500],
        arrivalWindowMs: options.mode === 'full' ? 30_000 : 8_000,
        strict: options.strict ?? false,
        log,
        verify: async (records, kills) => {
          connection ??= await Connection.connect({ address: stack.temporalAddress });
          const client = new Client({ connection, dataConverter: createDataConverter(keys) });
          const calls = (await httpJson(`${stack.sandboxUrl}/sandbox/calls`, 'GET', undefined, {}, 60_000)).body as SandboxCall[];
          return {
            calls,
            verdicts: await verifyActivations({ records, client, codec: createEncryptionCodec(keys), sandboxUrl: stack.sandboxUrl, calls, closeWaitMs: 30_000, kills }),
          };
        },
      });
      report.scenarios.push(scenario);
      log(scenario.breaches.length ? `  FAIL ${name}: ${scenario.breaches.length} breach(es)` : `  PASS ${name}`);
      for (const b of scenario.breaches.slice(0, 10)) log(`    breach: ${b}`);
      for (const e of scenario.crashReexecutions.slice(0, 10)) log(`    crash re-execution: ${e}`);
    }
  } finally {
    await connection?.close().catch(() => undefined);
    await stack.stop();
  }
  report.ok = report.scenarios.length === scenarios.length && report.scenarios.every((s) => s.breaches.length === 0);
  log('');
  log(summaryTable(report));
  return report;
}

interface ScenarioArgs {
  n: number;
  minKills: number;
  seed: number;
  plan?: FaultPlan;
  deadlineMs: number;
  thinkMs: [number, number];
  arrivalWindowMs: number;
  strict: boolean;
  log: (line: string) => void;
  verify: (records: DriveRecord[], kills: number[]) => Promise<{ calls: SandboxCall[]; verdicts: ActivationVerdict[] }>;
}

async function runScenario(stack: LocalStack, name: ScenarioName, args: ScenarioArgs): Promise<ScenarioReport> {
  const { log, n } = args;
  const random = mulberry32(args.seed);
  const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
  const started = Date.now();
  const exitsBefore = stack.unexpectedExits.length;
  log(`\n== ${name}: ${n} activations${args.plan ? `, SIGKILL ${args.plan.piece} every ${args.plan.gapMs[0] / 1000}-${args.plan.gapMs[1] / 1000}s` : ''}`);

  const faultIds: string[] = [];
  if (name === 'vlens-faults') {
    for (const fault of vlensFaults(args.seed)) {
      const answer = await httpJson(`${stack.sandboxUrl}/sandbox/faults`, 'POST', fault);
      faultIds.push(answer.body.id);
    }
  }

  const stats = newRetryStats();
  // Burst plans: payers are split into waves; each wave pays at once, and the piece is killed inside each burst.
  const waves = args.plan?.burst ? Math.max(1, Math.min(4, Math.floor(n / 10))) : 0;
  const waveOf = (i: number) => i % Math.max(1, waves);
  const barriers = Array.from({ length: waves }, (_, w) => {
    const payers = Array.from({ length: n }, (_, i) => i).filter((i) => waveOf(i) === w && scriptFor(i) !== 'cancel').length;
    return new Barrier(payers, 60_000);
  });
  let burstsPending = 0;
  for (const b of barriers) void b.released.then(() => burstsPending++);
  const targetFor = (i: number) => ({
    gatewayUrl: stack.gatewayUrl,
    sandboxUrl: stack.sandboxUrl,
    stats,
    deadlineMs: args.deadlineMs,
    thinkMs: args.thinkMs,
    ...(waves ? { beforePayment: () => barriers[waveOf(i)]!.arrive() } : {}),
  });
  let finished = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  // Starts spread over the arrival window, so kills land at every step of some activation and the
  // scenario lasts long enough for its kills; each activation outlives the window, so they overlap.
  const staggerMs = args.arrivalWindowMs / n;
  const drivers = Array.from({ length: n }, async (_, i) => {
    await sleep(i * staggerMs);
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    const record = await driveActivation(targetFor(i), i, scriptFor(i));
    // A payer that failed before paying must not hold the others back.
    if (waves && record.expected === 'activated' && !record.paymentId) barriers[waveOf(i)]!.forfeit();
    finished++;
    inFlight--;
    return record;
  });
  const allDone = () => finished >= n;

  // The fault loop, and a supervisor that restarts any piece that dies on its own.
  let kills = 0;
  const killTimes: number[] = [];
  let inDowntime = false;
  const supervisor = setInterval(() => {
    if (inDowntime) return;
    for (const piece of stack.procs.keys()) {
      if (!stack.isRunning(piece)) {
        inDowntime = true;
        log(`  supervisor: restarting ${piece}, which exited on its own`);
        stack
          .startPiece(piece)
          .catch((error: unknown) => log(`  supervisor: restart of ${piece} failed: ${String(error)}`))
          .finally(() => (inDowntime = false));
        return;
      }
    }
  }, 1_000);
  const killOnce = async (piece: PieceName, why: string) => {
    inDowntime = true;
    try {
      killTimes.push(Date.now());
      await stack.kill(piece, 'SIGKILL');
      kills++;
      const down = between(args.plan?.downMs ?? [200, 1_000]);
      log(`  ${((Date.now() - started) / 1000).toFixed(0)}s: SIGKILL ${piece} #${kills}${why} (${finished}/${n} done); down ${Math.round(down)} ms`);
      await sleep(down);
      const t = Date.now();
      await stack.startPiece(piece);
      log(`      ${piece} back after ${Date.now() - t} ms`);
    } finally {
      inDowntime = false;
    }
  };
  const killer = (async () => {
    const plan = args.plan;
    if (!plan?.piece) return;
    // Besides the random schedule, the required kills are spread over the run's progress: kill k is due
    // once k/(minKills+1) of the activations have finished, so a fast run still gets all its kills while
    // most activations are in flight.
    const due = () => kills < args.minKills && finished >= Math.ceil((n * (kills + 1)) / (args.minKills + 1));
    while (!allDone()) {
      const gapUntil = Date.now() + between(plan.gapMs);
      while (Date.now() < gapUntil && !allDone() && burstsPending === 0 && !due()) await sleep(50);
      if (allDone()) break;
      if (burstsPending > 0) {
        // Inside a burst of payment webhooks: a short random moment after it starts.
        burstsPending--;
        while (inDowntime) await sleep(20);
        await sleep(random() * 400);
        await killOnce(plan.piece, ' during a payment burst');
        continue;
      }
      if (inDowntime) continue;
      await killOnce(plan.piece, '');
    }
  })();
  const ticker = setInterval(() => log(`  ${((Date.now() - started) / 1000).toFixed(0)}s: ${finished}/${n} activations done, ${kills} kills`), 10_000);

  let records: DriveRecord[];
  try {
    records = await Promise.all(drivers);
  } finally {
    clearInterval(ticker);
    await killer;
    clearInterval(supervisor);
    while (inDowntime) await sleep(100);
    for (const id of faultIds) await httpJson(`${stack.sandboxUrl}/sandbox/faults/${id}`, 'DELETE').catch(() => undefined);
  }
  const durationMs = Date.now() - started;
  log(`  all ${n} drivers returned after ${(durationMs / 1000).toFixed(0)}s; verifying...`);

  // Kills of the worker or the server can lose an activity's result after its Vlens call succeeded.
  const activityKills = args.plan?.piece === 'worker' || args.plan?.piece === 'temporal' ? killTimes : [];
  const { calls, verdicts } = await args.verify(records, activityKills);
  const breaches: string[] = [];
  for (const v of verdicts) for (const b of v.breaches) breaches.push(`${v.requestId} (${v.script}): ${b}`);
  if (args.strict) for (const v of verdicts) for (const e of v.crashReexecutions) breaches.push(`${v.requestId} (${v.script}): (strict) ${e}`);
  if (args.plan?.piece && kills < args.minKills) breaches.push(`only ${kills} kills happened; the run needs at least ${args.minKills}`);

  const outcomes: Record<string, number> = {};
  const taskFailures: Record<string, number> = {};
  const webhookAnswers: Record<string, number> = {};
  for (const v of verdicts) outcomes[v.finalState ?? 'unknown'] = (outcomes[v.finalState ?? 'unknown'] ?? 0) + 1;
  for (const v of verdicts) for (const [cause, k] of Object.entries(v.taskFailures)) taskFailures[cause] = (taskFailures[cause] ?? 0) + k;
  for (const r of records) for (const [k, c] of Object.entries(r.webhookAnswers)) webhookAnswers[k] = (webhookAnswers[k] ?? 0) + c;
  const totals = records.map((r) => r.ms.total ?? 0).sort((a, b) => a - b);

  let injected: ScenarioReport['injected'];
  if (name === 'vlens-faults') {
    const ids = new Set(records.map((r) => r.requestId));
    const mine = calls.filter((c) => c.requestId && ids.has(c.requestId));
    injected = {
      calls: mine.length,
      status503: mine.filter((c) => c.httpStatus === 503).length,
      dropped: mine.filter((c) => c.dropped).length,
      // Delays leave no mark of their own when the call then succeeds; a faultId on a 200 is a delay.
      delayed: mine.filter((c) => c.faultId && c.httpStatus !== 503 && !c.dropped).length,
    };
  }

  return {
    name,
    activations: n,
    peakConcurrent: peakInFlight,
    durationMs,
    kills,
    killsRequired: args.plan?.piece ? args.minKills : 0,
    unexpectedExits: stack.unexpectedExits.slice(exitsBefore).map((e) => `${e.piece} code ${e.code} signal ${e.signal} at ${e.at}`),
    outcomes,
    smsBreaches: verdicts.filter((v) => v.smsSent !== v.expectedSms).length,
    validatePaymentBreaches: verdicts.filter((v) => v.validatePaymentOk !== (v.expected === 'activated' ? 1 : 0)).length,
    crashReexecutions: verdicts.flatMap((v) => v.crashReexecutions.map((e) => `${v.requestId} (${v.script}): ${e}`)),
    duplicateSignalsReachingWorkflow: verdicts.filter((v) => v.maxSignalsPerEvent > 1).length,
    actedTwice: verdicts.filter((v) => v.actedNotifications > v.distinctEvents).length,
    taskFailures,
    taskTimeouts: verdicts.reduce((a, v) => a + v.taskTimeouts, 0),
    webhookAnswers,
    httpRetries: Object.fromEntries(stats.retries),
    ...(injected ? { injected } : {}),
    latencyMs: { p50: percentile(totals, 50), p95: percentile(totals, 95), max: totals[totals.length - 1] ?? 0 },
    breaches,
  };
}

export function summaryTable(report: ChaosReport): string {
  const header = ['scenario', 'acts', 'peak', 'activated', 'cancelled', 'other', 'kills', 'crashes', 'SMS!=1+resends', 'ValidatePay!=1', 'of which crash re-exec', 'dup signals', 'acted twice', 'WFT failed', 'p50 s', 'max s', 'result'];
  const rows = report.scenarios.map((s) => {
    const other = s.activations - (s.outcomes.activated ?? 0) - (s.outcomes.cancelled ?? 0);
    const wft = Object.entries(s.taskFailures)
      .map(([cause, k]) => `${k}${BENIGN_TASK_FAILURES.has(cause) ? '*' : ''}`)
      .join('+');
    return [
      s.name,
      String(s.activations),
      String(s.peakConcurrent),
      String(s.outcomes.activated ?? 0),
      String(s.outcomes.cancelled ?? 0),
      String(other),
      s.killsRequired ? `${s.kills}/${s.killsRequired}` : '-',
      String(s.unexpectedExits.length),
      String(s.smsBreaches),
      String(s.validatePaymentBreaches),
      String(s.crashReexecutions.length),
      String(s.duplicateSignalsReachingWorkflow),
      String(s.actedTwice),
      wft || '0',
      (s.latencyMs.p50 / 1000).toFixed(1),
      (s.latencyMs.max / 1000).toFixed(1),
      s.breaches.length ? 'FAIL' : 'PASS',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  out.push('', 'peak: most activations in flight at once. kills: done/required. crashes: pieces that exited without being killed.');
  out.push(
    'crash re-exec: extra Vlens calls proven (from the history) to be an activity attempt lost with a killed process and retried: ' +
      'at-least-once execution of a call Vlens gives no idempotency key for; listed below with the evidence, not counted as breaches.',
  );
  out.push('dup signals: activations whose history holds more than one paymentCompleted signal for one event id (the workflow must ignore the extra).');
  out.push('WFT failed: workflow task failures; * = UNHANDLED_COMMAND (server refused a completion because a new event arrived), not a code fault.');
  for (const s of report.scenarios) {
    if (s.injected) {
      const pct = (k: number) => `${((100 * k) / Math.max(1, s.injected!.calls)).toFixed(1)}%`;
      out.push(`${s.name}: ${s.injected.calls} Vlens calls, ${pct(s.injected.status503)} answered 503, ${pct(s.injected.dropped)} dropped, ${pct(s.injected.delayed)} delayed 300 ms`);
    }
    for (const e of s.crashReexecutions) out.push(`  crash re-execution ${s.name}: ${e}`);
    if (s.unexpectedExits.length) out.push(`${s.name}: pieces that exited on their own: ${s.unexpectedExits.join('; ')}`);
    for (const b of s.breaches.slice(0, 20)) out.push(`  breach ${s.name}: ${b}`);
    if (s.breaches.length > 20) out.push(`  ... and ${s.breaches.length - 20} more breaches in ${s.name}`);
  }
  out.push(report.ok ? 'ALL PASS' : 'FAILED');
  return out.join('\n');
}

export function defaultRunDir(root: string, mode: string): string {
  return path.join(root, `chaos-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}
