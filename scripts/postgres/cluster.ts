// A throwaway PostgreSQL cluster of its own (initdb in a private directory, its own port on 127.0.0.1, trust
// auth for local connections), so a test can stop, crash and restart PostgreSQL without disturbing the
// machine's cluster (127.0.0.1:5432) that other test suites use. Runs the installed server's own binaries
// (Debian: /usr/lib/postgresql/<version>/bin) as the `postgres` user, because initdb and postgres refuse
// to run as root. Used by the production-topology chaos suite's postgres-restart scenario.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PostgresTarget } from './temporal-db';

/** The newest installed server's bin directory (initdb, pg_ctl), or PG_BINDIR. */
export function postgresBinDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(
      `no PostgreSQL server binaries under ${root} (apt-get install postgresql), and PG_BINDIR is not set`,
    );
  return path.join(root, versions[0], 'bin');
}

export type StopMode = 'fast' | 'immediate';

export interface DedicatedCluster {
  target: PostgresTarget;
  dataDir: string;
  logFile: string;
  /** `pg_ctl stop -m fast` (a clean shutdown, like `service postgresql restart`) or `-m immediate` (a crash: recovery on start). */
  stop(mode: StopMode): void;
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops it (immediate) and removes its directory. */
  destroy(): void;
}

export async function startDedicatedCluster(args: {
  dir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<DedicatedCluster> {
  const log = args.log ?? (() => undefined);
  const bin = postgresBinDir();
  const dataDir = path.join(args.dir, 'data');
  const socketDir = path.join(args.dir, 'socket');
  const logFile = path.join(args.dir, 'postgres.log');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  writeFileSync(logFile, '');
  const asRoot = userInfo().uid === 0;
  if (asRoot) for (const p of [args.dir, dataDir, socketDir, logFile]) chownSync(p, uid('postgres'), gid('postgres'));
  const run = (tool: string, toolArgs: string[], allowFailure = false) => {
    const command = asRoot
      ? ['runuser', '-u', 'postgres', '--', path.join(bin, tool), ...toolArgs]
      : [path.join(bin, tool), ...toolArgs];
    const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0 && !allowFailure) {
      throw new Error(
        `${tool} ${toolArgs.join(' ')} exited ${result.status}: ${`${result.stdout}${result.stderr}`.trim().slice(-2000)}`,
      );
    }
    return result.status === 0;
  };
  const started = Date.now();
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions']);
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      '# scripts/postgres/cluster.ts: loopback only, on its own port and socket directory',
      "listen_addresses = '127.0.0.1'",
      `port = ${args.port}`,
      `unix_socket_directories = '${socketDir}'`,
      'max_connections = 300',
      '',
    ].join('\n'),
  );
  const target: PostgresTarget = { host: '127.0.0.1', port: args.port, user: 'postgres' };
  const cluster: DedicatedCluster = {
    target,
    dataDir,
    logFile,
    stop(mode) {
      run('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'], true);
    },
    async start() {
      run('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
      await waitForPostgres(target, 60_000);
    },
    isRunning() {
      return run('pg_ctl', ['status', '-D', dataDir], true);
    },
    destroy() {
      if (existsSync(dataDir)) run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], true);
      rmSync(args.dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  log(`PostgreSQL cluster of its own on 127.0.0.1:${args.port} (${dataDir}), up in ${Date.now() - started} ms`);
  return cluster;
}

export async function waitForPostgres(target: PostgresTarget, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const client = new pg.Client({ ...target, database: 'postgres', connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`PostgreSQL on ${target.host}:${target.port} did not answer within ${timeoutMs / 1000}s: ${last}`);
}

function idOf(flag: '-u' | '-g', name: string): number {
  const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`no ${name} user on this machine (apt-get install postgresql creates it)`);
  return Number(result.stdout.trim());
}
const uid = (name: string) => idOf('-u', name);
const gid = (name: string) => idOf('-g', name);
