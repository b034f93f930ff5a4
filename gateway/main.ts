// `npm run gateway`: the HTTP gateway as a process. Config from env (config.ts, connect.ts), graceful
// shutdown on SIGINT/SIGTERM: stop accepting, finish requests in flight, close the dedup record and the
// Temporal connection, flush traces, exit. Traces go over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { SERVICE_NAMES, startTracing } from '../telemetry/tracing';
import { ActivationClient } from '../client';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  // Before the client is made, so it carries the tracing interceptor (connect.ts).
  const tracing = startTracing({ serviceName: SERVICE_NAMES.gateway });
  const activations = new ActivationClient();
  const { serverPolicy, ...settings } = config;
  const gateway = await startGateway({
    ...settings,
    activations,
    serverPolicy: serverPolicy.enforce ? serverPolicy.policy : 'unbounded',
  });
  if (!serverPolicy.enforce) {
    gateway.app.log.warn(
      'ACTIVATION_POLICY_BOUNDS=off (development): callers may loosen the activation policy; production enforces it',
    );
  }
  gateway.app.log.info(
    {
      url: gateway.url,
      taskQueue: activations.taskQueue,
      apiKeys: config.apiKeys.length,
      policyBounds: serverPolicy.enforce ? 'enforce' : 'off',
      dedup: config.databaseUrl ? 'postgres' : config.dataDir,
      metrics: config.metrics,
      tracing: tracing ? 'otlp' : 'off',
    },
    'gateway listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      gateway.app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    forced.unref();
    gateway
      .close()
      .then(() => activations.close())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          gateway.app.log.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
