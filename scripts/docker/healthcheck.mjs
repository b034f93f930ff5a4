/* global process, console, fetch, AbortSignal */
// The image's HEALTHCHECK (copied to /app/docker/healthcheck.mjs). One image runs four processes, so the
// check first finds which one this container runs — the role given as the first argument, or else the
// dist/ entry point on a process's command line — then asks it the way its supervisor should:
//   worker        Temporal answers and this container's worker (SDK identity "<pid>@<hostname>") is among
//                 the task queue's pollers;
//   gateway       GET /healthz (200 only while Temporal answers);
//   codec-server  GET /healthz;
//   sandbox       GET /sandbox/health.
// Exit 0 healthy, 1 not. Plain JavaScript on the production dependencies: no TypeScript, no dev tools.
//
//   node /app/docker/healthcheck.mjs [worker|gateway|codec-server|sandbox]
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const ENTRY_POINTS = {
  'dist/worker/main.js': 'worker',
  'dist/gateway/main.js': 'gateway',
  'dist/codec/codec-server-main.js': 'codec-server',
  'dist/sandbox/main.js': 'sandbox',
};

function runningRole() {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // gone, or not ours to read
    }
    for (const [entry, role] of Object.entries(ENTRY_POINTS)) if (cmdline.includes(entry)) return role;
  }
  return undefined;
}

/** An address that reaches a server bound to `host` from inside its own network namespace. */
const local = (host) => (!host || host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host);

async function httpOk(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

async function workerPolling() {
  const { Connection } = await import('@temporalio/client');
  const { loadClientConnectConfig } = await import('@temporalio/envconfig');
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: process.env });
  const connection = await Connection.connect({
    address: 'localhost:7233',
    ...connectionOptions,
    connectTimeout: 3000,
  });
  try {
    const answer = await connection.workflowService.describeTaskQueue({
      namespace: namespace ?? 'default',
      taskQueue: { name: process.env.TEMPORAL_TASK_QUEUE || 'vlens-activation' },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    const mine = (answer.pollers ?? []).some((p) => (p.identity ?? '').endsWith(`@${os.hostname()}`));
    if (!mine) throw new Error(`no poller of this container (@${os.hostname()}) on the task queue yet`);
  } finally {
    await connection.close();
  }
}

const env = process.env;
const CHECKS = {
  worker: workerPolling,
  gateway: () => httpOk(`http://${local(env.GATEWAY_HOST)}:${env.GATEWAY_PORT || 3000}/healthz`),
  'codec-server': () => httpOk(`http://${local(env.CODEC_SERVER_HOST)}:${env.CODEC_SERVER_PORT || 8888}/healthz`),
  sandbox: () => httpOk(`http://${local(env.SANDBOX_HOST)}:${env.SANDBOX_PORT || 4010}/sandbox/health`),
};

const role = process.argv[2] ?? runningRole();
const check = role ? CHECKS[role] : undefined;
if (!check) {
  console.error(
    role
      ? `healthcheck: unknown role "${role}" (${Object.keys(CHECKS).join(', ')})`
      : 'healthcheck: no dist/ entry point runs in this container',
  );
  process.exit(1);
}
try {
  await check();
} catch (error) {
  console.error(`healthcheck ${role}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
