// Starts and stops the pieces of the local stack as child processes: the Temporal dev server (with its
// UI and a SQLite file, so activations survive a restart), the sandbox, the worker and the gateway.
// Shared by `npm start`, the demo and the chaos suite, which kills and restarts the pieces.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { connectGuarded } from '../client/retry-after-close-guard';
import { REGISTERED_SEARCH_ATTRIBUTE_KEYS } from '../client/tenancy';

export const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'prefix' | 'ignore' = 'prefix',
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  if (output === 'prefix') {
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => `${`[${name}]`.padEnd(10)} ${line}`)
        .join('\n') + '\n';
    child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  } else if (output === 'ignore') {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, exited };
}

/** SIGTERM, then SIGKILL if it has not gone after the grace period. */
export async function stopProcess(proc: ManagedProcess, graceMs = 15_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * Dynamic config for the dev servers the project starts itself (`npm start`, the benchmarks). The history
 * service reads each shard's transfer queue, where the tasks that hand a workflow or activity task to
 * matching wait, at most `history.transferProcessorMaxPollRPS` times a second (default 20). The dev server
 * has one shard, so every workflow step can wait up to 50 ms for the next read, twice per activity (the
 * activity task, then the workflow task that records its result); at 1000 the wait is gone. The same
 * setting for a self-hosted cluster: docs/performance.md, docker-compose.yml.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 1000,
};

/** `temporal server start-dev` flags for dynamic config: one `--dynamic-config-value KEY=<JSON value>` each. */
export function dynamicConfigArgs(config: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /** Extra `temporal server start-dev` flags, e.g. --ui-codec-endpoint. */
  extraArgs?: string[];
  output?: 'inherit' | 'prefix' | 'ignore';
}

export function startDevServer(options: DevServerOptions): ManagedProcess {
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    path.join(options.dataDir, 'temporal.sqlite'),
    '--log-level',
    'warn',
    ...REGISTERED_SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ...(options.extraArgs ?? []),
  ];
  return startProcess('temporal', options.cliPath, args, {}, options.output ?? 'prefix');
}

/** Waits until the Temporal frontend answers, or throws after the timeout. */
export async function waitForTemporal(address: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const connection = await connectGuarded({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs / 1000}s: ${String(lastError)}`);
}

/**
 * Waits until an HTTP endpoint answers with any status below 500. The default is generous because `npm start`
 * runs each process through tsx, which compiles on first start: on a loaded 2-core machine the gateway took 36 s
 * to answer, past the 30 s this used to allow (a process that dies is reported at once by the supervisor).
 */
export async function waitForHttp(url: string, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.status < 500) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s: ${String(lastError)}`);
}

/** A TCP port that is free on 127.0.0.1 right now (tests and benchmarks never use the fixed ports). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
