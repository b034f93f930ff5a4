// Finds or builds the real Temporal server (`temporal-server`) and its schema tool (`temporal-sql-tool`)
// at one pinned release, plus that release's PostgreSQL schema directories, so Temporal can run natively
// on a local PostgreSQL (scripts/postgres/e2e.ts) the way it runs in production, without Docker.
//
//   tsx scripts/postgres/provision-temporal-server.ts      # prints the paths; builds on first use
//
// Lookup order for each binary: TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, then `temporal-server` /
// `temporal-sql-tool` on PATH or in $(go env GOPATH)/bin, then the `server` / `sql` that `go install`
// leaves in GOPATH/bin (checked by --version and copied to the descriptive names). Otherwise
// `go install go.temporal.io/server/cmd/server@v1.29.1` (and cmd/tools/sql) builds them: the server
// takes ~5 minutes on two cores the first time; later runs reuse the binaries.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findOnPath, goBinary, goBinDir, goEnv, goInstall, isExecutable, type Log } from '../go-tools';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** When the local Go cannot build the release, after trying the release's own go/toolchain version. */
const FALLBACK_GO_TOOLCHAIN = 'go1.25.5';

export interface TemporalServerInstall {
  /** The server binary (`start --root --config --env`). */
  server: string;
  /** temporal-sql-tool: create-database, setup-schema, update-schema, drop-database. */
  sqlTool: string;
  /** schema/postgresql/v12/{temporal,visibility}/versioned of the same release. */
  schema: { temporal: string; visibility: string };
  version: string;
}

interface Tool {
  /** Name we give the binary. */
  name: 'temporal-server' | 'temporal-sql-tool';
  /** Name `go install` gives it. */
  installedAs: 'server' | 'sql';
  envVar: string;
  pkg: string;
  /** What `--version` prints, e.g. "temporal version 1.29.1". */
  versionPattern: RegExp;
}

const plainVersion = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
const TOOLS: Record<'server' | 'sqlTool', Tool> = {
  server: {
    name: 'temporal-server',
    installedAs: 'server',
    envVar: 'TEMPORAL_SERVER_PATH',
    pkg: `${TEMPORAL_SERVER_MODULE}/cmd/server`,
    versionPattern: new RegExp(`^temporal version ${plainVersion.replace(/\./g, '\\.')}\\b`),
  },
  sqlTool: {
    name: 'temporal-sql-tool',
    installedAs: 'sql',
    envVar: 'TEMPORAL_SQL_TOOL_PATH',
    pkg: `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`,
    versionPattern: new RegExp(`^temporal-sql-tool version ${plainVersion.replace(/\./g, '\\.')}\\b`),
  },
};

function versionMatches(file: string, tool: Tool): boolean {
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && tool.versionPattern.test(result.stdout.trim());
}

/** An installed binary of the pinned version, or undefined. Never builds. */
function findTool(tool: Tool, binDir: string | undefined, log: Log): string | undefined {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${tool.envVar}=${fromEnv} is not an executable file`);
    if (!versionMatches(fromEnv, tool))
      log(
        `[temporal-server] warning: ${fromEnv} is not ${TEMPORAL_SERVER_VERSION}; using it because ${tool.envVar} says so`,
      );
    return fromEnv;
  }
  const candidates = [findOnPath(tool.name), binDir ? path.join(binDir, tool.name) : undefined].filter(
    (c): c is string => Boolean(c),
  );
  for (const candidate of candidates) if (isExecutable(candidate) && versionMatches(candidate, tool)) return candidate;
  // `go install` names the binaries after their package directories: GOPATH/bin/server and GOPATH/bin/sql.
  if (binDir) {
    const raw = path.join(binDir, tool.installedAs);
    if (isExecutable(raw) && versionMatches(raw, tool)) {
      const named = path.join(binDir, tool.name);
      try {
        copyFileSync(raw, named);
        return named;
      } catch {
        return raw; // read-only GOBIN: use it under its go-install name
      }
    }
  }
  return undefined;
}

/** The release's module directory in GOMODCACHE (downloaded when missing): schema files, config samples. */
export function serverModuleDir(go: string): string {
  const modcache = goEnv(go, 'GOMODCACHE');
  const expected = modcache ? path.join(modcache, `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`) : undefined;
  if (expected && existsSync(path.join(expected, 'schema'))) return expected;
  const result = spawnSync(go, ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], {
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(
      `go mod download ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} failed: ${result.stdout}${result.stderr}`,
    );
  const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
  if (!dir)
    throw new Error(
      `go mod download did not report the directory of ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`,
    );
  return dir;
}

/** The Go version the release asks for (its go.mod `toolchain`, else `go` line), as a GOTOOLCHAIN value. */
function releaseToolchain(moduleDir: string | undefined): string | undefined {
  if (!moduleDir) return undefined;
  try {
    const gomod = readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
    const toolchain = /^toolchain\s+(go\S+)/m.exec(gomod)?.[1];
    if (toolchain) return toolchain;
    const goLine = /^go\s+(\d+\.\d+(?:\.\d+)?)/m.exec(gomod)?.[1];
    return goLine ? `go${goLine.split('.').length === 2 ? `${goLine}.0` : goLine}` : undefined;
  } catch {
    return undefined;
  }
}

async function buildTool(go: string, tool: Tool, moduleDir: string | undefined, log: Log): Promise<void> {
  const toolchains = [undefined, releaseToolchain(moduleDir), FALLBACK_GO_TOOLCHAIN].filter(
    (t, i, all) => all.indexOf(t) === i,
  );
  let last = '';
  for (const toolchain of toolchains) {
    log(
      `[temporal-server] go install ${tool.pkg}@${TEMPORAL_SERVER_VERSION}${toolchain ? ` with GOTOOLCHAIN=${toolchain}` : ''} ...`,
    );
    const attempt = await goInstall(go, `${tool.pkg}@${TEMPORAL_SERVER_VERSION}`, {
      ...(toolchain ? { toolchain } : {}),
      log,
      label: '[temporal-server]',
      tickMs: 20_000,
    });
    if (attempt.ok) {
      log(`[temporal-server] built ${tool.pkg} in ${attempt.seconds}s`);
      return;
    }
    last = attempt.tail;
    log(
      `[temporal-server] build failed after ${attempt.seconds}s. Last output:\n${attempt.tail.split('\n').slice(-15).join('\n')}`,
    );
  }
  throw new Error(`could not build ${tool.pkg}@${TEMPORAL_SERVER_VERSION}:\n${last}`);
}

/** Finds the pinned server, sql tool and schema directories; builds what is missing. */
export async function provisionTemporalServer(
  log: Log = (line) => console.error(line),
): Promise<TemporalServerInstall> {
  const go = goBinary();
  const binDir = go ? goBinDir(go) : undefined;
  let server = findTool(TOOLS.server, binDir, log);
  let sqlTool = findTool(TOOLS.sqlTool, binDir, log);

  let moduleDir: string | undefined;
  const moduleFromEnv = process.env.TEMPORAL_SERVER_SOURCE_DIR;
  if (moduleFromEnv) moduleDir = moduleFromEnv;
  else if (go) moduleDir = serverModuleDir(go);

  if (!server || !sqlTool) {
    if (!go) {
      throw new Error(
        `no ${!server ? 'temporal-server' : 'temporal-sql-tool'} ${TEMPORAL_SERVER_VERSION} found (env, PATH, GOPATH/bin) and no Go toolchain to build it`,
      );
    }
    log(
      `[temporal-server] building the Temporal server ${TEMPORAL_SERVER_VERSION} from source (first run: ~5 minutes on two cores).`,
    );
    // The server first: it compiles almost everything the sql tool needs, which then takes seconds.
    if (!server) {
      await buildTool(go, TOOLS.server, moduleDir, log);
      server = findTool(TOOLS.server, binDir, log);
    }
    if (!sqlTool) {
      await buildTool(go, TOOLS.sqlTool, moduleDir, log);
      sqlTool = findTool(TOOLS.sqlTool, binDir, log);
    }
    if (!server || !sqlTool) throw new Error(`go install reported success but the binaries are not in ${binDir}`);
  }

  if (!moduleDir) throw new Error('cannot locate the server schema: set TEMPORAL_SERVER_SOURCE_DIR or install Go');
  const schemaRoot = path.join(moduleDir, 'schema', 'postgresql', 'v12');
  const schema = {
    temporal: path.join(schemaRoot, 'temporal', 'versioned'),
    visibility: path.join(schemaRoot, 'visibility', 'versioned'),
  };
  for (const dir of Object.values(schema))
    if (!existsSync(dir)) throw new Error(`schema directory ${dir} does not exist`);
  return { server, sqlTool, schema, version: TEMPORAL_SERVER_VERSION };
}

if (process.argv[1]?.endsWith('provision-temporal-server.ts')) {
  provisionTemporalServer((line) => console.log(line)).then(
    (install) => {
      console.log(`temporal-server    ${install.server}`);
      console.log(`temporal-sql-tool  ${install.sqlTool}`);
      console.log(`schema (temporal)  ${install.schema.temporal}`);
      console.log(`schema (visibility) ${install.schema.visibility}`);
    },
    (error: unknown) => {
      console.error(`[temporal-server] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
