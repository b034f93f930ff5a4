// The production image run as production runs it, replicated, with no disk shared between processes
// (issue 23 item 4): the real Temporal server v1.29.1 on the local PostgreSQL (fresh databases, as
// scripts/postgres/e2e.ts sets them up), SeaweedFS as the S3 image store (scripts/seaweedfs-server.ts),
// redis-server for the gateways' shared limits, HAProxy in front of the gateways (scripts/docker/haproxy.ts),
// all native on free loopback ports; and the app processes as containers of the image — TWO workers (distinct
// hostnames, so each healthcheck finds its own poller), TWO gateways (webhook dedup record in PostgreSQL,
// limits in Redis), the codec server and the Vlens sandbox — each with production settings (NODE_ENV=production,
// every secret set, nothing from the development defaults). No container mounts a volume. Every container
// uses --network host and binds 127.0.0.1 only.
//
// Checks, in order (each fails the run): no container has a mount; a selfie uploaded through gateway 1 is in S3
// and read by a worker container, the OTP of that activation sent through gateway 2 is accepted, the event
// stream through HAProxy sees every state, a resend limit trips at the same count on one replica, alternating
// and through HAProxy (scripts/docker/replica-checks.ts); TOPOLOGY_ACTIVATIONS (default 6) activations driven
// through HAProxy (scripts/docker/drive-activations.mjs) all activate although gateway 1 is killed (SIGKILL)
// while they are in flight; every container's HEALTHCHECK reported healthy; both workers polled; the codec
// server decodes a payload of a finished workflow with its token (and refuses one without); the workers stop
// with SIGTERM and exit 0. Always removes its containers, servers and databases.
//
// Run through `npm run docker:prod-topology` (scripts/docker/ci.sh --topology), which starts the engine, installs
// haproxy and redis-server, and builds the image first; by hand:
// DOCKER_HOST=... VLENS_IMAGE=vlens-activation:ci tsx scripts/docker/prod-topology.ts
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { ROOT, stopProcess, type ManagedProcess } from '../local-stack';
import {
  createPlainDatabase,
  dropTemporalDatabases,
  freshDatabaseNames,
  postgresTargetFromEnv,
} from '../postgres/temporal-db';
import type { LoadBalancer } from './haproxy';
import { replicatedLayout, startBalancer, startReplicatedStores, type ReplicatedStores } from './replicated';
import { ReplicaChecks } from './replica-checks';
import { Docker, freshSecrets, postgresUrl, runContainer, startTemporalOnPostgres } from './topology';

const env = process.env;
const IMAGE = env.VLENS_IMAGE ?? 'vlens-activation:ci';
const N = Number(env.TOPOLOGY_ACTIVATIONS ?? 6);
const RUN = randomBytes(3).toString('hex');
const TASK_QUEUE_TYPE_WORKFLOW = 1;
// When the last of the activations (staggered 200 ms apart) is being started and the first are mid-way.
const KILL_AFTER_MS = Number(env.TOPOLOGY_KILL_AFTER_MS ?? 1_000);

const t0 = Date.now();
const log = (line: string) => console.log(`[topology ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const docker = new Docker();
const containers: string[] = [];

function runNode(script: string, args: string[]): { exited: Promise<number | null> } {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
  return {
    exited: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    }),
  };
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
  let failed = false;
  let stores: ReplicatedStores | undefined;
  let lb: LoadBalancer | undefined;

  const cleanup = async () => {
    for (const c of containers.reverse()) docker.run(['rm', '-f', '-v', c], { allowFailure: true });
    await lb?.close().catch(() => undefined);
    await stores?.close();
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

    // 2. The S3 image store and the shared limits, native on loopback like the Temporal server, and the
    //    app containers configured like docker-compose.yml's services (scripts/docker/replicated.ts).
    stores = await startReplicatedStores(RUN, log);
    const { weed, bucket, prefix } = stores;
    const taskQueue = `topology-${RUN}`;
    const s = freshSecrets();
    const layout = await replicatedLayout({
      temporalAddress: address,
      taskQueue,
      secrets: s,
      gatewayDatabaseUrl: postgresUrl(target, gatewayDb),
      stores,
      hostnameSuffix: RUN,
    });
    const { ports, replicaPorts, specs, lbUrl, sandboxUrl } = layout;
    const codecPort = ports.codec;
    const start = (spec: (typeof specs)['sandbox']) => {
      const name = `vlens-topology-${RUN}-${spec.role}`;
      containers.push(runContainer(docker, IMAGE, name, spec));
      return name;
    };
    const containersStarted = Date.now();
    const sandbox = start(specs.sandbox);
    const workers = specs.workers.map(start);
    const gateways = specs.gateways.map(start);
    const codec = start(specs.codec);

    for (const c of [sandbox, ...gateways, codec, ...workers]) {
      const ms = await docker.waitHealthy(c, 120_000);
      log(
        `${c.replace(`vlens-topology-${RUN}-`, '')}: healthy ${(ms / 1000).toFixed(1)}s after the wait began, ${((Date.now() - containersStarted) / 1000).toFixed(1)}s after the first docker run`,
      );
    }
    // The image declares VOLUME /data and /images, so each container gets anonymous volumes of its own; none
    // may be named, bound from the host, or appear in a second container.
    const mounts = docker.run([
      'inspect',
      '--format',
      '{{.Name}}{{range .Mounts}} {{.Type}}:{{.Name}}:{{.Destination}}{{end}}',
      ...containers,
    ]);
    const owners = new Map<string, string[]>();
    for (const line of mounts.split('\n')) {
      const [name, ...list] = line.trim().split(' ');
      for (const mount of list) {
        const [type, volume] = mount.split(':');
        if (type !== 'volume' || !/^[0-9a-f]{64}$/.test(volume ?? ''))
          throw new Error(`${name} mounts ${mount}: only its own anonymous volumes are allowed`);
        owners.set(volume!, [...(owners.get(volume!) ?? []), name!]);
      }
    }
    const shared = [...owners].filter(([, names]) => names.length > 1);
    if (shared.length > 0) throw new Error(`volumes shared between containers: ${JSON.stringify(shared)}`);
    log(
      `no volume shared between any two of the ${containers.length} containers (${owners.size} anonymous volumes, one owner each)`,
    );

    lb = await startBalancer(workDir, layout);
    log(
      `HAProxy on ${lbUrl}: round robin over gateway-1 :${replicaPorts[0]} and gateway-2 :${replicaPorts[1]}, checked on /healthz`,
    );

    // 4. What replicas must not break (scripts/docker/replica-checks.ts).
    const checkConnection = await connectGuarded({ address });
    const s3 = weed.client();
    try {
      const checks = new ReplicaChecks({
        lbUrl,
        gatewayUrls: [layout.replicaUrls[0]!, layout.replicaUrls[1]!],
        sandboxUrl,
        apiKey: s.apiKey,
        s3,
        bucket,
        prefix,
        temporal: new Client({ connection: checkConnection, namespace: 'default' }),
        hostnameSuffix: RUN,
        log,
      });
      await checks.selfieOtpAndStream();
      await checks.sharedRateLimit();
    } finally {
      s3.destroy();
      await checkConnection.close();
    }

    // 5. Activations through HAProxy; gateway 1 is killed while they are in flight.
    const drive = runNode('scripts/docker/drive-activations.mjs', [
      `--gateway=${lbUrl}`,
      `--sandbox=${sandboxUrl}`,
      `--api-key=${s.apiKey}`,
      `--count=${N}`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
    docker.run(['kill', '--signal', 'KILL', gateways[0]!]);
    log(`gateway-1 killed (SIGKILL) ${KILL_AFTER_MS / 1000}s into ${N} activations through HAProxy`);
    const driven = await drive.exited;
    if (driven !== 0)
      throw new Error(`${N} activations through HAProxy with gateway-1 killed: not all activated (exit ${driven})`);
    log(`gateway-1 killed mid-flight: all ${N} activations finished through gateway-2`);

    // 6. Both workers polled; the codec server decodes what the workers encrypted, with its token only.
    const connection = await connectGuarded({ address });
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

    // 7. SIGTERM, as an orchestrator stops a worker: it drains and exits 0.
    for (const w of workers) {
      docker.run(['stop', '--time', '30', w]);
      const code = docker.run(['inspect', '--format', '{{.State.ExitCode}}', w]);
      if (code !== '0') throw new Error(`${w} exited ${code} on SIGTERM:\n${docker.logs(w)}`);
    }
    log('both workers stopped cleanly on SIGTERM (exit 0)');
    log(
      `PASSED: the production image replicated (2 gateways behind HAProxy, 2 workers, codec server, sandbox; S3 on SeaweedFS, limits in Redis, no shared volume) on Temporal + PostgreSQL in ${((Date.now() - t0) / 1000).toFixed(0)}s`,
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
