// Finds SeaweedFS's `weed` binary (an S3-compatible object store; the S3 image store's tests and the
// local S3 setup run against it), building it from source when no binary exists. Cached like the
// Temporal CLI (scripts/temporal-cli.ts): built once into `go env GOPATH`/bin and reused.
//
// `go install github.com/seaweedfs/seaweedfs/weed@<version>` refuses the module because its go.mod has
// replace directives, so the build is done by hand: `go mod download` the pinned module, copy it to a
// writable build folder, and `go build ./weed` there. The first build takes about 10 minutes on 2 cores
// and gives a ~230 MB binary.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOnPath, goBinary, goBinDir, isExecutable, type Log } from './go-tools';

export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** Looks for an installed binary without building anything: WEED_PATH, then GOPATH/bin, then PATH. */
export function findWeed(): { path: string; foundVia: string } | undefined {
  const fromEnv = process.env.WEED_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`WEED_PATH=${fromEnv} is not an executable file`);
    return { path: fromEnv, foundVia: 'WEED_PATH' };
  }
  const go = goBinary();
  const binDir = go ? goBinDir(go) : undefined;
  if (binDir && isExecutable(path.join(binDir, 'weed'))) {
    return { path: path.join(binDir, 'weed'), foundVia: 'go env GOPATH/bin' };
  }
  const onPath = findOnPath('weed');
  return onPath ? { path: onPath, foundVia: 'PATH' } : undefined;
}

/** Returns the `weed` binary, building it first when there is none. Throws with the build's output tail. */
export async function resolveWeed(log: Log = (line) => console.error(line)): Promise<string> {
  const found = findWeed();
  if (found) return found.path;
  const go = goBinary();
  if (!go) throw new Error('no `weed` binary (WEED_PATH, GOPATH/bin, PATH) and no Go toolchain to build one');
  const binDir = goBinDir(go);
  if (!binDir) throw new Error('cannot tell where Go puts binaries (go env GOBIN / GOPATH)');

  // One build per machine: test files in parallel (or two checkouts) wait for the first one's binary.
  const lock = path.join(binDir, 'weed.build-lock');
  mkdirSync(binDir, { recursive: true });
  while (!tryLock(lock)) {
    log(`[seaweedfs] another process is building weed (${lock}); waiting for it...`);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const built = findWeed();
    if (built) return built.path;
  }
  try {
    return await build(go, binDir, log);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const STALE_LOCK_MS = 45 * 60_000;

/** mkdir is atomic: whoever creates the lock builds. A lock older than any build is a crashed one's. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

async function build(go: string, binDir: string, log: Log): Promise<string> {
  const again = findWeed(); // built by the process that held the lock before us
  if (again) return again.path;
  log(`[seaweedfs] no weed binary found; building ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} with ${go}.`);
  log('[seaweedfs] the first build takes about 10 minutes on 2 cores; later runs reuse the binary.');
  const started = Date.now();
  const download = spawnSync(go, ['mod', 'download', '-json', `${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION}`], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  let moduleDir: string | undefined;
  try {
    moduleDir = (JSON.parse(download.stdout) as { Dir?: string }).Dir;
  } catch {
    moduleDir = undefined;
  }
  if (download.status !== 0 || !moduleDir || !existsSync(moduleDir)) {
    throw new Error(
      `go mod download ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} failed:\n${download.stdout}${download.stderr}`,
    );
  }
  // The module cache is read-only, and the build writes next to the sources: build in a writable copy.
  const buildDir = path.join(os.tmpdir(), `seaweedfs-build-${SEAWEEDFS_VERSION}`);
  rmSync(buildDir, { recursive: true, force: true });
  cpSync(moduleDir, buildDir, { recursive: true });
  makeWritable(buildDir);
  const partial = path.join(binDir, `weed.partial-${process.pid}`);
  const result = await goBuild(go, buildDir, partial, log);
  rmSync(buildDir, { recursive: true, force: true });
  if (!result.ok) {
    rmSync(partial, { force: true });
    throw new Error(`go build ./weed failed:\n${result.tail}`);
  }
  // Renamed into place only when whole, so an interrupted build never leaves a broken `weed` behind.
  const target = path.join(binDir, 'weed');
  renameSync(partial, target);
  log(`[seaweedfs] built ${target} in ${Math.round((Date.now() - started) / 1000)}s.`);
  return target;
}

function makeWritable(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    chmodSync(file, statSync(file).isDirectory() ? 0o755 : 0o644);
  }
  chmodSync(dir, 0o755);
}

function goBuild(go: string, dir: string, output: string, log: Log): Promise<{ ok: boolean; tail: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(go, ['build', '-o', output, './weed'], { cwd: dir });
    let tail = '';
    const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(() => {
      log(`[seaweedfs] still building (${Math.round((Date.now() - started) / 1000)}s)...`);
    }, 30_000);
    const done = (ok: boolean, extra = '') => {
      clearInterval(ticker);
      resolve({ ok, tail: tail + extra });
    };
    child.on('error', (error) => done(false, String(error)));
    child.on('close', (code) => done(code === 0));
  });
}
