// The skeleton's own workflow bundle: only bench/skeleton/workflows.ts and the SDK, nothing of workflows/.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

export const SKELETON_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

export async function bundleSkeletonWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: SKELETON_WORKFLOWS_PATH,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
    },
  });
}
