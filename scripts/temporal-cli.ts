// Finds the `temporal` CLI (which embeds the Temporal dev server and its UI) for tests, `npm start`, the
// demo and the benchmarks, fastest way first: an existing binary; then the SDK's download (seconds where
// the internet is reachable, at most PROBE_TIMEOUT_MS lost where it is not); then a build from source with
// Go (minutes, but needs only the Go module proxy). It prints which way it took and how long that took.
import path from 'node:path';
import { findOnPath, goBinary, goBinDir, goInstall, isExecutable, type Log } from './go-tools';
import { downloadTemporalCli, sdkCachedCliPath } from './temporal-cli-download';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
// Later tags carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
// Used when the local Go toolchain is too old or too new for the CLI's go.mod.
const FALLBACK_GO_TOOLCHAIN = 'go1.25.5';
const ROOT = path.resolve(new URL('..', import.meta.url).pathname);

export interface TemporalCli {
  path: string;
  /** TEMPORAL_CLI_PATH, PATH, go env GOPATH/bin, SDK download cache, SDK download, go install. */
  foundVia: string;
}

/** Looks for an installed binary without building or downloading anything. */
export function findTemporalCli(): TemporalCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, foundVia: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, foundVia: 'PATH' };
  const go = goBinary();
  const binDir = go ? goBinDir(go) : undefined;
  if (binDir && isExecutable(path.join(binDir, 'temporal'))) {
    return { path: path.join(binDir, 'temporal'), foundVia: 'go env GOPATH/bin' };
  }
  if (isExecutable(sdkCachedCliPath())) return { path: sdkCachedCliPath(), foundVia: 'SDK download cache' };
  return undefined;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** The Temporal CLI, found, downloaded or built; throws, saying what was tried, when none of them works. */
export async function resolveTemporalCli(log: Log = (line) => console.error(line)): Promise<TemporalCli> {
  const started = Date.now();
  const found = findTemporalCli();
  if (found) {
    log(`[temporal-cli] ${found.path} (${found.foundVia}), found in ${seconds(started)}`);
    return found;
  }

  const download = await downloadTemporalCli(log, ROOT);
  if (download.ok) {
    log(`[temporal-cli] ${download.path} (SDK download) in ${seconds(started)}`);
    return { path: download.path, foundVia: 'SDK download' };
  }
  log(`[temporal-cli] no SDK download (${download.why}) after ${seconds(started)}; building from source with Go.`);

  const go = goBinary();
  if (!go) {
    throw new Error(
      `no Temporal CLI: no binary (TEMPORAL_CLI_PATH, PATH, GOPATH/bin, ${sdkCachedCliPath()}), ` +
        `no SDK download (${download.why}) and no Go toolchain to build one. Install Go, or set TEMPORAL_CLI_PATH.`,
    );
  }
  const buildStarted = Date.now();
  log(`[temporal-cli] building ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} with ${go}.`);
  log('[temporal-cli] the first build takes a few minutes; later runs reuse the binary.');
  const pkg = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  let attempt = await goInstall(go, pkg, { log, label: '[temporal-cli]' });
  if (!attempt.ok) {
    log(
      `[temporal-cli] build failed; retrying with GOTOOLCHAIN=${FALLBACK_GO_TOOLCHAIN}. Last output:\n${attempt.tail}`,
    );
    attempt = await goInstall(go, pkg, { toolchain: FALLBACK_GO_TOOLCHAIN, log, label: '[temporal-cli]' });
  }
  const built = findTemporalCli();
  if (!attempt.ok || !built) {
    throw new Error(
      `no Temporal CLI: no SDK download (${download.why}) and go install ${pkg} failed:\n${attempt.tail}`,
    );
  }
  log(`[temporal-cli] ${built.path} (go install) built in ${seconds(buildStarted)}, ${seconds(started)} in all`);
  return { path: built.path, foundVia: 'go install' };
}
