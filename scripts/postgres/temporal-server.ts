// Runs the real Temporal server natively on PostgreSQL: renders scripts/postgres/temporal-server.yaml
// into a config directory, starts `temporal-server --root <dir> --config config --env <env> start`, and
// prepares the `default` namespace and the search attributes with the Temporal CLI (scripts/temporal-cli.ts).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REGISTERED_SEARCH_ATTRIBUTE_KEYS } from '../../client/tenancy';
import type { ManagedProcess } from '../local-stack';
import type { TemporalServerInstall } from './provision-temporal-server';
import type { PostgresTarget, TemporalDatabases } from './temporal-db';
import { freePort } from '../local-stack';

export const SERVER_CONFIG_TEMPLATE = fileURLToPath(new URL('./temporal-server.yaml', import.meta.url));
export const SERVER_CONFIG_ENV = 'postgres-ci';

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Distinct free ports for every listener of the four services. Below 32768 on purpose: the SQL schema
 * stores membership ports as SMALLINT, and a port above 32767 makes the server die at start-up
 * ("value out of range for type smallint"). Random within 20000-32000 so parallel runs rarely collide.
 */
export async function freeServerPorts(): Promise<ServerPorts> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (let tries = 0; tries < 500; tries++) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await portIsFree(port))) {
        taken.add(port);
        return port;
      }
    }
    throw new Error('no free port found between 20000 and 32000');
  };
  return {
    frontend: await next(),
    frontendHttp: await next(),
    frontendMembership: await next(),
    history: await next(),
    historyMembership: await next(),
    matching: await next(),
    matchingMembership: await next(),
    worker: await next(),
    workerMembership: await next(),
  };
}

export interface ServerConfigValues {
  databases: TemporalDatabases;
  target: PostgresTarget;
  ports: ServerPorts;
  historyShards?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The template with every {{NAME}} replaced; throws if one is left over (a template/code mismatch). */
export function renderServerConfig(template: string, values: ServerConfigValues): string {
  const { databases, target, ports } = values;
  const yamlString = (s: string) => JSON.stringify(s).slice(1, -1); // the template quotes these values
  const table: Record<string, string> = {
    LOG_LEVEL: values.logLevel ?? 'warn',
    HISTORY_SHARDS: String(values.historyShards ?? 4),
    DB_NAME: databases.main,
    VISIBILITY_DB_NAME: databases.visibility,
    DB_HOST: target.host,
    DB_PORT: String(target.port),
    DB_USER: yamlString(target.user),
    DB_PASSWORD: yamlString(target.password ?? ''),
    FRONTEND_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
  };
  const rendered = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => table[name] ?? whole);
  const left = [...rendered.matchAll(/\{\{([A-Z_]+)\}\}/g)].map((m) => m[1]);
  if (left.length > 0)
    throw new Error(`temporal-server.yaml has placeholders the renderer does not know: ${left.join(', ')}`);
  return rendered;
}

/** Writes <root>/config/<env>.yaml and returns the root directory. */
export function writeServerConfig(rootDir: string, values: ServerConfigValues): string {
  const configDir = path.join(rootDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const rendered = renderServerConfig(readFileSync(SERVER_CONFIG_TEMPLATE, 'utf8'), values);
  writeFileSync(path.join(configDir, `${SERVER_CONFIG_ENV}.yaml`), rendered, { mode: 0o600 });
  return rootDir;
}

/** Starts the server with output appended to logFile. Restarting = calling this again with the same root. */
export function startTemporalServer(install: TemporalServerInstall, rootDir: string, logFile: string): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(
    install.server,
    ['--root', rootDir, '--config', 'config', '--env', SERVER_CONFIG_ENV, '--allow-no-auth', 'start'],
    { cwd: rootDir, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: 'temporal-server', child, exited };
}

function cli(cliPath: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(cliPath, args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

async function retry(what: string, timeoutMs: number, attempt: () => { ok: boolean; output: string }): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const result = attempt();
    if (result.ok) return result.output;
    last = result.output;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`${what} did not succeed within ${timeoutMs / 1000}s: ${last}`);
}

/**
 * A fresh SQL-backed server has no namespaces: create `default`, wait until it is served, then register
 * the search attributes of docs/design.md §2 (Keyword) and wait until the namespace lists them.
 */
export async function prepareNamespace(
  cliPath: string,
  address: string,
  namespace = 'default',
  timeoutMs = 60_000,
): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const describe = () => cli(cliPath, ['operator', 'namespace', 'describe', ...common]);
  if (!describe().ok) {
    await retry(`creating namespace ${namespace}`, timeoutMs, () => {
      const created = cli(cliPath, ['operator', 'namespace', 'create', ...common, '--retention', '24h']);
      return created.ok || /already (exists|registered)/i.test(created.output)
        ? { ok: true, output: created.output }
        : created;
    });
  }
  await retry(`namespace ${namespace} to be served`, timeoutMs, describe);
  const attributeArgs = REGISTERED_SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--name', key.name, '--type', 'Keyword']);
  await retry('registering search attributes', timeoutMs, () =>
    cli(cliPath, ['operator', 'search-attribute', 'create', ...common, ...attributeArgs]),
  );
  await retry('search attributes to be listed', timeoutMs, () => {
    const listed = cli(cliPath, ['operator', 'search-attribute', 'list', ...common]);
    const missing = REGISTERED_SEARCH_ATTRIBUTE_KEYS.filter((key) => !listed.output.includes(key.name));
    return {
      ok: listed.ok && missing.length === 0,
      output: listed.ok ? `missing ${missing.map((k) => k.name).join(', ')}` : listed.output,
    };
  });
}

export { freePort };
