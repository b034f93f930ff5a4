// The worker's log: the Temporal SDK's lines (its Runtime logger: core, workflows, activities) and the
// process's own go through one pino logger, so they read like the other processes' lines: JSON in
// production, one line per event on a terminal or under `npm start` (telemetry/log-output.ts).
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { createLogger, type LogDestination } from '../telemetry/log-output';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface WorkerLogger {
  /** The process's own lines. */
  log: Logger;
  /** For Runtime.install({ logger }): the SDK's lines, same logger. */
  sdk: DefaultLogger;
}

export function createWorkerLogger(env: NodeJS.ProcessEnv = process.env, destination?: LogDestination): WorkerLogger {
  const level = (env.LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level)) throw new Error(`LOG_LEVEL=${env.LOG_LEVEL}: expected one of ${LEVELS.join(', ')}`);
  const log = createLogger(
    {
      level: level.toLowerCase(),
      // The SDK puts failures under `error`; pino would print an Error as {} without a serializer.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    env,
    destination,
  );
  const sdk = new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
    log[entryLevel.toLowerCase() as Lowercase<LogLevel>](meta ?? {}, message);
  });
  return { log, sdk };
}
