// The skeleton's worker process (bench/lib/stack.ts starts it as `node --import tsx bench/skeleton/worker.ts`
// in place of worker/main.ts). The same SDK, the same runtime logger and the same worker options read from
// the same variables (worker/config.ts: cache size, concurrency, shutdown grace) as the project's worker;
// what it leaves out is what the skeleton is the measure of: the codec, the Vlens client, the interceptors.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadWorkerConfig } from '../../worker/config';
import { skeletonActivities } from './activities';
import { bundleSkeletonWorkflows } from './bundle';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  Runtime.install({
    logger: new DefaultLogger((process.env.LOG_LEVEL?.toUpperCase() as 'INFO' | undefined) ?? 'INFO'),
  });
  const connection = await NativeConnection.connect(config.connection);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      workflowBundle: config.workflowBundlePath
        ? { codePath: config.workflowBundlePath }
        : await bundleSkeletonWorkflows(),
      activities: skeletonActivities,
      // The values worker/create-worker.ts gives the project's worker.
      maxCachedWorkflows: config.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
      shutdownGraceTime: `${config.shutdownGraceSeconds}s`,
    });
    // The line the stack waits for (bench/lib/stack.ts), worded as worker/main.ts words it.
    console.log(
      `worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.connection.address} (skeleton)`,
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error('skeleton worker failed:', error);
  process.exit(1);
});
