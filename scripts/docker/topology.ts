// The pieces of the production topology that scripts/docker/prod-topology.ts (one pass, in CI) and the
// production-topology chaos suite (bench/chaos/prod-stack.ts, `npm run chaos:prod`) share: the docker CLI
// calls, the native Temporal server on PostgreSQL, and the app containers of the image configured as
// production runs them (NODE_ENV=production, every secret set, nothing from the development defaults).
// Every container runs with --network host and binds 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { waitForTemporal, type ManagedProcess } from '../local-stack';
import { provisionTemporalServer, type TemporalServerInstall } from '../postgres/provision-temporal-server';
import { createTemporalDatabases, type PostgresTarget, type TemporalDatabases } from '../postgres/temporal-db';
import { freeServerPorts, prepareNamespace, startTemporalServer, writeServerConfig } from '../postgres/temporal-server';
import { resolveTemporalCli } from '../temporal-cli';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The docker CLI (Debian's, as scripts/docker/ci.sh installs it) against DOCKER_HOST. */
export class Docker {
  constructor(readonly cli = process.env.DOCKER_CLI ?? '/usr/bin/docker') {}

  run(args: string[], options: { allowFailure?: boolean; timeoutMs?: number } = {}): string {
    const result = spawnSync(this.cli, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 120_000 });
    if (result.status !== 0 && !options.allowFailure) {
      throw new Error(
        `docker ${args.slice(0, 3).join(' ')} ... exited ${result.status}: ${(result.stderr || result.stdout || '').trim().slice(0, 2000)}`,
      );
    }
    return (result.stdout ?? '').trim();
  }

  /** Everything the container printed (stdout and stderr), with timestamps. */
  fullLogs(name: string): string {
    const result = spawnSync(this.cli, ['logs', '--timestamps', name], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    return `${result.stdout ?? ''}${result.stderr ?? ''}`;
  }

  logs(name: string, lines = 30): string {
    const result = spawnSync(this.cli, ['logs', '--tail', String(lines), name], { encoding: 'utf8' });
    return `${result.stdout ?? ''}${result.stderr ?? ''}`
      .trim()
      .split('\n')
      .map((l) => `    ${l.slice(0, 300)}`)
      .join('\n');
  }

  /** Waits for the container's own HEALTHCHECK to report healthy; returns the milliseconds it took. */
  async waitHealthy(name: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    let status = '';
    while (Date.now() - started < timeoutMs) {
      status = this.run(
        ['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', name],
        { allowFailure: true },
      );
      if (status.endsWith(' healthy')) return Date.now() - started;
      if (!status.startsWith('running')) break;
      await sleep(500);
    }
    const probes = this.run(
      ['inspect', '--format', '{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}', name],
      { allowFailure: true },
    );
    throw new Error(`${name} is not healthy (${status}); last probes:\n${probes.slice(-800)}\n${this.logs(name)}`);
  }

  /**
   * Waits until a line matching `pattern` appears in the container's output after `sinceMs` (epoch ms, e.g.
   * just before `docker start`); returns the milliseconds from `sinceMs`. Fails fast if the container stops.
   */
  async waitForLogLine(name: string, pattern: RegExp, sinceMs: number, timeoutMs: number): Promise<number> {
    const since = new Date(sinceMs - 1_000).toISOString();
    while (Date.now() - sinceMs < timeoutMs) {
      const result = spawnSync(this.cli, ['logs', '--timestamps', '--since', since, name], { encoding: 'utf8' });
      const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      for (const line of text.split('\n')) {
        const at = Date.parse(line.slice(0, line.indexOf(' ')));
        if (at >= sinceMs - 50 && pattern.test(line)) return at - sinceMs;
      }
      if (this.run(['inspect', '--format', '{{.State.Running}}', name], { allowFailure: true }) !== 'true') {
        throw new Error(`${name} stopped before printing ${pattern}:\n${this.logs(name)}`);
      }
      await sleep(100);
    }
    throw new Error(`${name}: no ${pattern} after ${timeoutMs / 1000}s:\n${this.logs(name)}`);
  }

  /** running, exit code and when it finished, per container name (one `docker inspect` for all). */
  states(names: string[]): Map<string, { running: boolean; exitCode: number; finishedAt: string }> {
    const out = new Map<string, { running: boolean; exitCode: number; finishedAt: string }>();
    if (names.length === 0) return out;
    const text = this.run(
      ['inspect', '--format', '{{.Name}} {{.State.Running}} {{.State.ExitCode}} {{.State.FinishedAt}}', ...names],
      { allowFailure: true },
    );
    for (const line of text.split('\n')) {
      const [name, running, code, finishedAt] = line.trim().split(' ');
      if (name)
        out.set(name.replace(/^\//, ''), {
          running: running === 'true',
          exitCode: Number(code),
          finishedAt: finishedAt ?? '',
        });
    }
    return out;
  }
}

/** The secrets of one topology: fresh for every run, never a development default. */
export interface TopologySecrets {
  codecKeys: string;
  codecToken: string;
  /** The gateway's backend key for the tenant `topology` (GATEWAY_API_KEYS=topology:backend:<apiKey>). */
  apiKey: string;
  /** HMAC key of the client secrets the gateway hands out (GATEWAY_CLIENT_SECRET_KEYS). */
  clientSecretKey: string;
  kashier: string;
  fawry: string;
  vlensWebhook: string;
  vlensApiKey: string;
  vlensPassword: string;
}

export function freshSecrets(): TopologySecrets {
  const secret = (bytes = 24) => randomBytes(bytes).toString('hex');
  return {
    codecKeys: `topo:${randomBytes(32).toString('base64')}`,
    codecToken: secret(),
    apiKey: secret(),
    clientSecretKey: secret(32),
    kashier: secret(),
    fawry: secret(),
    vlensWebhook: secret(),
    vlensApiKey: secret(),
    vlensPassword: secret(),
  };
}

/** One `docker run` of the image: what it runs, with which environment and extra flags. */
export interface ContainerSpec {
  /** Short name (worker-1, gateway, ...); the container is named `<prefix>-<role>`. */
  role: string;
  command: string[];
  env: Record<string, string>;
  extra: string[];
}

export interface TopologyPorts {
  gateway: number;
  codec: number;
  sandbox: number;
}

export interface TopologyConfig {
  /** Temporal frontend, host:port on 127.0.0.1. */
  temporalAddress: string;
  taskQueue: string;
  ports: TopologyPorts;
  secrets: TopologySecrets;
  /** The gateway's webhook dedup record (PostgreSQL). */
  gatewayDatabaseUrl: string;
  /**
   * The claim-check image store: a named volume the gateway and the workers share (one host), or the
   * IMAGE_STORE_S3_* and AWS_* environment of an S3 bucket (replicas, no shared disk; codec/image-store-config.ts).
   */
  imageStore: { volume: string } | { s3Env: Record<string, string> };
  /**
   * More than one gateway: their ports (`gateway-<i>`), while `ports.gateway` is the load balancer's in front
   * of them (the URL the sandbox sends webhooks to). Unset: one gateway on `ports.gateway`.
   */
  gatewayReplicaPorts?: number[];
  /** REDIS_URL of the gateways' shared limits; unset, the single gateway declares GATEWAY_REPLICAS=1. */
  redisUrl?: string;
  /** Workers get distinct hostnames (`worker-<i>-<suffix>`), so each healthcheck finds its own poller. */
  hostnameSuffix: string;
  workers?: number;
  /** Extra environment per role (e.g. the chaos suite's shorter Vlens timeout, higher rate limits). */
  extraEnv?: Partial<Record<'sandbox' | 'worker' | 'gateway' | 'codec-server', Record<string, string>>>;
}

export const topologyUrls = (ports: TopologyPorts) => ({
  gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
  sandboxUrl: `http://127.0.0.1:${ports.sandbox}`,
  codecUrl: `http://127.0.0.1:${ports.codec}`,
});

export function postgresUrl(target: PostgresTarget, database: string): string {
  return `postgres://${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@${target.host}:${target.port}/${database}`;
}

/** The app containers, configured like docker-compose.yml's services: sandbox, workers, gateway, codec server. */
export function topologyContainers(config: TopologyConfig): {
  sandbox: ContainerSpec;
  workers: ContainerSpec[];
  /** The first (or only) gateway. */
  gateway: ContainerSpec;
  /** Every gateway replica (one element unless `gatewayReplicaPorts` is set). */
  gateways: ContainerSpec[];
  codec: ContainerSpec;
} {
  const s = config.secrets;
  const { gatewayUrl, sandboxUrl } = topologyUrls(config.ports);
  const extra = config.extraEnv ?? {};
  const store = config.imageStore;
  const storeEnv: Record<string, string> = 'volume' in store ? { IMAGE_STORE_DIR: '/images' } : store.s3Env;
  const storeMount = 'volume' in store ? ['-v', `${store.volume}:/images`] : [];
  const temporalEnv = {
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: config.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: config.taskQueue,
    CODEC_KEYS: s.codecKeys,
  };
  const sandbox: ContainerSpec = {
    role: 'sandbox',
    command: ['node', 'dist/sandbox/main.js'],
    env: {
      NODE_ENV: 'production',
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_PORT: String(config.ports.sandbox),
      SANDBOX_API_KEY: s.vlensApiKey,
      SANDBOX_LOGIN_USER: 'admin',
      SANDBOX_LOGIN_PASSWORD: s.vlensPassword,
      SANDBOX_TENANCY: 'sandbox',
      KASHIER_WEBHOOK_SECRET: s.kashier,
      FAWRY_SECURE_KEY: s.fawry,
      SANDBOX_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/{gateway}`,
      SANDBOX_VLENS_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/vlens?token=${s.vlensWebhook}`,
      SANDBOX_PUBLIC_URL: sandboxUrl,
      ...extra.sandbox,
    },
    extra: [],
  };
  const workers = Array.from({ length: config.workers ?? 2 }, (_, k) => k + 1).map((i): ContainerSpec => ({
    role: `worker-${i}`,
    command: ['node', 'dist/worker/main.js'],
    env: {
      ...temporalEnv,
      ...storeEnv,
      VLENS_BASE_URL: sandboxUrl,
      // The sandbox is plain http on loopback; production refuses both unless told (docs/production.md).
      VLENS_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32',
      VLENS_API_FLAVOR: 'customer-sign',
      VLENS_SERVICE_AUTH: 'login',
      VLENS_TENANCY: 'sandbox',
      VLENS_USERNAME: 'admin',
      VLENS_API_KEY: s.vlensApiKey,
      VLENS_PASSWORD: s.vlensPassword,
      // The sandbox's number (sandbox/README.md); production must name it.
      VLENS_CUSTOMER_SIGNED_STATUS: '4',
      WORKER_SHUTDOWN_GRACE_SECONDS: '10',
      ...extra.worker,
    },
    extra: ['--hostname', `worker-${i}-${config.hostnameSuffix}`, ...storeMount],
  }));
  const replicaPorts = config.gatewayReplicaPorts;
  const gatewaySpec = (role: string, port: number): ContainerSpec => ({
    role,
    command: ['node', 'dist/gateway/main.js'],
    env: {
      ...temporalEnv,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      ...storeEnv,
      // Production takes tenant:role:key entries only (gateway/keys.ts).
      GATEWAY_API_KEYS: `topology:backend:${s.apiKey}`,
      GATEWAY_CLIENT_SECRET_KEYS: s.clientSecretKey,
      KASHIER_WEBHOOK_SECRET: s.kashier,
      FAWRY_SECURE_KEY: s.fawry,
      VLENS_WEBHOOK_TOKEN: s.vlensWebhook,
      DATABASE_URL: config.gatewayDatabaseUrl,
      // Replicas count their limits in Redis; a single gateway's limits are its own (gateway/config.ts).
      ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : { GATEWAY_REPLICAS: '1' }),
      // Behind the load balancer (on 127.0.0.1), a request's source is the X-Forwarded-For it adds.
      ...(replicaPorts ? { GATEWAY_TRUST_PROXY: '127.0.0.1' } : {}),
      GATEWAY_LOG_LEVEL: 'warn',
      ...extra.gateway,
    },
    extra: storeMount,
  });
  const gateways = replicaPorts
    ? replicaPorts.map((port, k) => gatewaySpec(`gateway-${k + 1}`, port))
    : [gatewaySpec('gateway', config.ports.gateway)];
  const gateway = gateways[0]!;
  const codec: ContainerSpec = {
    role: 'codec-server',
    command: ['node', 'dist/codec/codec-server-main.js'],
    env: {
      NODE_ENV: 'production',
      CODEC_SERVER_HOST: '127.0.0.1',
      CODEC_SERVER_PORT: String(config.ports.codec),
      CODEC_KEYS: s.codecKeys,
      CODEC_SERVER_TOKENS: s.codecToken,
      // Only the CLI's static token is used here; production refuses the local UI's origins.
      CODEC_SERVER_CORS_ORIGINS: '',
      ...extra['codec-server'],
    },
    extra: [],
  };
  return { sandbox, workers, gateway, gateways, codec };
}

/**
 * `docker run -d --network host` of one spec, with the image's own healthcheck polled every `healthInterval`
 * (default 2 s, so a test sees `healthy` soon; each probe starts a Node process, so long runs poll less often).
 */
export function runContainer(
  docker: Docker,
  image: string,
  name: string,
  spec: ContainerSpec,
  healthInterval = '2s',
): string {
  const envArgs = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker.run([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '--health-interval',
    healthInterval,
    '--health-start-period',
    '60s',
    ...spec.extra,
    ...envArgs,
    image,
    ...spec.command,
  ]);
  return name;
}

/** The native Temporal server on PostgreSQL (as scripts/postgres/e2e.ts runs it), restartable on the same root. */
export interface TemporalOnPostgres {
  install: TemporalServerInstall;
  cliPath: string;
  address: string;
  rootDir: string;
  logFile: string;
  process: ManagedProcess;
  /** Starts the server again on the same configuration (after a kill) and waits until it answers. */
  restart(timeoutMs?: number): Promise<ManagedProcess>;
}

export async function startTemporalOnPostgres(args: {
  target: PostgresTarget;
  databases: TemporalDatabases;
  workDir: string;
  log: (line: string) => void;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Filled as soon as the process exists, so the caller can stop it even when start-up fails later. */
  processes?: ManagedProcess[];
}): Promise<TemporalOnPostgres> {
  const { log } = args;
  const install = await provisionTemporalServer((line) => log(line));
  const cli = await resolveTemporalCli((line) => log(line));
  await createTemporalDatabases(install, args.target, args.databases, (line) => log(line));
  const ports = await freeServerPorts();
  const address = `127.0.0.1:${ports.frontend}`;
  const rootDir = path.join(args.workDir, 'temporal');
  const logFile = path.join(args.workDir, 'temporal-server.log');
  writeServerConfig(rootDir, {
    databases: args.databases,
    target: args.target,
    ports,
    logLevel: args.logLevel ?? 'warn',
  });
  const server: TemporalOnPostgres = {
    install,
    cliPath: cli.path,
    address,
    rootDir,
    logFile,
    process: startTemporalServer(install, rootDir, logFile),
    async restart(timeoutMs = 120_000) {
      server.process = startTemporalServer(install, rootDir, logFile);
      args.processes?.push(server.process);
      await waitForTemporal(address, timeoutMs);
      return server.process;
    },
  };
  args.processes?.push(server.process);
  await waitForTemporal(address, 60_000);
  await prepareNamespace(cli.path, address);
  log(
    `Temporal ${install.version} on ${address} (PostgreSQL ${args.target.host}:${args.target.port}/${args.databases.main}), namespace and search attributes ready`,
  );
  return server;
}
