// The replicated production topology as the chaos suite's stack (`npm run chaos:prod`): the image built by
// scripts/docker/ci.sh run as production runs it, against the real Temporal server on PostgreSQL, with no
// volume shared between containers. The topology itself (stores, containers, balancer) is
// scripts/docker/replicated.ts, the same definition scripts/docker/prod-topology.ts checks in CI.
//
//   postgres   a PostgreSQL cluster of its own (scripts/postgres/cluster.ts: initdb, its own port), holding
//              Temporal's two databases and the gateways' webhook dedup record; stopped `-m immediate`
//              (a crash) or `-m fast` (a service restart) and started again by the postgres-restart scenario
//   temporal   temporal-server v1.29.1 natively on it (scripts/postgres/), SIGKILLed and restarted
//   worker     TWO worker containers (`docker kill` = SIGKILL; `docker start` again, same hostname)
//   gateway    TWO gateway containers behind HAProxy; gateway-kill kills ONE replica at a time, in turn,
//              while the balancer keeps serving from the other
//   redis      redis-server of the shared limits, SIGKILLed and started again empty (redis-restart)
//   s3         SeaweedFS, the selfies' claim-check store, SIGKILLed and started on the same data (s3-restart)
//   sandbox    the Vlens sandbox container (never killed: it is the witness of what Vlens saw)
//
// Every container runs with --network host and binds 127.0.0.1; the driver goes through HAProxy.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopProcess, waitForHttp, waitForTemporal, type ManagedProcess } from '../../scripts/local-stack';
import { startDedicatedCluster, type DedicatedCluster, type StopMode } from '../../scripts/postgres/cluster';
import { createPlainDatabase, freshDatabaseNames } from '../../scripts/postgres/temporal-db';
import { freePort } from '../../scripts/postgres/temporal-server';
import type { LoadBalancer } from '../../scripts/docker/haproxy';
import {
  replicatedLayout,
  startBalancer,
  startReplicatedStores,
  type ReplicatedLayout,
  type ReplicatedStores,
} from '../../scripts/docker/replicated';
import {
  Docker,
  freshSecrets,
  postgresUrl,
  runContainer,
  startTemporalOnPostgres,
  type ContainerSpec,
  type TemporalOnPostgres,
} from '../../scripts/docker/topology';
import { containerCpu, processCpu, processTreeCpu, type CpuSource } from './cpu-meter';
import type { ChaosPiece, ChaosStack, UnexpectedExit } from './runner';

export interface ProdStackOptions {
  runDir: string;
  image: string;
  log?: (line: string) => void;
  workerEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

const WORKER_READY = /worker polling task queue/;

/**
 * The chaos policy the driver asks for on the production topology. Production enforces the server's
 * floors (an SMS at most every 10 s, Vlens polled at most every 5 s: contract/server-policy.ts), so the dev
 * run's 1 s cooldown and 2 s first reconciliation are raised to those; the late-payment window may only be
 * shortened, and is.
 */
export const PROD_CHAOS_POLICY = {
  resendCooldown: '10s',
  paymentReconcileInitial: '5s',
  paymentReconcileMax: '10s',
  latePaymentWindow: '3s',
} as const;

export class ProdTopologyStack implements ChaosStack {
  readonly topology = 'prod' as const;
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly secrets = freshSecrets();
  readonly codecKeys = this.secrets.codecKeys;
  readonly apiKey = this.secrets.apiKey;
  readonly policy = PROD_CHAOS_POLICY;
  readonly run = randomBytes(3).toString('hex');
  readonly docker = new Docker();
  /** Container start (docker start/run) to the worker's "polling" line, per start, ms. */
  readonly workerStartToPollingMs: number[] = [];
  description = '';
  private cluster?: DedicatedCluster;
  private server?: TemporalOnPostgres;
  private readonly processes: ManagedProcess[] = [];
  private readonly expectedDown = new Set<string>();
  private readonly containers = new Map<string, ContainerSpec>();
  /** When each worker container was last started, until its "polling" line is seen. */
  private readonly pendingStart = new Map<string, number>();
  private workerNames: string[] = [];
  private gatewayNames: string[] = [];
  private sandboxName = '';
  private layout?: ReplicatedLayout;
  private stores?: ReplicatedStores;
  private balancer?: LoadBalancer;
  private kills = 0;
  private gatewayKills = 0;
  private pgStopped = false;
  private readonly log: (line: string) => void;

  private constructor(readonly options: ProdStackOptions) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  get temporalAddress(): string {
    return this.server?.address ?? '';
  }
  get sandboxUrl(): string {
    return this.layout?.sandboxUrl ?? '';
  }
  /** The load balancer: every call of the driver and every webhook of the sandbox goes through it. */
  get gatewayUrl(): string {
    return this.layout?.lbUrl ?? '';
  }

  static async start(options: ProdStackOptions): Promise<ProdTopologyStack> {
    const stack = new ProdTopologyStack(options);
    process.on('exit', () => stack.emergencyCleanup());
    try {
      await stack.boot();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  private name(role: string): string {
    return `vlens-chaos-${this.run}-${role}`;
  }

  private async boot(): Promise<void> {
    if (!process.env.DOCKER_HOST)
      throw new Error('DOCKER_HOST is not set: run through `npm run chaos:prod` (scripts/docker/ci.sh --chaos)');
    this.docker.run(['image', 'inspect', '--format', '{{.Id}}', this.options.image]);
    mkdirSync(path.join(this.options.runDir, 'logs'), { recursive: true });

    // 1. PostgreSQL of its own, so the postgres-restart scenario disturbs nobody else's tests.
    this.cluster = await startDedicatedCluster({
      dir: path.join(this.options.runDir, 'postgres'),
      port: await freePort(),
      log: this.log,
    });
    const target = this.cluster.target;
    const databases = freshDatabaseNames('temporal_chaos');
    const gatewayDb = `${databases.main}_gw`;

    // 2. Temporal on it.
    this.server = await startTemporalOnPostgres({
      target,
      databases,
      workDir: this.options.runDir,
      log: this.log,
      processes: this.processes,
    });
    this.watchServer(this.server.process);
    await createPlainDatabase(target, gatewayDb);

    // 3. The S3 image store, the shared limits and the app containers (scripts/docker/replicated.ts).
    this.stores = await startReplicatedStores(this.run, this.log);
    const layout = await replicatedLayout({
      temporalAddress: this.server.address,
      taskQueue: `chaos-${this.run}`,
      secrets: this.secrets,
      gatewayDatabaseUrl: postgresUrl(target, gatewayDb),
      stores: this.stores,
      hostnameSuffix: this.run,
      extraEnv: {
        // Durable retries of user-facing calls need the worker to retry quickly after a dropped connection.
        worker: { VLENS_HTTP_TIMEOUT_MS: '5000', ...this.options.workerEnv },
        gateway: {
          // The server's policy, which a request may only tighten (contract/server-policy.ts): as close to
          // the dev run's chaos policy as production's floors allow (PROD_CHAOS_POLICY, the driver's).
          ACTIVATION_POLICY_RESEND_COOLDOWN: PROD_CHAOS_POLICY.resendCooldown,
          ACTIVATION_POLICY_PAYMENT_RECONCILE_INITIAL: PROD_CHAOS_POLICY.paymentReconcileInitial,
          ACTIVATION_POLICY_PAYMENT_RECONCILE_MAX: PROD_CHAOS_POLICY.paymentReconcileMax,
          // Rate limiting is not what these runs measure (the limits still count in Redis, so a Redis
          // outage still refuses what it must: gateway/shared-counters.ts).
          GATEWAY_OTP_RATE_PER_ACTIVATION: '100000',
          GATEWAY_RESEND_RATE_PER_ACTIVATION: '100000',
          GATEWAY_RATE_PER_API_KEY: '1000000',
          ...this.options.gatewayEnv,
        },
      },
    });
    this.layout = layout;
    this.sandboxName = this.create(layout.specs.sandbox);
    await waitForHttp(`${this.sandboxUrl}/sandbox/health`, 120_000);
    this.workerNames = layout.specs.workers.map((w) => this.create(w));
    this.gatewayNames = layout.specs.gateways.map((g) => this.create(g));
    for (const w of this.workerNames) await this.waitWorker(w, Date.now() - 60_000);
    for (const url of layout.replicaUrls) await waitForHttp(`${url}/healthz`, 120_000);
    this.balancer = await startBalancer(this.options.runDir, layout);
    this.description =
      `temporal-server ${this.server.install.version} on PostgreSQL 127.0.0.1:${target.port} (own cluster), ` +
      `SeaweedFS S3 and redis-server (native), image ${this.options.image}: 2 worker containers, ` +
      `2 gateway containers behind HAProxy, sandbox container (--network host, no shared volume)`;
  }

  private readonly containerIds = new Map<string, string>();

  /** What the CPU meter reads: every app container by role, temporal-server, and PostgreSQL's processes. */
  cpuSources(): CpuSource[] {
    const sources: CpuSource[] = [];
    for (const [name, spec] of this.containers) {
      let id = this.containerIds.get(name);
      if (!id) {
        id = this.docker.run(['inspect', '--format', '{{.Id}}', name], { allowFailure: true });
        if (!id) continue;
        this.containerIds.set(name, id);
      }
      sources.push({ role: spec.role.replace(/-\d+$/, ''), key: name, read: containerCpu(id) });
    }
    const serverPid = this.server?.process.child.pid;
    sources.push({ role: 'temporal-server', key: `temporal-${serverPid}`, read: processCpu(serverPid) });
    const pgPid = this.postmasterPid();
    sources.push({ role: 'postgres', key: `postgres-${pgPid}`, read: processTreeCpu(pgPid) });
    return sources;
  }

  private postmasterPid(): number | undefined {
    const pidFile = this.cluster ? path.join(this.cluster.dataDir, 'postmaster.pid') : '';
    if (!pidFile || !existsSync(pidFile)) return undefined;
    return Number(readFileSync(pidFile, 'utf8').split('\n')[0]) || undefined;
  }

  private create(spec: ContainerSpec): string {
    const name = this.name(spec.role);
    const started = Date.now();
    // The image's healthcheck starts a Node process per probe: every 30 s (its default), not every 2 s, on a
    // 2-core machine under load; readiness here is the worker's "polling" line and the gateway's /healthz.
    runContainer(this.docker, this.options.image, name, spec, '30s');
    this.containers.set(name, spec);
    if (spec.role.startsWith('worker')) this.pendingStart.set(name, started);
    return name;
  }

  private async waitWorker(name: string, since: number): Promise<void> {
    const from = this.pendingStart.get(name) ?? since;
    const ms = await this.docker.waitForLogLine(name, WORKER_READY, from, 120_000);
    // Started again meanwhile (killed before it polled): the line may be the next start's; not counted.
    if (this.pendingStart.get(name) !== from) return;
    this.pendingStart.delete(name);
    this.workerStartToPollingMs.push(ms);
  }

  private watchServer(proc: ManagedProcess): void {
    proc.child.on('exit', (code, signal) => {
      if (this.expectedDown.has('temporal')) return;
      this.unexpectedExits.push({ piece: 'temporal', code, signal, at: new Date().toISOString() });
      this.log(
        `  !! temporal-server exited unexpectedly (code ${code}, signal ${signal}); see ${this.server?.logFile}`,
      );
    });
  }

  private running(names: string[]): Map<string, boolean> {
    const states = this.docker.states(names);
    return new Map(names.map((n) => [n, states.get(n)?.running ?? false]));
  }

  async downPieces(): Promise<ChaosPiece[]> {
    const down: ChaosPiece[] = [];
    const states = this.docker.states([...this.workerNames, ...this.gatewayNames, this.sandboxName]);
    const note = (piece: ChaosPiece, name: string) => {
      if (this.expectedDown.has(name)) return;
      const s = states.get(name);
      this.expectedDown.add(name); // reported once; the supervisor restarts it
      this.unexpectedExits.push({
        piece,
        code: s?.exitCode ?? null,
        signal: null,
        at: s?.finishedAt ?? new Date().toISOString(),
      });
      this.log(`  !! ${name} exited unexpectedly (exit ${s?.exitCode}); docker logs ${name}`);
    };
    for (const w of this.workerNames) {
      if (!states.get(w)?.running) {
        note('worker', w);
        if (!down.includes('worker')) down.push('worker');
      }
    }
    for (const g of this.gatewayNames) {
      if (states.get(g)?.running) continue;
      note('gateway', g);
      if (!down.includes('gateway')) down.push('gateway');
    }
    if (!states.get(this.sandboxName)?.running) {
      note('sandbox', this.sandboxName);
      down.push('sandbox');
    }
    const proc = this.server?.process;
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) down.push('temporal');
    if (this.cluster && !this.pgStopped && !this.postmasterAlive()) {
      this.unexpectedExits.push({ piece: 'postgres', code: null, signal: null, at: new Date().toISOString() });
      this.pgStopped = true;
      down.push('postgres');
    }
    return down;
  }

  private postmasterAlive(): boolean {
    const pidFile = path.join(this.cluster!.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return false;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 0);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Kills one piece. Workers: the first kill SIGKILLs both (the single-worker case), the second worker-1,
   * the third worker-2, and so on (a lone survivor picks up the other's work after the sticky queue
   * timeout). Gateways: one replica at a time, gateway-1 then gateway-2 (HAProxy sends everything to the
   * other meanwhile). Postgres: odd kills `pg_ctl stop -m immediate` (a crash), even ones `-m fast` (a clean
   * restart). Redis and SeaweedFS: SIGKILL.
   */
  async kill(piece: ChaosPiece): Promise<string> {
    this.kills++;
    switch (piece) {
      case 'worker': {
        const k = this.kills % 3;
        const victims = k === 1 ? [...this.workerNames] : k === 2 ? [this.workerNames[0]!] : [this.workerNames[1]!];
        for (const v of victims) this.expectedDown.add(v);
        this.docker.run(['kill', '--signal', 'KILL', ...victims]);
        await this.waitStopped(victims);
        return victims.map((v) => v.replace(`vlens-chaos-${this.run}-`, '')).join('+');
      }
      case 'gateway':
      case 'sandbox': {
        const name =
          piece === 'gateway' ? this.gatewayNames[this.gatewayKills++ % this.gatewayNames.length]! : this.sandboxName;
        this.expectedDown.add(name);
        this.docker.run(['kill', '--signal', 'KILL', name]);
        await this.waitStopped([name]);
        return name.replace(`vlens-chaos-${this.run}-`, '');
      }
      case 'redis': {
        await this.stores!.redis.stop();
        return 'redis-server';
      }
      case 's3': {
        await this.stores!.weed.kill();
        return 'SeaweedFS';
      }
      case 'temporal': {
        const proc = this.server!.process;
        this.expectedDown.add('temporal');
        proc.child.kill('SIGKILL');
        await proc.exited;
        return 'temporal-server';
      }
      case 'postgres': {
        const mode: StopMode = this.kills % 2 === 1 ? 'immediate' : 'fast';
        this.pgStopped = true;
        this.cluster!.stop(mode);
        return `postgres (stop -m ${mode})`;
      }
    }
  }

  private async waitStopped(names: string[]): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if ([...this.running(names).values()].every((r) => !r)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${names.join(', ')} still running 30 s after docker kill`);
  }

  /** Starts whatever of the piece is down and waits until it is ready to work. */
  async startPiece(piece: ChaosPiece): Promise<void> {
    switch (piece) {
      case 'worker': {
        const down = [...this.running(this.workerNames)].filter(([, r]) => !r).map(([n]) => n);
        const since = Date.now();
        if (down.length) this.docker.run(['start', ...down]);
        for (const w of down) this.pendingStart.set(w, since);
        await Promise.all(down.map((w) => this.waitWorker(w, since)));
        for (const w of down) this.expectedDown.delete(w);
        return;
      }
      case 'gateway': {
        const down = [...this.running(this.gatewayNames)].filter(([, r]) => !r).map(([n]) => n);
        if (down.length) this.docker.run(['start', ...down]);
        for (const name of down) {
          const url = this.layout!.replicaUrls[this.gatewayNames.indexOf(name)]!;
          await waitForHttp(`${url}/healthz`, 120_000);
          this.expectedDown.delete(name);
        }
        return;
      }
      case 'sandbox': {
        this.docker.run(['start', this.sandboxName]);
        await waitForHttp(`${this.sandboxUrl}/sandbox/health`, 120_000);
        this.expectedDown.delete(this.sandboxName);
        return;
      }
      case 'redis': {
        await this.stores!.redis.start();
        return;
      }
      case 's3': {
        await this.stores!.weed.restart();
        return;
      }
      case 'temporal': {
        const proc = await this.server!.restart();
        this.expectedDown.delete('temporal');
        this.watchServer(proc);
        return;
      }
      case 'postgres': {
        await this.cluster!.start();
        this.pgStopped = false;
        // Temporal reconnects by itself; ready again once its frontend answers a health check.
        await waitForTemporal(this.temporalAddress, 120_000);
        return;
      }
    }
  }

  /** Each container's output into the run's logs folder (the containers are removed at the end). */
  private saveLogs(): void {
    for (const name of this.containers.keys()) {
      writeFileSync(
        path.join(this.options.runDir, 'logs', `${name.replace(`vlens-chaos-${this.run}-`, '')}.log`),
        this.docker.fullLogs(name),
      );
    }
  }

  async stop(): Promise<void> {
    try {
      this.saveLogs();
    } catch {
      // best effort
    }
    for (const name of [...this.containers.keys()].reverse())
      this.docker.run(['rm', '-f', '-v', name], { allowFailure: true });
    this.containers.clear();
    await this.balancer?.close().catch(() => undefined);
    await this.stores?.close();
    this.expectedDown.add('temporal');
    for (const p of this.processes) await stopProcess(p, 10_000).catch(() => undefined);
    this.cluster?.destroy();
    this.cluster = undefined;
  }

  private emergencyCleanup(): void {
    for (const p of this.processes)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const name of this.containers.keys())
      this.docker.run(['rm', '-f', '-v', name], { allowFailure: true, timeoutMs: 20_000 });
    void this.balancer?.close();
    void this.stores?.close();
    this.cluster?.destroy();
  }
}
