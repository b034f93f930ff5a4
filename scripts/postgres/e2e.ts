// `npm run test:postgres`: the whole system on the production persistence, natively (no Docker).
// The real Temporal server v1.29.1 on the local PostgreSQL (fresh databases per run), the Vlens sandbox,
// TWO worker processes on one task queue, and the HTTP gateway (webhook dedup record in PostgreSQL too).
// Drives E2E_ACTIVATIONS (default 20) activations through the gateway's HTTP API — start, OTP from the
// sandbox inbox, payment on the sandbox (which sends the signed webhook to the gateway) — restarts the
// Temporal server mid-way, once half are activated (SIGTERM, start again on the same databases), and asserts that every activation
// reaches `activated`. Prints a summary with timings; exits non-zero on failure; always cleans up its
// processes and databases. Uses free ports, so it runs beside `npm start` (7233/3000/4010).
//
// Env: E2E_ACTIVATIONS, E2E_TIMEOUT_SECONDS (default 600), E2E_KEEP_LOGS=1, PGHOST/PGPORT/PGUSER/PGPASSWORD,
// TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH / TEMPORAL_CLI_PATH (else found or built).
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import pg from 'pg';
import { buildWorkflowBundle } from '../build-workflow-bundle';
import { ROOT, TSX, stopProcess, waitForHttp, waitForTemporal, type ManagedProcess } from '../local-stack';
import { resolveTemporalCli } from '../temporal-cli';
import { provisionTemporalServer } from './provision-temporal-server';
import {
  createPlainDatabase,
  createTemporalDatabases,
  dropTemporalDatabases,
  freshDatabaseNames,
  postgresTargetFromEnv,
} from './temporal-db';
import { freePort, freeServerPorts, prepareNamespace, startTemporalServer, writeServerConfig } from './temporal-server';

const env = process.env;
const N = Number(env.E2E_ACTIVATIONS ?? 20);
const TIMEOUT_MS = Number(env.E2E_TIMEOUT_SECONDS ?? 600) * 1000;
const API_KEY = 'dev-key';
const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
// Proto enum values (plain numbers: @temporalio/proto has no named ESM exports under tsx).
const TASK_QUEUE_TYPE_WORKFLOW = 1;
/** The server refusing a completion because a signal arrived at the same moment; the SDK retries at once. */
const WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND = 1;
const RESERVED_PORTS = new Set([7233, 8233, 3000, 4010, 8888]);

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (line: string) => console.log(`[e2e ${elapsed()}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const device = () => ({ geoLocation: CAIRO, userDeviceUtcTime: new Date().toISOString() });

// ---------------------------------------------------------------------------------------------------
// Processes and cleanup

const processes: ManagedProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
let workDir = '';
let failed = false;

function spawnLogged(
  name: string,
  command: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv,
  logFile: string,
): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc = { name, child, exited };
  processes.push(proc);
  return proc;
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `    ${l.slice(0, 400)}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}

/** Rejects when the process exits before `ready` resolves. */
async function readyOrExit<T>(proc: ManagedProcess, ready: Promise<T>, logFile: string): Promise<T> {
  const died = proc.exited.then((code) => {
    throw new Error(`${proc.name} exited with code ${code} while starting:\n${tail(logFile)}`);
  });
  return Promise.race([ready, died]);
}

let cleaningUp: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    // Callers first, the server last.
    for (const proc of [...processes].reverse()) await stopProcess(proc, 10_000).catch(() => undefined);
    for (const fn of cleanups.reverse()) await fn().catch((error: unknown) => log(`cleanup: ${String(error)}`));
    if (workDir) {
      if (failed || env.E2E_KEEP_LOGS === '1') log(`logs kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    }
  })();
  return cleaningUp;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    failed = true;
    log(`${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------
// HTTP with retries: a client of the gateway retries 5xx and connection errors (Temporal restarting).

/** HTTP bodies here are loosely shaped JSON; the gateway's and sandbox's own tests pin their schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

interface Answer {
  status: number;
  body: Loose;
}

let retriedCalls = 0;

async function httpOnce(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

async function http(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  budgetMs = 120_000,
): Promise<Answer> {
  const until = Date.now() + budgetMs;
  let delay = 250;
  let last = '';
  for (;;) {
    try {
      const answer = await httpOnce(url, method, body, headers);
      if (answer.status < 500) return answer;
      last = `HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > until) throw new Error(`${method} ${url} kept failing for ${budgetMs / 1000}s: ${last}`);
    retriedCalls++;
    await sleep(delay);
    delay = Math.min(delay * 2, 2_000);
  }
}

// ---------------------------------------------------------------------------------------------------
// One activation, driven like an app and a payment provider would.

interface Run {
  index: number;
  requestId: string;
  gateway: 'kashier' | 'fawry';
  startedAt: number;
  otpAcceptedAt?: number;
  paidAt?: number;
  activatedAt?: number;
  /** Some step of this activation was in flight while the server was down or restarting. */
  spannedRestart: boolean;
  error?: string;
}

const maxOf = (values: number[]) => (values.length === 0 ? NaN : Math.max(...values));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 1)
    throw new Error(`E2E_ACTIVATIONS must be a positive integer, got ${env.E2E_ACTIVATIONS}`);
  const timings: Record<string, number> = {};
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = Date.now() - started;
    }
  };

  workDir = mkdtempSync(path.join(os.tmpdir(), 'vlens-pg-e2e-'));
  const logs = (name: string) => path.join(workDir, `${name}.log`);
  log(`work directory ${workDir}; ${N} activations`);

  // 1. Binaries, databases, server.
  const install = await timed('provision', () => provisionTemporalServer((line) => log(line)));
  const cli = await resolveTemporalCli((line) => log(line));
  log(`temporal-server ${install.server}; sql tool ${install.sqlTool}; CLI ${cli.path}`);

  const target = postgresTargetFromEnv();
  const databases = freshDatabaseNames();
  const gatewayDb = `${databases.main}_gw`;
  cleanups.push(async () => {
    const ok = await dropTemporalDatabases(target, [databases.main, databases.visibility, gatewayDb], (line) =>
      log(line),
    );
    if (!ok) failed = true;
  });
  await timed('databases', async () => {
    await createTemporalDatabases(install, target, databases, (line) => log(line));
    await createPlainDatabase(target, gatewayDb);
  });
  log(`databases ${databases.main}, ${databases.visibility}, ${gatewayDb} on ${target.host}:${target.port}`);

  const ports = await freeServerPorts();
  const address = `127.0.0.1:${ports.frontend}`;
  const serverRoot = path.join(workDir, 'temporal');
  writeServerConfig(serverRoot, { databases, target, ports, logLevel: 'warn' });
  let server = startTemporalServer(install, serverRoot, logs('temporal-server'));
  processes.push(server);
  await timed('server-start', () => readyOrExit(server, waitForTemporal(address, 60_000), logs('temporal-server')));
  log(`Temporal server ${install.version} on ${address} (PostgreSQL), ready`);
  await timed('namespace', () => prepareNamespace(cli.path, address));
  log('namespace default created; search attributes ActivationState, VlensRequestId, ActivationTenant registered');

  // 2. App processes.
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  await timed('bundle', () => buildWorkflowBundle(bundlePath));
  const [sandboxPort, gatewayPort] = [await freePort(), await freePort()];
  if (RESERVED_PORTS.has(sandboxPort) || RESERVED_PORTS.has(gatewayPort) || sandboxPort === gatewayPort) {
    throw new Error(`unlucky port pick ${sandboxPort}/${gatewayPort}; run again`);
  }
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const taskQueue = `pg-e2e-${randomUUID().slice(0, 8)}`;
  const dataDir = path.join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    // One key for every process: what a worker encrypts, the gateway and the other worker must read.
    CODEC_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
  };

  await timed('app-start', async () => {
    const sandbox = spawnLogged(
      'sandbox',
      TSX,
      ['sandbox/main.ts'],
      {
        ...common,
        SANDBOX_PORT: String(sandboxPort),
        SANDBOX_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/{gateway}`,
        SANDBOX_VLENS_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/vlens`,
      },
      logs('sandbox'),
    );
    const workers = [1, 2].map((i) =>
      spawnLogged(
        `worker-${i}`,
        TSX,
        ['worker/main.ts'],
        { ...common, VLENS_BASE_URL: sandboxUrl, WORKFLOW_BUNDLE_PATH: bundlePath, WORKER_SHUTDOWN_GRACE_SECONDS: '5' },
        logs(`worker-${i}`),
      ),
    );
    const gateway = spawnLogged(
      'gateway',
      TSX,
      ['gateway/main.ts'],
      {
        ...common,
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_API_KEYS: API_KEY,
        GATEWAY_DATA_DIR: dataDir,
        DATABASE_URL: `postgres://${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@${target.host}:${target.port}/${gatewayDb}`,
        GATEWAY_LOG_LEVEL: 'warn',
        // A burst of N activations from one API key is this test, not abuse.
        GATEWAY_RATE_PER_API_KEY: '100000',
      },
      logs('gateway'),
    );
    await readyOrExit(sandbox, waitForHttp(`${sandboxUrl}/sandbox/health`, 60_000), logs('sandbox'));
    await readyOrExit(gateway, waitForHttp(`${gatewayUrl}/healthz`, 60_000), logs('gateway'));
    await Promise.race([
      waitForPollers(address, taskQueue, 2, 90_000),
      ...workers.map((w, i) => readyOrExit(w, new Promise<never>(() => undefined), logs(`worker-${i + 1}`))),
    ]);
  });
  log(`sandbox ${sandboxUrl}, gateway ${gatewayUrl}, two workers polling task queue ${taskQueue}`);

  // 3. Drive the activations; restart the server when half of them have their OTP accepted.
  const api = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    http(`${gatewayUrl}${route}`, method, body, { authorization: `Bearer ${API_KEY}`, ...headers });
  const sandboxApi = (method: string, route: string, body?: unknown) => http(`${sandboxUrl}${route}`, method, body);

  let inFlightAtRestart = 0;
  let restartWindow: { from: number; to?: number } | undefined;
  let restartDone: Promise<void> | undefined;
  let otpAccepted = 0;
  let activated = 0;
  const restartAfter = Math.max(1, Math.floor(N / 2));

  const restartServer = async () => {
    const from = Date.now();
    restartWindow = { from };
    inFlightAtRestart = N - activated;
    log(`restarting the Temporal server (SIGTERM): ${activated}/${N} activated, ${otpAccepted}/${N} OTPs accepted`);
    await stopProcess(server, 30_000);
    const stoppedAt = Date.now();
    server = startTemporalServer(install, serverRoot, logs('temporal-server'));
    processes.push(server);
    await readyOrExit(server, waitForTemporal(address, 60_000), logs('temporal-server'));
    restartWindow.to = Date.now();
    timings['restart-stop'] = stoppedAt - from;
    timings['restart-total'] = restartWindow.to - from;
    log(
      `Temporal server back after ${restartWindow.to - from} ms (stop ${stoppedAt - from} ms, start ${restartWindow.to - stoppedAt} ms)`,
    );
  };

  const overlapsRestart = (from: number, to: number) =>
    restartWindow !== undefined && from <= (restartWindow.to ?? Infinity) && to >= restartWindow.from;

  const waitForState = async (run: Run, wanted: string[], budgetMs: number) => {
    const until = Date.now() + budgetMs;
    let last: Loose;
    while (Date.now() < until) {
      const answer = await api('GET', `/v1/activations/${run.requestId}`);
      last = answer.body;
      if (answer.status === 200 && wanted.includes(last.state)) return last;
      if (answer.status === 200 && (last.state === 'failed' || last.state === 'cancelled')) {
        throw new Error(
          `activation ${run.requestId} ended ${last.state} (${last.failureReason}); events ${JSON.stringify(last.events?.slice(-5))}`,
        );
      }
      await sleep(200);
    }
    throw new Error(
      `activation ${run.requestId} did not reach ${wanted.join('|')} in ${budgetMs / 1000}s; last ${JSON.stringify(last)?.slice(0, 500)}`,
    );
  };

  const drive = async (run: Run): Promise<void> => {
    const seeded = await sandboxApi('POST', '/sandbox/requests', { lastLocation: CAIRO, paymentGateway: run.gateway });
    if (seeded.status !== 201 && seeded.status !== 200)
      throw new Error(`seeding failed: ${JSON.stringify(seeded.body)}`);
    run.requestId = seeded.body.requestId;
    run.startedAt = Date.now();

    const started = await api('POST', '/v1/activations', {
      requestId: seeded.body.requestId,
      transactionId: seeded.body.transactionId,
      device: device(),
      accessToken: seeded.body.accessToken,
      paymentGateway: run.gateway,
    });
    if (started.status !== 202 && started.status !== 200)
      throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);

    await waitForState(run, ['awaiting_otp'], 120_000);
    const otp = await sandboxApi('GET', `/sandbox/requests/${run.requestId}/latest-otp`);
    if (otp.status !== 200) throw new Error(`no OTP in the sandbox inbox: ${JSON.stringify(otp.body)}`);
    // The Idempotency-Key makes a retried submission the same update, so retrying through a restart is safe.
    const submitted = await api(
      'POST',
      `/v1/activations/${run.requestId}/otp`,
      { code: otp.body.code, device: device() },
      { 'idempotency-key': `otp-${run.requestId}` },
    );
    let status: Loose;
    if (submitted.status === 200 && submitted.body.outcome === 'accepted') status = submitted.body.status;
    else if (submitted.status === 409)
      status = await waitForState(run, ['awaiting_payment', 'activating', 'activated'], 5_000); // accepted by an earlier attempt
    else throw new Error(`OTP answered ${submitted.status}: ${JSON.stringify(submitted.body).slice(0, 400)}`);
    run.otpAcceptedAt = Date.now();
    otpAccepted++;

    if (status.state === 'awaiting_payment') {
      const link: string | undefined = status.nextAction?.paymentLink ?? status.payment?.link;
      if (!link) throw new Error(`no payment link in ${JSON.stringify(status).slice(0, 400)}`);
      const paymentId = new URL(link).pathname.split('/').pop();
      // The payment page's Pay button; the sandbox sends the signed webhook to the gateway. A delivery
      // that fails (gateway 503 while Temporal restarts) is redelivered, as Kashier and Fawry do.
      for (let attempt = 1; ; attempt++) {
        const paid = await sandboxApi('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
        if (paid.status !== 200)
          throw new Error(`payment answered ${paid.status}: ${JSON.stringify(paid.body).slice(0, 300)}`);
        run.paidAt ??= Date.now();
        if (paid.body.webhook?.httpStatus === 200) break;
        if (attempt >= 60)
          throw new Error(
            `the gateway never accepted the ${run.gateway} webhook: ${JSON.stringify(paid.body.webhook)}`,
          );
        retriedCalls++;
        await sleep(1_000);
      }
    }
    await waitForState(run, ['activated'], 300_000);
    run.activatedAt = Date.now();
    run.spannedRestart = overlapsRestart(run.startedAt, run.activatedAt);
    activated++;
    // Mid-way: half are done, the other half are somewhere between start and payment.
    if (activated === restartAfter && !restartDone) {
      restartDone = restartServer();
      restartDone.catch(() => undefined); // awaited (and reported) after the drive
    }
  };

  const runs: Run[] = Array.from({ length: N }, (_, index) => ({
    index,
    requestId: '',
    gateway: index % 2 === 0 ? 'kashier' : 'fawry',
    startedAt: 0,
    spannedRestart: false,
  }));
  const driveStarted = Date.now();
  const deadline = sleep(TIMEOUT_MS).then(() => {
    throw new Error(`the e2e did not finish within ${TIMEOUT_MS / 1000}s`);
  });
  await Promise.race([
    Promise.all(
      runs.map(async (run) => {
        await sleep(run.index * 250); // a steady arrival rather than one burst
        try {
          await drive(run);
        } catch (error) {
          run.error = error instanceof Error ? error.message : String(error);
          log(`activation #${run.index} failed: ${run.error}`);
        }
      }),
    ),
    deadline,
  ]);
  await restartDone;
  timings.drive = Date.now() - driveStarted;

  // 4. Cross-checks on the server and in PostgreSQL.
  const connection = await connectGuarded({ address });
  const client = new Client({ connection, namespace: 'default' });
  let taskFailures = 0;
  let notCompleted = 0;
  for (const run of runs.filter((r) => r.requestId)) {
    const handle = client.workflow.getHandle(`activation-${run.requestId}`);
    const description = await handle.describe();
    if (description.status.name !== 'COMPLETED') notCompleted++;
    const history = await handle.fetchHistory();
    taskFailures += (history.events ?? []).filter(
      (e) =>
        e.workflowTaskFailedEventAttributes &&
        e.workflowTaskFailedEventAttributes.cause !== WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    ).length;
  }
  // Visibility on PostgreSQL, through the custom search attribute (eventually consistent: poll briefly).
  let listedActivated = 0;
  for (let i = 0; i < 30; i++) {
    listedActivated = 0;
    for await (const _ of client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ActivationState = 'activated'`,
    }))
      listedActivated++;
    if (listedActivated >= N) break;
    await sleep(500);
  }
  await connection.close();
  const db = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: databases.main,
  });
  await db.connect();
  const stored = await db.query(
    `SELECT count(*)::int AS n FROM current_executions WHERE workflow_id LIKE 'activation-%'`,
  );
  await db.end();
  const gw = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: gatewayDb,
  });
  await gw.connect();
  const dedup = await gw
    .query(`SELECT count(*)::int AS n FROM gateway_webhook_events`)
    .catch(() => ({ rows: [{ n: -1 }] }));
  await gw.end();

  // 5. Summary.
  const done = runs.filter((r) => r.activatedAt !== undefined);
  const durations = done.map((r) => r.activatedAt! - r.startedAt);
  const spanning = done.filter((r) => r.spannedRestart).map((r) => r.activatedAt! - r.startedAt);
  const quiet = done.filter((r) => !r.spannedRestart).map((r) => r.activatedAt! - r.startedAt);
  const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)}s`);
  const problems: string[] = [];
  if (done.length !== N) problems.push(`${N - done.length} of ${N} activations did not reach activated`);
  if (!restartWindow?.to) problems.push('the Temporal server was not restarted');
  if (notCompleted > 0) problems.push(`${notCompleted} workflows are not COMPLETED`);
  if (listedActivated < N)
    problems.push(`visibility lists ${listedActivated} activations with ActivationState = 'activated', expected ${N}`);
  if (stored.rows[0].n < N) problems.push(`PostgreSQL holds ${stored.rows[0].n} activation executions, expected ${N}`);

  console.log(`
==== Temporal on PostgreSQL: end-to-end summary ====
  Temporal server       ${install.version} (temporal-server, plugin postgres12), frontend ${address}
  databases             ${databases.main} / ${databases.visibility} (+ ${gatewayDb} for webhook dedup)
  processes             sandbox, 2 workers (task queue ${taskQueue}), gateway
  activations           ${done.length}/${N} activated (${runs.filter((r) => r.gateway === 'kashier').length} Kashier, ${runs.filter((r) => r.gateway === 'fawry').length} Fawry webhooks)
  server restart        after ${restartAfter} activated, ${inFlightAtRestart} in flight; down ${fmt(timings['restart-total'] ?? NaN)} (SIGTERM->exit ${fmt(timings['restart-stop'] ?? NaN)})
  activation time       p50 ${fmt(percentile(durations, 50))}, p95 ${fmt(percentile(durations, 95))}, max ${fmt(maxOf(durations))}
    spanning restart    ${spanning.length} runs, p50 ${fmt(percentile(spanning, 50))}, max ${fmt(maxOf(spanning))}
    not spanning        ${quiet.length} runs, p50 ${fmt(percentile(quiet, 50))}, max ${fmt(maxOf(quiet))}
  client retries        ${retriedCalls} (HTTP 5xx / connection errors / webhook redeliveries)
  workflow task fails   ${taskFailures} (excluding UNHANDLED_COMMAND)
  visibility            ${listedActivated} listed with ActivationState = 'activated'
  PostgreSQL            ${stored.rows[0].n} activation executions stored; ${dedup.rows[0].n} webhook events (payment + Vlens status) in the dedup table
  setup                 provision ${fmt(timings.provision!)}, databases ${fmt(timings.databases!)}, server ${fmt(timings['server-start']!)}, namespace ${fmt(timings.namespace!)}, bundle ${fmt(timings.bundle!)}, app processes ${fmt(timings['app-start']!)}
  drive                 ${fmt(timings.drive!)}; total ${elapsed()}
  result                ${problems.length === 0 ? 'PASS' : `FAIL\n    - ${problems.join('\n    - ')}`}
`);
  if (problems.length > 0) {
    failed = true;
    for (const run of runs.filter((r) => r.error).slice(0, 5))
      console.log(`  #${run.index} ${run.requestId}: ${run.error}`);
    for (const name of ['temporal-server', 'worker-1', 'worker-2', 'gateway', 'sandbox'])
      console.log(`--- ${name} (tail) ---\n${tail(logs(name), 15)}`);
  }
}

async function waitForPollers(address: string, taskQueue: string, count: number, timeoutMs: number): Promise<void> {
  const connection = await connectGuarded({ address });
  try {
    const until = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < until) {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      });
      seen = new Set((answer.pollers ?? []).map((p) => p.identity)).size;
      if (seen >= count) return;
      await sleep(500);
    }
    throw new Error(`only ${seen} of ${count} workers polled ${taskQueue} within ${timeoutMs / 1000}s`);
  } finally {
    await connection.close();
  }
}

main()
  .catch((error: unknown) => {
    failed = true;
    console.error(`[e2e ${elapsed()}] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  })
  .finally(async () => {
    await cleanup();
    process.exit(failed ? 1 : 0);
  });
