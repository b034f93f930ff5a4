// The worker process: reads its configuration, connects to Temporal, runs the activation workflow and
// the Vlens activities until SIGINT/SIGTERM, then lets in-flight activities finish and exits 0.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadVlensConfig, VlensConfigError } from '../activities/config';
import { createImageActivities } from '../activities/image-activities';
import { CodecConfigError, imageStoreResolver } from '../codec';
import { ConfigError, loadWorkerConfig } from './config';
import { createActivationWorker } from './create-worker';
import { loadDataSafety } from './data-safety';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const vlens = loadVlensConfig();
  const safety = loadDataSafety();
  Runtime.install({
    logger: new DefaultLogger((process.env.LOG_LEVEL?.toUpperCase() as 'INFO' | undefined) ?? 'INFO'),
    telemetryOptions: {
      metrics: config.metricsAddress ? { prometheus: { bindAddress: config.metricsAddress } } : undefined,
    },
  });
  if (config.metricsAddress) console.log(`worker metrics on http://${config.metricsAddress}/metrics`);
  const connection = await NativeConnection.connect(config.connection);
  // Orphaned selfies (an activation that never cleaned up) are removed once past the overall deadline.
  const sweeper = setInterval(() => {
    safety.imageStore.sweep(safety.imageMaxAgeMs).catch((error: unknown) => console.error('image sweep failed:', error));
  }, 3_600_000);
  sweeper.unref();
  try {
    const worker = await createActivationWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      activities: {
        ...createActivities({ config: vlens, resolveImage: imageStoreResolver(safety.imageStore) }),
        ...createImageActivities(safety.imageStore),
      },
      dataConverter: safety.dataConverter,
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
      maxCachedWorkflows: config.maxCachedWorkflows,
      maxConcurrentActivities: config.maxConcurrentActivities,
      maxConcurrentWorkflowTasks: config.maxConcurrentWorkflowTasks,
      shutdownGraceSeconds: config.shutdownGraceSeconds,
    });
    console.log(
      `worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.connection.address}; Vlens ${vlens.baseUrl} (${vlens.flavor})`,
    );
    // The SDK turns SIGINT/SIGTERM into a graceful shutdown: stop polling, finish in-flight work.
    await worker.run();
    console.log('worker stopped cleanly');
  } finally {
    clearInterval(sweeper);
    await connection.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof VlensConfigError || error instanceof CodecConfigError) {
    console.error(`configuration error: ${(error as Error).message}`);
    process.exit(78); // EX_CONFIG: a supervisor should not restart-loop on a bad config
  }
  console.error('worker failed:', error);
  process.exit(1);
});
