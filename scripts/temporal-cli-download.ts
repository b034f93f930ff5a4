// The Temporal SDK's own download of the `temporal` CLI (the same binary as the Go build, from
// temporal.download), used before the Go build because it takes seconds where the internet is reachable.
// Two bounds: a short probe learns whether temporal.download answers at all (machines without internet
// pay only that), then the SDK downloads into its usual cache file, which later runs find without any
// network (scripts/temporal-cli.ts).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { EnvHttpProxyAgent, fetch } from 'undici';
import { isExecutable, type Log } from './go-tools';

const require = createRequire(import.meta.url);
const SDK_VERSION = (require('@temporalio/testing/package.json') as { version: string }).version;

/** How long to wait for temporal.download to answer before concluding there is no internet. */
export const PROBE_TIMEOUT_MS = 10_000;
/** How long the download itself may take once the server answered (a ~60 MB archive). */
export const DOWNLOAD_TIMEOUT_MS = 300_000;

/**
 * Where the SDK keeps its download when no directory is given: the system's temp directory, named after
 * the SDK (node_modules/@temporalio/core-bridge/sdk-core/crates/sdk-core/src/ephemeral_server/mod.rs).
 */
export function sdkCachedCliPath(dir: string = os.tmpdir()): string {
  return path.join(dir, `temporal-sdk-typescript-${SDK_VERSION}`);
}

/** The URL the SDK asks first for the archive's address (same query as the SDK's). */
export function sdkDownloadInfoUrl(): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'windows' : 'linux';
  const query = new URLSearchParams({
    arch,
    platform,
    format: 'tar.gz',
    'sdk-name': 'sdk-typescript',
    'sdk-version': SDK_VERSION,
  });
  return `https://temporal.download/cli/default?${query}`;
}

/**
 * Whether `url` answers with a success within `timeoutMs`. Honours HTTPS_PROXY/NO_PROXY as the SDK's
 * download does. Returns the reason when it does not.
 */
export async function probe(url: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; why: string }> {
  const dispatcher = new EnvHttpProxyAgent();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), dispatcher });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, why: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? String(error));
    return { ok: false, why };
  } finally {
    await dispatcher.close();
  }
}

// Run in a child process: the SDK's download cannot be cancelled from JavaScript, a child can be killed.
// It has no download-only call, so it starts the downloaded dev server once and stops it.
const DOWNLOAD_SCRIPT = `
import { TestWorkflowEnvironment } from '@temporalio/testing';
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'cached-download', downloadDir: process.argv[1] }, ip: '127.0.0.1' },
});
await env.teardown();
`;

/** Downloads the CLI with the SDK into `dir`; resolves with its path, or the reason it failed. */
export function sdkDownload(
  dir: string,
  timeoutMs: number,
  root: string,
): Promise<{ ok: true; path: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', DOWNLOAD_SCRIPT, dir], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (why?: string) => {
      clearTimeout(timer);
      const file = sdkCachedCliPath(dir);
      resolve(!why && isExecutable(file) ? { ok: true, path: file } : { ok: false, why: why ?? `${file} missing` });
    };
    child.on('error', (error) => done(String(error)));
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') done(`no download within ${timeoutMs / 1000} s`);
      else done(code === 0 ? undefined : `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    });
  });
}

/**
 * The SDK's download, bounded: a probe of `PROBE_TIMEOUT_MS` first (about all a machine without internet
 * pays), then the download. Off with TEMPORAL_CLI_DOWNLOAD=off (machines known to be offline).
 */
export async function downloadTemporalCli(
  log: Log,
  root: string,
  options: { infoUrl?: string; probeTimeoutMs?: number; downloadTimeoutMs?: number; dir?: string } = {},
): Promise<{ ok: true; path: string } | { ok: false; why: string }> {
  if (process.env.TEMPORAL_CLI_DOWNLOAD === 'off') return { ok: false, why: 'TEMPORAL_CLI_DOWNLOAD=off' };
  const infoUrl = options.infoUrl ?? sdkDownloadInfoUrl();
  const probeTimeoutMs = options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  log(
    `[temporal-cli] trying the SDK's download (${new URL(infoUrl).host}, up to ${probeTimeoutMs / 1000} s to answer)...`,
  );
  const reachable = await probe(infoUrl, probeTimeoutMs);
  if (!reachable.ok) return { ok: false, why: `${new URL(infoUrl).host} unreachable: ${reachable.why}` };
  return sdkDownload(options.dir ?? os.tmpdir(), options.downloadTimeoutMs ?? DOWNLOAD_TIMEOUT_MS, root);
}
