// Finding executables and building Go tools with `go install`: shared by the Temporal CLI resolver and
// the Temporal server provisioning, which both build pinned releases from source when no binary exists.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type Log = (line: string) => void;

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

export function goBinary(): string | undefined {
  return findOnPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

export function goEnv(go: string, name: string): string | undefined {
  const result = spawnSync(go, ['env', name], { encoding: 'utf8' });
  const value = result.status === 0 ? result.stdout.trim() : '';
  return value || undefined;
}

/** Where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin. */
export function goBinDir(go: string): string | undefined {
  const gobin = goEnv(go, 'GOBIN');
  if (gobin) return gobin;
  const gopath = goEnv(go, 'GOPATH');
  return gopath ? path.join(gopath.split(path.delimiter)[0] ?? gopath, 'bin') : undefined;
}

/**
 * `go install <pkgAtVersion>`, printing a progress line every `tickMs` (first builds take minutes)
 * and keeping the output's tail for the error message.
 */
export function goInstall(
  go: string,
  pkgAtVersion: string,
  options: { toolchain?: string; log: Log; label: string; tickMs?: number },
): Promise<{ ok: boolean; tail: string; seconds: number }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(options.toolchain ? { GOTOOLCHAIN: options.toolchain } : {}) };
    const started = Date.now();
    const child = spawn(go, ['install', pkgAtVersion], { env });
    let tail = '';
    let downloads = 0;
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      // `go` prints one line per module; count them instead of flooding the terminal.
      downloads += (text.match(/go: downloading/g) ?? []).length;
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const ticker = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      options.log(`${options.label} still building ${pkgAtVersion} (${seconds}s, ${downloads} modules fetched)...`);
    }, options.tickMs ?? 15_000);
    const done = (ok: boolean, extra = '') => {
      clearInterval(ticker);
      resolve({ ok, tail: tail + extra, seconds: Math.round((Date.now() - started) / 1000) });
    };
    child.on('error', (error) => done(false, String(error)));
    child.on('close', (code) => done(code === 0));
  });
}
