// The production image run as production runs it: the real Temporal server v1.29.1 on the local
// PostgreSQL (fresh databases, as scripts/postgres/e2e.ts sets them up), and the app processes as
// containers of the image — TWO workers (distinct hostnames, so each healthcheck finds its own poller),
// the HTTP gateway (webhook dedup record in PostgreSQL), the codec server and the Vlens sandbox — each
// with production settings (NODE_ENV=production, every secret set, nothing from the development defaults),
// sharing the claim-check image store on one volume. Every container uses --network host and binds
// 127.0.0.1 only.
//
// Drives TOPOLOGY_ACTIVATIONS (default 6) activations through the gateway container
// (scripts/docker/drive-activations.mjs), waits for every container's HEALTHCHECK to report healthy, checks
// that both workers polled, that the codec server decodes a payload of a finished workflow with its token
// (and refuses one without), then stops the workers with SIGTERM and expects a clean exit 0. Always removes
// its containers, volume, server and databases.
//
// Run through `npm run docker:prod-topology` (scripts/docker/ci.sh --topology), which starts the engine and
// builds the image first; by hand: DOCKER_HOST=... VLENS_IMAGE=vlens-activation:ci tsx scripts/docker/prod-topology.ts
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ROOT, stopProcess, waitForTemporal, type ManagedProcess } from '../local-stack';
import { provisionTemporalServer } from '../postgres/provision-temporal-server';
import { createPlainDatabase, createTemporalDatabases, dropTemporalDatabases, freshDatabaseNames, postgresTargetFromEnv } from '../postgres/temporal-db';
import { freePort, freeServerPorts, prepareNamespace, startTemporalServer, writeServerConfig } from '../postgres/temporal-server';
import { resolveTemporalCli } from '../temporal-cli';

const env = process.env;
const IMAGE = env.VLENS_IMAGE ?? 'vlens-activation:ci';
const DOCKER = env.DOCKER_CLI ?? '/usr/bin/docker';
const N = Number(env.TOPOLOGY_ACTIVATIONS ?? 6);
const RUN = randomBytes(3).toString('hex');
const TASK_QUEUE_TYPE_WORKFLOW = 1;

const t0 = Date.now();
const log = (line: string) => console.log(`[topology ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function docker(args: string[], options: { allowFailure?: boolean } = {}): string {
  const result = spawnSync(DOCKER, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(`docker ${args.slice(0, 3).join(' ')} ... exited ${result.status}: ${(result.stderr || result.stdout || '').trim().slice(0, 2000)}`);
  }
  return (result.stdout ?? '').trim();
}

const containers: string[] = [];
const secret = (bytes = 24) => randomBytes(bytes).toString('hex');

/** `docker run -d --network host` with the image's own healthcheck, polled every 2 s. */
function runContainer(name: string, command: string[], vars: Record<string, string>, extra: string[] = []): string {
  const full = `vlens-topology-${RUN}-${name}`;
  const envArgs = Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker(['run', '-d', '--name', full, '--network', 'host', '--health-interval', '2s', '--health-start-period', '60s', ...extra, ...envArgs, IMAGE, ...command]);
  containers.push(full);
  return full;
}

function containerLogs(name: string, lines = 30): string {
  const result = spawnSync(DOCKER, ['logs', '--tail', String(lines), name], { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').map((l) => `    ${l.slice(0, 300)}`).join('\n');
}

async function waitHealthy(name: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let status = '';
  while (Date.now() - started < timeoutMs) {
    status = docker(['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', name], { allowFailure: true });
    if (status.endsWith(' healthy')) return Date.now() - started;
    if (!status.startsWith('running')) break;
    await sleep(500);
  }
  const probes = docker(['inspect', '--format', '{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}', name], { allowFailure: true });
  throw new Error(`${name} is not healthy (${status}); last probes:\n${probes.slice(-800)}\n${containerLogs(name)}`);
}

function runNode(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

async function main(): Promise<void> {
  if (!env.DOCKER_HOST) throw new Error('DOCKER_HOST is not set: run through `npm run docker:prod-topology` (scripts/docker/ci.sh --topology)');
  docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE]);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'vlens-topology-'));
  const processes: ManagedProcess[] = [];
  const target = postgresTargetFromEnv();
  const databases = freshDatabaseNames('temporal_topo');
  const gatewayDb = `${databases.main}_gw`;
  const volume = `vlens-topology-${RUN}-images`;
  let failed = false;

  const cleanup = async () => {
    for (const c of containers.reverse()) docker(['rm', '-f', '-v', c], { allowFailure: true });
    docker(['volume', 'rm', '-f', volume], { allowFailure: true });
    for (const p of processes) await stopProcess(p, 15_000).catch(() => undefined);
    await dropTemporalDatabases(target, [databases.main, databases.visibility, gatewayDb], log);
    if (failed && env.TOPOLOGY_KEEP_LOGS === '1') log(`server log kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanup().then(() => process.exit(130)));

  try {
    // 1. Temporal on PostgreSQL, natively (as in scripts/postgres/e2e.ts).
    const install = await provisionTemporalServer((line) => log(line));
    const cli = await resolveTemporalCli((line) => log(line));
    if (cli.kind !== 'existing') throw new Error(`needs the Temporal CLI: ${cli.why}`);
    await createTemporalDatabases(install, target, databases, (line) => log(line));
    await createPlainDatabase(target, gatewayDb);
    const ports = await freeServerPorts();
    const address = `127.0.0.1:${ports.frontend}`;
    const serverRoot = path.join(workDir, 'temporal');
    writeServerConfig(serverRoot, { databases, target, ports, logLevel: 'warn' });
    const server = startTemporalServer(install, serverRoot, path.join(workDir, 'temporal-server.log'));
    processes.push(server);
    await waitForTemporal(address, 60_000);
    await prepareNamespace(cli.path, address);
    log(`Temporal ${install.version} on ${address} (PostgreSQL ${databases.main}), namespace and search attributes ready`);

    // 2. The app containers, configured like docker-compose.yml's services.
    const [gatewayPort, codecPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const taskQueue = `topology-${RUN}`;
    const s = {
      codecKeys: `topo:${randomBytes(32).toString('base64')}`,
      codecToken: secret(),
      apiKey: secret(),
      kashier: secret(),
      fawry: secret(),
      vlensWebhook: secret(),
      vlensApiKey: secret(),
      vlensPassword: secret(),
    };
    const temporalEnv = { NODE_ENV: 'production', TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, CODEC_KEYS: s.codecKeys };
    docker(['volume', 'create', volume]);

    const sandbox = runContainer('sandbox', ['node', 'dist/sandbox/main.js'], {
      NODE_ENV: 'production',
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_API_KEY: s.vlensApiKey,
      SANDBOX_LOGIN_USER: 'admin',
      SANDBOX_LOGIN_PASSWORD: s.vlensPassword,
      SANDBOX_TENANCY: 'sandbox',
      KASHIER_WEBHOOK_SECRET: s.kashier,
      FAWRY_SECURE_KEY: s.fawry,
      SANDBOX_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/{gateway}`,
      SANDBOX_VLENS_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/vlens?token=${s.vlensWebhook}`,
      SANDBOX_PUBLIC_URL: sandboxUrl,
    });
    const workers = [1, 2].map((i) =>
      runContainer(
        `worker-${i}`,
        ['node', 'dist/worker/main.js'],
        {
          ...temporalEnv,
          IMAGE_STORE_DIR: '/images',
          VLENS_BASE_URL: sandboxUrl,
          VLENS_API_FLAVOR: 'customer-sign',
          VLENS_SERVICE_AUTH: 'login',
          VLENS_TENANCY: 'sandbox',
          VLENS_USERNAME: 'admin',
          VLENS_API_KEY: s.vlensApiKey,
          VLENS_PASSWORD: s.vlensPassword,
          WORKER_SHUTDOWN_GRACE_SECONDS: '10',
        },
        ['--hostname', `worker-${i}-${RUN}`, '-v', `${volume}:/images`],
      ),
    );
    const gateway = runContainer(
      'gateway',
      ['node', 'dist/client/gateway/main.js'],
      {
        ...temporalEnv,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(gatewayPort),
        IMAGE_STORE_DIR: '/images',
        GATEWAY_API_KEYS: s.apiKey,
        KASHIER_WEBHOOK_SECRET: s.kashier,
        FAWRY_SECURE_KEY: s.fawry,
        VLENS_WEBHOOK_TOKEN: s.vlensWebhook,
        DATABASE_URL: `postgres://${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@${target.host}:${target.port}/${gatewayDb}`,
        GATEWAY_LOG_LEVEL: 'warn',
      },
      ['-v', `${volume}:/images`],
    );
    const codec = runContainer('codec-server', ['node', 'dist/codec/codec-server-main.js'], {
      NODE_ENV: 'production',
      CODEC_SERVER_HOST: '127.0.0.1',
      CODEC_SERVER_PORT: String(codecPort),
      CODEC_KEYS: s.codecKeys,
      CODEC_SERVER_TOKENS: s.codecToken,
    });

    for (const c of [sandbox, gateway, codec, ...workers]) {
      const ms = await waitHealthy(c, 120_000);
      log(`${c.replace(`vlens-topology-${RUN}-`, '')}: healthy after ${(ms / 1000).toFixed(1)}s`);
    }

    // 3. Activations through the gateway container.
    const driven = await runNode('scripts/docker/drive-activations.mjs', [`--gateway=${gatewayUrl}`, `--sandbox=${sandboxUrl}`, `--api-key=${s.apiKey}`, `--count=${N}`]);
    if (driven !== 0) throw new Error(`driving ${N} activations through the gateway container failed (exit ${driven})`);

    // 4. Both workers polled; the codec server decodes what the workers encrypted, with its token only.
    const connection = await Connection.connect({ address });
    try {
      const answer = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: TASK_QUEUE_TYPE_WORKFLOW });
      const identities = [...new Set((answer.pollers ?? []).map((p) => p.identity ?? ''))];
      for (const i of [1, 2]) {
        if (!identities.some((id) => id.endsWith(`@worker-${i}-${RUN}`))) throw new Error(`worker-${i} is not among the pollers: ${identities.join(', ')}`);
      }
      log(`pollers: ${identities.join(', ')}`);
      const client = new Client({ connection, namespace: 'default' });
      let payload: unknown;
      for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
        const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        if (payload) break;
      }
      if (!payload) throw new Error('no workflow input payload to decode');
      const wire = (p: Record<string, unknown>) => ({
        metadata: Object.fromEntries(Object.entries((p.metadata ?? {}) as Record<string, Uint8Array>).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from((p.data ?? new Uint8Array()) as Uint8Array).toString('base64'),
      });
      const body = JSON.stringify({ payloads: [wire(payload as Record<string, unknown>)] });
      const encoding = Buffer.from(wire(payload as Record<string, unknown>).metadata.encoding ?? '', 'base64').toString();
      const decode = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${codecPort}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body });
      const refused = await decode({});
      const decoded = await decode({ authorization: `Bearer ${s.codecToken}` });
      const decodedBody = (await decoded.json()) as { payloads?: Array<{ metadata?: Record<string, string> }> };
      const decodedEncoding = Buffer.from(decodedBody.payloads?.[0]?.metadata?.encoding ?? '', 'base64').toString();
      if (refused.status !== 401 && refused.status !== 403) throw new Error(`the codec server decoded without a token (HTTP ${refused.status})`);
      if (!decoded.ok || decodedEncoding !== 'json/plain') throw new Error(`the codec server did not decode a ${encoding} payload: HTTP ${decoded.status}, encoding ${decodedEncoding}`);
      log(`codec server: a ${encoding} workflow input decodes to ${decodedEncoding} with its token, HTTP ${refused.status} without`);
    } finally {
      await connection.close();
    }

    // 5. SIGTERM, as an orchestrator stops a worker: it drains and exits 0.
    for (const w of workers) {
      docker(['stop', '--time', '30', w]);
      const code = docker(['inspect', '--format', '{{.State.ExitCode}}', w]);
      if (code !== '0') throw new Error(`${w} exited ${code} on SIGTERM:\n${containerLogs(w)}`);
    }
    log('both workers stopped cleanly on SIGTERM (exit 0)');
    log(`PASSED: ${N} activations through the production image (2 workers, gateway, codec server, sandbox) on Temporal + PostgreSQL`);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`[topology] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

