// The worker's settings, read once from env and checked, so a typo fails at start-up with a message
// that names the variable instead of surfacing later as a stuck task queue.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/types';

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const WorkerEnv = z.object({
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  WORKER_MAX_CACHED_WORKFLOWS: intFromEnv(500, 0, 100_000),
  WORKER_MAX_CONCURRENT_ACTIVITIES: intFromEnv(100, 1, 10_000),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: intFromEnv(40, 2, 10_000),
  WORKER_SHUTDOWN_GRACE_SECONDS: intFromEnv(30, 0, 3600),
  /** host:port for Prometheus `/metrics` (SDK metrics and the workflow's business metrics); unset = off. */
  WORKER_METRICS_ADDRESS: z.string().optional(),
  /** A prebuilt workflow bundle (production images); without it the worker bundles at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
});

export interface WorkerConfig {
  connection: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  maxCachedWorkflows: number;
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  shutdownGraceSeconds: number;
  metricsAddress?: string;
  workflowBundlePath?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function describeZodProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid worker configuration: ${describeZodProblems(parsed.error)}`);
  let connect;
  try {
    // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and config-file profiles,
    // exactly as the Temporal CLI reads them, so Temporal Cloud API keys and mTLS just work.
    connect = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (error) {
    throw new ConfigError(`invalid Temporal connection configuration: ${(error as Error).message}`);
  }
  const e = parsed.data;
  return {
    connection: { address: 'localhost:7233', ...connect.connectionOptions },
    namespace: connect.namespace ?? 'default',
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    ...(e.WORKER_METRICS_ADDRESS ? { metricsAddress: e.WORKER_METRICS_ADDRESS } : {}),
    ...(e.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: e.WORKFLOW_BUNDLE_PATH } : {}),
  };
}
