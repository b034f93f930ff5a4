// Writes the prebuilt workflow bundle a production worker loads through WORKFLOW_BUNDLE_PATH, so the
// container starts without running webpack (seconds of CPU and a few hundred MB of memory per start).
// The Dockerfile runs it at image build time: `tsx scripts/build-workflow-bundle.ts [out-file]`
// (default dist/workflow-bundle.js). It bundles exactly what the worker would bundle at start-up.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleActivationWorkflows } from '../worker/create-worker';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const DEFAULT_BUNDLE_PATH = path.join(ROOT, 'dist', 'workflow-bundle.js');

export async function buildWorkflowBundle(outFile = DEFAULT_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleActivationWorkflows();
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return { path: outFile, bytes: Buffer.byteLength(code) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const outFile = path.resolve(process.argv[2] ?? DEFAULT_BUNDLE_PATH);
  const result = await buildWorkflowBundle(outFile);
  console.log(
    `workflow bundle written to ${result.path} (${(result.bytes / 1024).toFixed(0)} KiB, ${Date.now() - started} ms); ` +
      `run the worker with WORKFLOW_BUNDLE_PATH=${result.path}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('build-workflow-bundle.ts')) {
  main().catch((error: unknown) => {
    console.error('building the workflow bundle failed:', error);
    process.exit(1);
  });
}
