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
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ROOT, stopProcess, type ManagedProcess } from '../local-stack';
import {
  createPlainDatabase,
  dropTemporalDatabases,
  freshDatabaseNames,
  postgresTargetFromEnv,
} from '../postgres/temporal-db';
import { freePort } from '../postgres/temporal-server';
import {
  Docker,
  freshSecrets,
  postgresUrl,
  runContainer,
  startTemporalOnPostgres,
  topologyContainers,
  topologyUrls,
} from './topology';

const env = process.env;
const IMAGE = env.VLENS_IMAGE ?? 'vlens-activation:ci';
const N = Number(env.TOPOLOGY_ACTIVATIONS ?? 6);
const RUN = randomBytes(3).toString('hex');
const TASK_QUEUE_TYPE_WORKFLOW = 1;

const t0 = Date.now();
const log = (line: string) => console.log(`[topology ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const docker = new Docker();
const containers: string[] = [];

function runNode(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

async function main(): Promise<void> {
  if (!env.DOCKER_HOST)
    throw new Error(
      'DOCKER_HOST is not set: run through `npm run docker:prod-topology` (scripts/docker/ci.sh --topology)',
    );
  docker.run(['image', 'inspect', '--format', '{{.Id}}', IMAGE]);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'vlens-topology-'));
  const processes: ManagedProcess[] = [];
  const target = postgresTargetFromEnv();
  const databases = freshDatabaseNames('temporal_topo');
  const gatewayDb = `${databases.main}_gw`;
  const volume = `vlens-topology-${RUN}-images`;
  let failed = false;

  const cleanup = async () => {
    for (const c of containers.reverse()) docker.run(['rm', '-f', '-v', c], { allowFailure: true });
    docker.run(['volume', 'rm', '-f', volume], { allowFailure: true });
    for (const p of processes) await stopProcess(p, 15_000).catch(() => undefined);
    await dropTemporalDatabases(target, [databases.main, databases.visibility, gatewayDb], log);
    if (failed && env.TOPOLOGY_KEEP_LOGS === '1') log(`server log kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void cleanup().then(() => process.exit(130)));

  try {
    // 1. Temporal on PostgreSQL, natively (as in scripts/postgres/e2e.ts).
    const server = await startTemporalOnPostgres({ target, databases, workDir, log, processes });
    const address = server.address;
    await createPlainDatabase(target, gatewayDb);

    // 2. The app containers, configured like docker-compose.yml's services (scripts/docker/topology.ts).
    const ports = { gateway: await freePort(), codec: await freePort(), sandbox: await freePort() };
    const codecPort = ports.codec;
    const { gatewayUrl, sandboxUrl } = topologyUrls(ports);
    const taskQueue = `topology-${RUN}`;
    const s = freshSecrets();
    docker.run(['volume', 'create', volume]);
    const specs = topologyContainers({
      temporalAddress: address,
      taskQueue,
      ports,
      secrets: s,
      gatewayDatabaseUrl: postgresUrl(target, gatewayDb),
      imageVolume: volume,
      hostnameSuffix: RUN,
      workers: 2,
    });
    const start = (spec: (typeof specs)['sandbox']) => {
      const name = `vlens-topology-${RUN}-${spec.role}`;
      containers.push(runContainer(docker, IMAGE, name, spec));
      return name;
    };
    const sandbox = start(specs.sandbox);
    const workers = specs.workers.map(start);
    const gateway = start(specs.gateway);
    const codec = start(specs.codec);

    for (const c of [sandbox, gateway, codec, ...workers]) {
      const ms = await docker.waitHealthy(c, 120_000);
      log(`${c.replace(`vlens-topology-${RUN}-`, '')}: healthy after ${(ms / 1000).toFixed(1)}s`);
    }

    // 3. Activations through the gateway container.
    const driven = await runNode('scripts/docker/drive-activations.mjs', [
      `--gateway=${gatewayUrl}`,
      `--sandbox=${sandboxUrl}`,
      `--api-key=${s.apiKey}`,
      `--count=${N}`,
    ]);
    if (driven !== 0) throw new Error(`driving ${N} activations through the gateway container failed (exit ${driven})`);

    // 4. Both workers polled; the codec server decodes what the workers encrypted, with its token only.
    const connection = await Connection.connect({ address });
    try {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      });
      const identities = [...new Set((answer.pollers ?? []).map((p) => p.identity ?? ''))];
      for (const i of [1, 2]) {
        if (!identities.some((id) => id.endsWith(`@worker-${i}-${RUN}`)))
          throw new Error(`worker-${i} is not among the pollers: ${identities.join(', ')}`);
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
        metadata: Object.fromEntries(
          Object.entries((p.metadata ?? {}) as Record<string, Uint8Array>).map(([k, v]) => [
            k,
            Buffer.from(v).toString('base64'),
          ]),
        ),
        data: Buffer.from((p.data ?? new Uint8Array()) as Uint8Array).toString('base64'),
      });
      const body = JSON.stringify({ payloads: [wire(payload as Record<string, unknown>)] });
      const encoding = Buffer.from(
        wire(payload as Record<string, unknown>).metadata.encoding ?? '',
        'base64',
      ).toString();
      const decode = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${codecPort}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
          body,
        });
      const refused = await decode({});
      const decoded = await decode({ authorization: `Bearer ${s.codecToken}` });
      const decodedBody = (await decoded.json()) as { payloads?: Array<{ metadata?: Record<string, string> }> };
      const decodedEncoding = Buffer.from(decodedBody.payloads?.[0]?.metadata?.encoding ?? '', 'base64').toString();
      if (refused.status !== 401 && refused.status !== 403)
        throw new Error(`the codec server decoded without a token (HTTP ${refused.status})`);
      if (!decoded.ok || decodedEncoding !== 'json/plain')
        throw new Error(
          `the codec server did not decode a ${encoding} payload: HTTP ${decoded.status}, encoding ${decodedEncoding}`,
        );
      log(
        `codec server: a ${encoding} workflow input decodes to ${decodedEncoding} with its token, HTTP ${refused.status} without`,
      );
    } finally {
      await connection.close();
    }

    // 5. SIGTERM, as an orchestrator stops a worker: it drains and exits 0.
    for (const w of workers) {
      docker.run(['stop', '--time', '30', w]);
      const code = docker.run(['inspect', '--format', '{{.State.ExitCode}}', w]);
      if (code !== '0') throw new Error(`${w} exited ${code} on SIGTERM:\n${docker.logs(w)}`);
    }
    log('both workers stopped cleanly on SIGTERM (exit 0)');
    log(
      `PASSED: ${N} activations through the production image (2 workers, gateway, codec server, sandbox) on Temporal + PostgreSQL`,
    );
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
