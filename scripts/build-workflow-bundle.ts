// Writes the prebuilt workflow bundle a production worker loads (WORKFLOW_BUNDLE_PATH, or the one beside a
// compiled worker in dist/), so the worker starts without running webpack (seconds of CPU and a few hundred
// MB of memory per start). `npm run build` (scripts/build.ts) writes both bundles; by hand:
// `tsx scripts/build-workflow-bundle.ts [out-file] [--tracing]` (default dist/workflow-bundle.js, or
// dist/workflow-bundle-tracing.js with --tracing). It bundles exactly what the worker would bundle at
// start-up; the tracing bundle also carries the OpenTelemetry workflow interceptors (worker/workflow-tracing-interceptors.ts),
// which a prebuilt bundle must include itself (Worker.create ignores interceptors.workflowModules then).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleActivationWorkflows } from '../worker/create-worker';
import { WORKFLOW_TRACING_MODULE } from '../worker/tracing';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const DEFAULT_BUNDLE_PATH = path.join(ROOT, 'dist', 'workflow-bundle.js');
export const DEFAULT_TRACING_BUNDLE_PATH = path.join(ROOT, 'dist', 'workflow-bundle-tracing.js');

export async function buildWorkflowBundle(
  outFile = DEFAULT_BUNDLE_PATH,
  options: { tracing?: boolean } = {},
): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleActivationWorkflows(
    options.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {},
  );
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return { path: outFile, bytes: Buffer.byteLength(code) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const tracing = args.includes('--tracing');
  const file = args.find((a) => !a.startsWith('--'));
  const outFile = path.resolve(file ?? (tracing ? DEFAULT_TRACING_BUNDLE_PATH : DEFAULT_BUNDLE_PATH));
  const result = await buildWorkflowBundle(outFile, { tracing });
  console.log(
    `workflow bundle${tracing ? ' (with tracing interceptors)' : ''} written to ${result.path} (${(result.bytes / 1024).toFixed(0)} KiB, ${Date.now() - started} ms); ` +
      `run the worker with WORKFLOW_BUNDLE_PATH=${tracing ? result.path.replace(/-tracing\.js$/, '.js') : result.path}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('build-workflow-bundle.ts')) {
  main().catch((error: unknown) => {
    console.error('building the workflow bundle failed:', error);
    process.exit(1);
  });
}
