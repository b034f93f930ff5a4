// scripts/ensure-chromium.sh and scripts/ensure-redis.sh (both through scripts/ensure-debian-tool.sh) as
// `npm test` runs them first, run for real by an unprivileged user (`nobody`): with no binary to find each
// must stop with the one command to run, never try to install, and never let the tests that need it skip. The privileged branch (root or passwordless sudo installs with apt-get) is not
// driven here: it would change the shared machine's packages.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../scripts/go-tools';

const SCRIPTS = path.resolve(import.meta.dirname, '../../scripts');
// What the script calls, linked into a PATH of their own so that `chromium` is not on it.
const TOOLS = ['id', 'sudo', 'apt-get', 'env'];

let dir: string;
let script: string;
let redisScript: string;
let toolsDir: string;

/** Root switches to `nobody` with runuser, a passwordless-sudo user through sudo; anyone else already is unprivileged. */
function nobodyPrefix(): string[] {
  if (process.getuid?.() === 0) return ['runuser', '-u', 'nobody', '--'];
  return spawnSync('sudo', ['-n', 'true']).status === 0 ? ['sudo', '-n', 'runuser', '-u', 'nobody', '--'] : [];
}

/** Runs `command` as `nobody` with exactly `env` (env -i: nothing leaks in from this process). */
function runAsNobody(env: Record<string, string>, command: string[] = ['/bin/bash', script]) {
  const [program, ...args] = [
    ...nobodyPrefix(),
    '/usr/bin/env',
    '-i',
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    ...command,
  ];
  const result = spawnSync(program!, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function worldReadableDir(folder: string): string {
  mkdirSync(folder, { recursive: true });
  chmodSync(folder, 0o755);
  return folder;
}

beforeAll(() => {
  // A copy in a world-readable folder: the checkout may sit where `nobody` cannot read (e.g. under /root).
  dir = worldReadableDir(mkdtempSync(path.join(os.tmpdir(), 'ensure-chromium-')));
  for (const name of ['ensure-chromium.sh', 'ensure-redis.sh', 'ensure-debian-tool.sh']) {
    copyFileSync(path.join(SCRIPTS, name), path.join(dir, name));
    chmodSync(path.join(dir, name), 0o755);
  }
  script = path.join(dir, 'ensure-chromium.sh');
  redisScript = path.join(dir, 'ensure-redis.sh');
  toolsDir = worldReadableDir(path.join(dir, 'bin'));
  for (const tool of TOOLS) {
    const found = findOnPath(tool);
    if (found) symlinkSync(found, path.join(toolsDir, tool));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/ensure-chromium.sh run by a user who may not install packages', () => {
  it('really runs unprivileged', () => {
    const result = runAsNobody({ PATH: toolsDir }, ['id', '-u']);
    expect(result.status).toBe(0);
    expect(result.output.trim()).not.toBe('0');
  });

  it('stops with the one command to run when Chromium is not on PATH', () => {
    const result = runAsNobody({ PATH: toolsDir });
    expect(result.status).toBe(1);
    expect(result.output).toContain('Run: sudo apt-get install chromium');
    expect(result.output).toContain('CHROMIUM_PATH=/path/to/chromium npm test');
    expect(result.output).not.toContain('installing');
  });

  it('stops when CHROMIUM_PATH points nowhere, naming it', () => {
    const missing = path.join(dir, 'no-such-chromium');
    const result = runAsNobody({ PATH: toolsDir, CHROMIUM_PATH: missing });
    expect(result.status).toBe(1);
    expect(result.output).toContain(`CHROMIUM_PATH=${missing} is not an executable file`);
    expect(result.output).toContain('sudo apt-get install chromium');
  });

  it('passes quietly when CHROMIUM_PATH names an executable', () => {
    const result = runAsNobody({ PATH: toolsDir, CHROMIUM_PATH: script });
    expect(result).toEqual({ status: 0, output: '' });
  });

  it('passes quietly when chromium is on PATH', () => {
    const withBrowser = worldReadableDir(path.join(dir, 'with-browser'));
    symlinkSync(script, path.join(withBrowser, 'chromium'));
    const result = runAsNobody({ PATH: `${withBrowser}:${toolsDir}` });
    expect(result).toEqual({ status: 0, output: '' });
  });
});

describe('scripts/ensure-redis.sh run by a user who may not install packages', () => {
  it('stops with the one command to run when redis-server is not on PATH', () => {
    const result = runAsNobody({ PATH: toolsDir }, ['/bin/bash', redisScript]);
    expect(result.status).toBe(1);
    expect(result.output).toContain('Run: sudo apt-get install redis-server');
    expect(result.output).toContain('REDIS_SERVER_PATH=/path/to/redis-server npm test');
    expect(result.output).not.toContain('installing');
  });

  it('passes quietly when REDIS_SERVER_PATH names an executable', () => {
    const result = runAsNobody({ PATH: toolsDir, REDIS_SERVER_PATH: script }, ['/bin/bash', redisScript]);
    expect(result).toEqual({ status: 0, output: '' });
  });
});
