// Creates (and drops) the two databases Temporal needs on PostgreSQL, with the release's own schema tool:
// `create-database`, `setup-schema -v 0.0`, `update-schema -d <versioned schema dir>` for the main store
// and for visibility. Defaults: 127.0.0.1:5432, user postgres, trust auth (PGPASSWORD if set).
//
//   tsx scripts/postgres/temporal-db.ts create [name]   # name defaults to temporal_ci_<random>; visibility is <name>_vis
//   tsx scripts/postgres/temporal-db.ts drop <name>     # drops <name> and <name>_vis
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { provisionTemporalServer, type TemporalServerInstall } from './provision-temporal-server';

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
}

export interface TemporalDatabases {
  main: string;
  visibility: string;
}

export function postgresTargetFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  return {
    host: env.PGHOST || '127.0.0.1',
    port: Number(env.PGPORT || 5432),
    user: env.PGUSER || 'postgres',
    ...(env.PGPASSWORD ? { password: env.PGPASSWORD } : {}),
  };
}

/** Fresh names per run, so concurrent runs never share (or drop) each other's databases. */
export function freshDatabaseNames(prefix = 'temporal_ci'): TemporalDatabases {
  const main = `${prefix}_${randomBytes(5).toString('hex')}`;
  return { main, visibility: `${main}_vis` };
}

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function sqlTool(
  install: TemporalServerInstall,
  target: PostgresTarget,
  database: string,
  args: string[],
): Promise<void> {
  if (!SAFE_NAME.test(database)) throw new Error(`refusing database name ${JSON.stringify(database)}`);
  const full = [
    '--plugin',
    'postgres12',
    '--ep',
    target.host,
    '--port',
    String(target.port),
    '--user',
    target.user,
    ...(target.password ? ['--password', target.password] : []),
    '--db',
    database,
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(install.sqlTool, full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-6000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-6000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`temporal-sql-tool ${args.join(' ')} on ${database} exited ${code}:\n${output}`)),
    );
  });
}

/** create-database + setup-schema -v 0.0 + update-schema to the release's latest, for both stores. */
export async function createTemporalDatabases(
  install: TemporalServerInstall,
  target: PostgresTarget,
  names: TemporalDatabases,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  for (const [database, schemaDir] of [
    [names.main, install.schema.temporal],
    [names.visibility, install.schema.visibility],
  ] as const) {
    const started = Date.now();
    await sqlTool(install, target, database, ['create-database']);
    await sqlTool(install, target, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(install, target, database, ['update-schema', '-d', schemaDir]);
    log(`[temporal-db] ${database}: created and migrated (${Date.now() - started} ms)`);
  }
}

/**
 * Drops the databases, even with connections still open (a server that was killed leaves none, but a
 * stray one would block a plain DROP). Never throws: cleanup reports what it could not do.
 */
export async function dropTemporalDatabases(
  target: PostgresTarget,
  names: string[],
  log: (line: string) => void = () => undefined,
): Promise<boolean> {
  const client = maintenanceClient(target);
  let ok = true;
  try {
    await client.connect();
    for (const name of names) {
      if (!SAFE_NAME.test(name)) {
        log(`[temporal-db] not dropping suspicious name ${JSON.stringify(name)}`);
        ok = false;
        continue;
      }
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        log(`[temporal-db] dropped ${name}`);
      } catch (error) {
        ok = false;
        log(`[temporal-db] could not drop ${name}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    ok = false;
    log(`[temporal-db] could not connect to drop ${names.join(', ')}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return ok;
}

/** A client of the server's maintenance database, from which databases are created and dropped. */
function maintenanceClient(target: PostgresTarget): pg.Client {
  const { host, port, user, password } = target;
  return new pg.Client({ host, port, user, password, database: 'postgres' });
}

/** A plain database (the gateway's webhook dedup record lives in one). */
export async function createPlainDatabase(target: PostgresTarget, name: string): Promise<void> {
  if (!SAFE_NAME.test(name)) throw new Error(`refusing database name ${JSON.stringify(name)}`);
  const client = maintenanceClient(target);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const target = postgresTargetFromEnv();
  if (command === 'create') {
    const install = await provisionTemporalServer();
    const names = name ? { main: name, visibility: `${name}_vis` } : freshDatabaseNames();
    await createTemporalDatabases(install, target, names, (line) => console.log(line));
    console.log(`${names.main} ${names.visibility}`);
  } else if (command === 'drop' && name) {
    const ok = await dropTemporalDatabases(target, [name, `${name}_vis`], (line) => console.log(line));
    if (!ok) process.exitCode = 1;
  } else {
    console.error('usage: tsx scripts/postgres/temporal-db.ts create [name] | drop <name>');
    process.exitCode = 2;
  }
}

if (process.argv[1]?.endsWith('temporal-db.ts')) {
  main().catch((error: unknown) => {
    console.error(`[temporal-db] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
