// Builds the activation worker from its parts. Used by the worker process, the tests and the
// benchmarks alike, so all of them run the same workflow code with the same options.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { ImageActivities, VlensActivities, WebhookActivities } from '../contract/activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ActivationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  // Webhook delivery is optional here: worker/main.ts always registers it; tests that start no notifier leave it out.
  activities: VlensActivities & ImageActivities & Partial<WebhookActivities>;
  /** Prebuilt bundle code (tests bundle once; production ships a bundle file). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  shutdownGraceSeconds?: number;
  interceptors?: WorkerOptions['interceptors'];
  /** Sinks injected into the workflows (the tracing span exporter). */
  sinks?: WorkerOptions['sinks'];
  dataConverter?: WorkerOptions['dataConverter'];
}

/**
 * Bundles the workflow code once. `workflowInterceptorModules` are bundled in too (a prebuilt bundle
 * ignores `interceptors.workflowModules` at Worker.create, so a tracing worker's bundle must carry them).
 */
export async function bundleActivationWorkflows(
  options: { workflowInterceptorModules?: string[] } = {},
): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietBundlerLogger,
    ...(options.workflowInterceptorModules ? { workflowInterceptorModules: options.workflowInterceptorModules } : {}),
  });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export async function createActivationWorker(options: ActivationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...options.activities },
    maxCachedWorkflows: options.maxCachedWorkflows ?? 500,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTasks ?? 40,
    // On SIGTERM: stop polling, let in-flight Vlens calls finish within this grace, then exit.
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 30}s`,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.sinks ? { sinks: options.sinks } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
