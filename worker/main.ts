// The worker process: reads its configuration, connects to Temporal, runs the activation workflow and
// the Vlens activities until SIGINT/SIGTERM, then lets in-flight activities finish and exits 0.
// With OTEL_EXPORTER_OTLP_ENDPOINT set it also traces (worker/tracing.ts) and flushes spans on exit.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime } from '@temporalio/worker';
import {
  createActivities,
  createImageActivities,
  createWebhookActivities,
  loadVlensConfig,
  undiciFetchVia,
  VlensConfigError,
} from '../activities';
import {
  CodecConfigError,
  createOutboundDispatcher,
  imageStoreResolver,
  loadOutboundPolicy,
  OutboundConfigError,
} from '../codec';
import { loadWebhookEndpoints, WebhookConfigError } from '../contract/webhook-endpoints';
import { ConfigError, loadWorkerConfig } from './config';
import { createActivationWorker } from './create-worker';
import { loadDataSafety } from './data-safety';
import { createWorkerLogger } from './logger';
import { startWorkerTracing, workerTracingOptions } from './tracing';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const vlens = loadVlensConfig();
  const safety = loadDataSafety(process.env, config.namespace);
  const webhookEndpoints = loadWebhookEndpoints();
  // Vlens and the webhook receivers are reached only at allowed addresses (production: public ones).
  const outbound = createOutboundDispatcher(loadOutboundPolicy());
  const { log, sdk } = createWorkerLogger();
  // First, so outgoing HTTP is instrumented before any Vlens call is made.
  const tracing = startWorkerTracing();
  const { bundlePath, prebuiltTracing } = chooseWorkflowBundle(config.workflowBundlePath, Boolean(tracing));
  Runtime.install({
    logger: sdk,
    telemetryOptions: {
      metrics: config.metricsAddress ? { prometheus: { bindAddress: config.metricsAddress } } : undefined,
    },
  });
  if (config.metricsAddress) log.info(`worker metrics on http://${config.metricsAddress}/metrics`);
  const connection = await NativeConnection.connect(config.connection);
  // Orphaned selfies (an activation that never cleaned up) are removed once past the overall deadline.
  const sweeper = setInterval(() => {
    safety.imageStore
      .sweep(safety.imageMaxAgeMs)
      .catch((error: unknown) => log.error({ err: error }, 'image sweep failed'));
  }, 3_600_000);
  sweeper.unref();
  if (tracing) {
    log.info(
      `tracing on: spans to OTLP as "${tracing.serviceName}"; ` +
        (prebuiltTracing
          ? `workflow bundle with the tracing interceptors ${bundlePath}`
          : 'bundling workflows with the tracing interceptors at start-up'),
    );
  }
  if (bundlePath && !tracing) log.info(`prebuilt workflow bundle ${bundlePath}`);
  try {
    const worker = await createActivationWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      activities: {
        ...createActivities({
          config: vlens,
          fetch: undiciFetchVia(outbound),
          resolveImage: imageStoreResolver(safety.imageStore),
        }),
        ...createImageActivities(safety.imageStore),
        ...createWebhookActivities({ endpoints: webhookEndpoints, dispatcher: outbound }),
      },
      dataConverter: safety.dataConverter,
      ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
      ...(tracing ? workerTracingOptions(tracing, { prebuiltBundle: prebuiltTracing }) : {}),
      maxCachedWorkflows: config.maxCachedWorkflows,
      maxConcurrentActivities: config.maxConcurrentActivities,
      maxConcurrentWorkflowTasks: config.maxConcurrentWorkflowTasks,
      shutdownGraceSeconds: config.shutdownGraceSeconds,
    });
    log.info(
      `worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.connection.address}; Vlens ${vlens.baseUrl} (${vlens.flavor})`,
    );
    // The SDK turns SIGINT/SIGTERM into a graceful shutdown: stop polling, finish in-flight work.
    await worker.run();
    log.info('worker stopped cleanly');
  } finally {
    clearInterval(sweeper);
    await connection.close();
    await tracing?.shutdown().catch((error: unknown) => log.error({ err: error }, 'flushing traces failed'));
  }
}

/**
 * Which prebuilt workflow bundle to load, if any. WORKFLOW_BUNDLE_PATH names the plain bundle; a compiled
 * worker (dist/worker/main.js, `npm run build`) defaults to dist/workflow-bundle.js beside it. A tracing
 * worker needs the bundle that carries the OpenTelemetry workflow interceptors, <bundle>-tracing.js next to
 * the plain one (the build writes both); under tsx, without it, it bundles at start-up with the interceptors.
 * A compiled worker cannot bundle at start-up (dist/ has no workflow sources), so a missing bundle is a
 * configuration error there.
 */
function chooseWorkflowBundle(
  configured: string | undefined,
  tracing: boolean,
): { bundlePath?: string; prebuiltTracing: boolean } {
  const compiled = import.meta.url.endsWith('.js');
  const plain = configured ?? (compiled ? fileURLToPath(new URL('../workflow-bundle.js', import.meta.url)) : undefined);
  if (!plain) return { prebuiltTracing: false };
  // An explicitly configured plain bundle is used as given (a missing file fails in Worker.create, naming it).
  if (!tracing && (configured || existsSync(plain))) return { bundlePath: plain, prebuiltTracing: false };
  const wanted = tracing ? (plain.endsWith('.js') ? `${plain.slice(0, -3)}-tracing.js` : `${plain}-tracing`) : plain;
  if (tracing && existsSync(wanted)) return { bundlePath: wanted, prebuiltTracing: true };
  if (compiled) {
    throw new ConfigError(
      `no prebuilt workflow bundle at ${wanted}: run \`npm run build\` (it writes dist/workflow-bundle.js and dist/workflow-bundle-tracing.js)` +
        (configured ? ', or point WORKFLOW_BUNDLE_PATH at one' : ''),
    );
  }
  return { prebuiltTracing: false };
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof VlensConfigError ||
    error instanceof CodecConfigError ||
    error instanceof WebhookConfigError ||
    error instanceof OutboundConfigError
  ) {
    console.error(`configuration error: ${(error as Error).message}`);
    process.exit(78); // EX_CONFIG: a supervisor should not restart-loop on a bad config
  }
  console.error('worker failed:', error);
  process.exit(1);
});
