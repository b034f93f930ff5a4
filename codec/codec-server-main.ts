// Process entry for `npm run codec-server`: config and keys read once from env, graceful shutdown.
import { loadCodecServerConfig } from './codec-server-config';
import { startCodecServer } from './codec-server';
import { CodecConfigError } from './errors';
import { loadCodecKeys } from './keys';
import { codecMode } from './mode';
import { logStream, processLogger } from '../telemetry/log-output';
import { REDACT_PATHS, serializeRequestForLog } from './redact';

async function main(): Promise<void> {
  const env = process.env;
  const log = processLogger(env);
  const mode = codecMode(env);
  const config = loadCodecServerConfig(env, mode);
  const keys = loadCodecKeys(env, { dataDir: env.DATA_DIR ?? '.data', mode });
  const server = await startCodecServer({
    ...config,
    keys,
    logger: {
      level: env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequestForLog },
      ...logStream(),
    },
  });
  log.info(
    `codec server listening on ${server.url} (keys: ${keys.ids.join(', ')}; encrypting with ${keys.primary.id}; ` +
      `auth ${config.requireAuth ? `on: ${config.tokens.length} static token(s)${config.jwt ? ', OIDC tokens' : ''}` : 'OFF (development only)'})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`codec server: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'codec server: close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Config errors are expected operator mistakes: print the message, not a stack trace.
  console.error(error instanceof CodecConfigError ? `codec server: ${error.message}` : error);
  process.exit(1);
});
