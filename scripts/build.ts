// `npm run build`: the production build in dist/, what the Docker image runs with plain `node`.
//
// The sources use `moduleResolution: Bundler` (extensionless relative imports), which `tsc` would emit
// as-is and Node's ESM loader would then refuse. So `tsc -p tsconfig.build.json` (run first by the npm
// script) only type-checks, and esbuild emits one ESM file per entry point: our own modules bundled in,
// every npm package left as an `import` resolved from node_modules at run time (packages: 'external'),
// with a source map beside each file (run with --enable-source-maps; the Docker image sets it).
// Then the prebuilt workflow bundles, which a compiled worker loads instead of running webpack at start-up
// (a worker in dist/ never has the workflow sources to bundle):
//
//   dist/worker/main.js                  worker        (loads dist/workflow-bundle.js, or -tracing.js with OTLP on)
//   dist/gateway/main.js                 HTTP gateway
//   dist/codec/codec-server-main.js      codec server
//   dist/sandbox/main.js                 Vlens sandbox
//   dist/client/cli.js                   the `vlens-activation` CLI (package.json `bin`)
//   dist/workflow-bundle.js              workflow code for Worker.create({ workflowBundle })
//   dist/workflow-bundle-tracing.js      the same with the OpenTelemetry workflow interceptors
//   dist/gateway/page-assets/            the hosted activation page's script and stylesheet (build-page.ts),
//                                        read by the gateway (gateway/page/assets.ts)
//
// tsx stays the development runner (npm start, npm run worker, the tests); nothing here is needed for those.
// Flags: --skip-bundles (entry points only).
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { buildPage, PAGE_FILES } from './build-page';
import { fullySpecifiedDeepImports } from './esbuild-deep-imports';
import { buildWorkflowBundle, DEFAULT_BUNDLE_PATH, DEFAULT_TRACING_BUNDLE_PATH } from './build-workflow-bundle';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const DIST = path.join(ROOT, 'dist');

/** dist path (without .js) -> source entry. The Dockerfile, docker-compose.yml and package.json run these. */
export const ENTRY_POINTS: Record<string, string> = {
  'worker/main': 'worker/main.ts',
  'gateway/main': 'gateway/main.ts',
  'codec/codec-server-main': 'codec/codec-server-main.ts',
  'sandbox/main': 'sandbox/main.ts',
};

/** The CLI's entry: client/cli/index.ts exports runCliProcess; the process wrapper is the one client/cli-bin.mjs runs under tsx. */
const CLI_ENTRY = `import process from 'node:process';
import { runCliProcess } from './cli/index';
process.exitCode = await runCliProcess(process.argv.slice(2));
`;

const common: BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Keep class and function names: error names (ConfigError, ...) and Temporal's activity names come from them.
  keepNames: true,
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [fullySpecifiedDeepImports],
};

async function buildEntryPoints(): Promise<string[]> {
  const written: string[] = [];
  const result = await build({
    ...common,
    entryPoints: Object.entries(ENTRY_POINTS).map(([out, input]) => ({ in: input, out })),
    outdir: DIST,
    metafile: true,
  });
  written.push(...Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')));
  const cli = await build({
    ...common,
    stdin: {
      contents: CLI_ENTRY,
      resolveDir: path.join(ROOT, 'client'),
      sourcefile: 'client/cli-main.ts',
      loader: 'ts',
    },
    outfile: path.join(DIST, 'client', 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
    metafile: true,
  });
  chmodSync(path.join(DIST, 'client', 'cli.js'), 0o755);
  written.push(...Object.keys(cli.metafile.outputs).filter((f) => f.endsWith('.js')));
  // Beside the gateway's bundle, where gateway/page/assets.ts looks (a production image has no esbuild).
  const page = await buildPage();
  const pageDir = path.join(DIST, 'gateway', 'page-assets');
  mkdirSync(pageDir, { recursive: true });
  for (const name of PAGE_FILES) {
    writeFileSync(path.join(pageDir, name), page[name]);
    written.push(path.relative(ROOT, path.join(pageDir, name)));
  }
  return written;
}

async function main(): Promise<void> {
  const started = Date.now();
  const skipBundles = process.argv.includes('--skip-bundles');
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });

  const outputs = await buildEntryPoints();
  for (const file of outputs)
    console.log(`  ${file} (${(statSync(path.join(ROOT, file)).size / 1024).toFixed(0)} KiB)`);
  console.log(`entry points built in ${Date.now() - started} ms`);

  if (!skipBundles) {
    const bundlesStarted = Date.now();
    const [plain, tracing] = [
      await buildWorkflowBundle(DEFAULT_BUNDLE_PATH),
      await buildWorkflowBundle(DEFAULT_TRACING_BUNDLE_PATH, { tracing: true }),
    ];
    for (const b of [plain, tracing])
      console.log(`  ${path.relative(ROOT, b.path)} (${(b.bytes / 1024).toFixed(0)} KiB)`);
    console.log(`workflow bundles built in ${Date.now() - bundlesStarted} ms`);
  }
  console.log(`build done in ${Date.now() - started} ms: node dist/worker/main.js, node dist/gateway/main.js, ...`);
}

main().catch((error: unknown) => {
  console.error('build failed:', error);
  process.exit(1);
});
