// The project's real process entries (gateway, codec server, sandbox), started as `npm run <x>` starts
// them (tsx), with an env of the test's choosing, on a free port. What they print is kept, so a test can
// read the log lines an operator would see, or the refusal a misconfigured start prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-stack';

export const ENTRIES = {
  gateway: 'gateway/main.ts',
  'codec-server': 'codec/codec-server-main.ts',
  sandbox: 'sandbox/main.ts',
  worker: 'worker/main.ts',
} as const;

export interface RunningProcess {
  url: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const LISTENING = /(?:"url":"|listening on )(http:\/\/127\.0\.0\.1:\d+)/;

/** Only what the test passes, plus PATH and a fresh data folder: nothing leaks in from the test runner. */
function envFor(env: Record<string, string>, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'sec-process-')),
    GATEWAY_PORT: String(port),
    CODEC_SERVER_PORT: String(port),
    SANDBOX_PORT: String(port),
    // A Temporal address nothing listens on: these processes start without one, and the routes used here need none.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    ...env,
  };
}

async function launch(
  entry: keyof typeof ENTRIES,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  // node itself (with tsx's loader), not the tsx wrapper: a kill reaches the process, never orphans it.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRIES[entry]], {
    cwd: ROOT,
    env: envFor(env, await freePort()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Starts the process and resolves once it prints the URL it listens on; fails loudly if it exits first. */
export async function startProcess(entry: keyof typeof ENTRIES, env: Record<string, string>): Promise<RunningProcess> {
  const { child, output } = await launch(entry, env);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = LISTENING.exec(output())?.[1];
    if (url) break;
    if (child.exitCode !== null) throw new Error(`${entry} exited ${child.exitCode} before listening:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not listen within 60 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the process to its exit (a refused configuration) and returns the exit code and what it printed. */
export async function startupRefusal(
  entry: keyof typeof ENTRIES,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { child, output } = await launch(entry, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: output() };
}
