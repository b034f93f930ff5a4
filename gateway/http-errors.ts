// One table from failures to HTTP answers, and the error shape of docs/design.md §3:
// `{ "error": { "code", "message", "details"? } }`. Activation errors come typed from the client library;
// the gateway's own refusals (auth, signatures, limits) are GatewayErrors; Fastify's parser errors are
// translated by their codes. Anything else is a 500 with a generic message (details go to the log only).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ActivationError, ResendCooldown, type ActivationErrorCode } from '../client';

export type GatewayErrorCode =
  | ActivationErrorCode
  | 'unauthorized'
  | 'forbidden'
  | 'idempotency_key_reused'
  | 'bad_signature'
  | 'bad_request'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  /** Redis, where the replicas count their limits, is unreachable (rate-limit.ts); retry later. */
  | 'limits_unavailable'
  /** The webhook dedup and Idempotency-Key record is unreachable (dedup/guarded-store.ts); retry later. */
  | 'dedup_unavailable'
  /** Another copy of this webhook event is being handled right now; redeliver later. */
  | 'delivery_in_progress';

export interface ErrorBody {
  error: { code: GatewayErrorCode; message: string; details?: unknown };
}

/** A refusal decided by the gateway itself. */
export class GatewayError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: GatewayErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

const ACTIVATION_STATUS: Record<ActivationErrorCode, number> = {
  not_found: 404,
  invalid_state: 409,
  already_activated: 409,
  sends_exhausted: 409,
  // Like a refused policy (422): the start itself is not allowed for this requestId, whatever its state.
  otp_budget_exhausted: 422,
  resend_cooldown: 429,
  invalid_request: 422,
  upload_quota_exceeded: 409,
  vlens_unavailable: 503,
  temporal_unavailable: 503,
  image_store_unavailable: 503,
  internal: 500,
};

interface HttpAnswer {
  statusCode: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const answer = (
  statusCode: number,
  code: GatewayErrorCode,
  message: string,
  details?: unknown,
  headers: Record<string, string> = {},
): HttpAnswer => ({
  statusCode,
  body: { error: { code, message, ...(details !== undefined ? { details } : {}) } },
  headers,
});

function fromActivationError(error: ActivationError): HttpAnswer {
  const statusCode = ACTIVATION_STATUS[error.code];
  const headers: Record<string, string> = {};
  if (error instanceof ResendCooldown) headers['retry-after'] = String(error.retryAfterSeconds());
  if (statusCode === 503) headers['retry-after'] = '5';
  // An unexpected error's message may name internals; callers get a generic one.
  const message = statusCode >= 500 && error.code === 'internal' ? 'internal error' : error.message;
  return answer(statusCode, error.code, message, error.details, headers);
}

function fromFastifyError(error: FastifyError, request: FastifyRequest): HttpAnswer | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      const hint = request.url.endsWith('/liveness') ? ' (liveness images: at most 500 KB each before base64)' : '';
      return answer(
        413,
        'payload_too_large',
        `request body is larger than ${limit} bytes, the limit of this route${hint}`,
        { limitBytes: limit },
      );
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(400, 'bad_request', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer(400, 'bad_request', 'Content-Length does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return answer(400, 'bad_request', 'the body is not valid JSON');
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Other client errors of the HTTP layer (prototype poisoning, bad headers, ...): say what, not how.
    return answer(status, 'bad_request', 'the request is malformed');
  }
  return undefined;
}

export function toHttpAnswer(error: unknown, request: FastifyRequest): HttpAnswer {
  if (error instanceof GatewayError)
    return answer(error.statusCode, error.code, error.message, error.details, error.headers);
  if (error instanceof ActivationError) return fromActivationError(error);
  if (error instanceof Error) {
    const translated = fromFastifyError(error as FastifyError, request);
    if (translated) return translated;
  }
  return answer(500, 'internal', 'internal error');
}

/** Fastify error handler: the one place every failed request is answered and logged. */
export async function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { statusCode, body, headers } = toHttpAnswer(error, request);
  if (statusCode >= 500) {
    request.log.error({ err: error, code: body.error.code }, 'request failed');
  } else {
    request.log.info({ statusCode, code: body.error.code }, 'request refused');
  }
  await reply.code(statusCode).headers(headers).send(body);
}

/**
 * Errors Fastify raises before routing (a URL that is not valid percent-encoding, a path parameter over
 * the router's length limit): answered in the same shape as everything else.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const message = statusCode === 414 ? 'the URL is too long' : 'the URL is malformed';
  request.log.info({ statusCode, fastifyCode: error.code }, 'request refused before routing');
  void reply.code(statusCode).send(answer(statusCode, 'bad_request', message).body);
}

export function sendNotFoundRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .send(
      answer(404, 'not_found', `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`).body,
    );
}
