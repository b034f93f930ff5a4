// Finds the `temporal` CLI (which embeds the Temporal dev server and its UI), building it from source
// when no binary exists. One resolver for tests, `npm start` and the demo, so every machine gets the
// same server the same way. The SDK's own download is only the last resort: it needs the internet,
// which CI and many build machines do not have.
import path from 'node:path';
import { findOnPath, goBinary, goBinDir, goInstall, isExecutable, type Log } from './go-tools';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
// Later tags carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
// Used when the local Go toolchain is too old or too new for the CLI's go.mod.
const FALLBACK_GO_TOOLCHAIN = 'go1.25.5';

export type TemporalCliSource =
  { kind: 'existing'; path: string; foundVia: string } | { kind: 'sdk-download'; why: string };

/** Looks for an installed binary without building anything. */
export function findTemporalCli(): { path: string; foundVia: string } | undefined {
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
  return undefined;
}

/**
 * Returns where the Temporal CLI comes from: an existing binary, one built now with `go install`, or
 * (only when Go is missing or the build fails) the SDK's own download, with the reason said plainly.
 */
export async function resolveTemporalCli(log: Log = (line) => console.error(line)): Promise<TemporalCliSource> {
  const found = findTemporalCli();
  if (found) return { kind: 'existing', ...found };

  const go = goBinary();
  if (!go) {
    const why = 'no `temporal` binary (TEMPORAL_CLI_PATH, PATH, GOPATH/bin) and no Go toolchain to build one';
    log(`[temporal-cli] ${why}; falling back to the SDK's download (needs internet access).`);
    return { kind: 'sdk-download', why };
  }

  log(`[temporal-cli] no temporal binary found; building ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} with ${go}.`);
  log('[temporal-cli] the first build takes a few minutes; later runs reuse the binary.');
  const started = Date.now();
  const pkg = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  let attempt = await goInstall(go, pkg, { log, label: '[temporal-cli]' });
  if (!attempt.ok) {
    log(
      `[temporal-cli] build failed; retrying with GOTOOLCHAIN=${FALLBACK_GO_TOOLCHAIN}. Last output:\n${attempt.tail}`,
    );
    attempt = await goInstall(go, pkg, { toolchain: FALLBACK_GO_TOOLCHAIN, log, label: '[temporal-cli]' });
  }
  const built = findTemporalCli();
  if (attempt.ok && built) {
    log(`[temporal-cli] built ${built.path} in ${Math.round((Date.now() - started) / 1000)}s.`);
    return { kind: 'existing', path: built.path, foundVia: 'go install' };
  }
  const why = `go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed:\n${attempt.tail}`;
  log(`[temporal-cli] ${why}\n[temporal-cli] falling back to the SDK's download (needs internet access).`);
  return { kind: 'sdk-download', why };
}

/** The `executable` option of TestWorkflowEnvironment.createLocal for a resolved CLI. */
export function devServerExecutable(source: TemporalCliSource) {
  return source.kind === 'existing'
    ? ({ type: 'existing-path', path: source.path } as const)
    : ({ type: 'cached-download' } as const);
}
