// How the gateway's fastify instance is made (server.ts): logging with secrets redacted and a request id on
// every line, the small body limit by default, prototype poisoning refused, and X-Forwarded-For believed
// only from the listed proxies.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { serializeRequestForLog } from '../codec/redact';
import { logStream } from '../telemetry/log-output';
import { handleFrameworkError } from './http-errors';

/**
 * Nothing secret reaches the logs: Fastify logs no bodies or headers by default, and these paths cover
 * anything that might log them by mistake (OTP codes, images, tokens, positions, signatures, keys).
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-kashier-signature"]',
  'req.headers["idempotency-key"]',
  'req.headers["x-webhook-token"]',
  'headers.authorization',
  'body.code',
  'body.image',
  'body.faces',
  'body.accessToken',
  'body.device',
  'body.messageSignature',
  'req.body',
  '*.image',
  '*.faces',
  '*.accessToken',
  '*.device',
  '*.geoLocation',
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Request lines keep method and URL, with credentials masked by decoded name and by shape (codec/redact.ts). */
const serializeRequest = (request: FastifyRequest) => serializeRequestForLog(request);

function loggerOptions(options: FastifySettings): FastifyServerOptions['logger'] {
  return {
    level: options.logLevel ?? 'info',
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    // Tests capture lines with logStream; otherwise JSON, or one line per event for a person (log-output.ts).
    ...(options.logStream ? { stream: options.logStream } : logStream()),
  };
}

/** The gateway's options (server.ts, GatewayOptions) that shape its fastify instance. */
export interface FastifySettings {
  /** pino level; default 'info'. */
  logLevel?: string;
  /** Where log lines go (default stdout); tests capture them here. */
  logStream?: { write(line: string): void };
  /** The load balancers' addresses or CIDRs whose X-Forwarded-For is believed (config.ts); default none. */
  trustProxy?: string[];
}

export function fastifyOptions(options: FastifySettings, bodyLimit: number): FastifyServerOptions {
  return {
    logger: loggerOptions(options),
    // A caller's X-Request-Id is kept when it is plain and short, so logs can be joined across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: handleFrameworkError,
    // request.ip is the client named by X-Forwarded-For only when the connection comes from a listed proxy.
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
  };
}
