// The ApplicationFailures the Vlens client throws: for a reply whose row of the outcome table is a failure
// (activities/outcome-table.ts), for a success whose `data` the step cannot read, and for transport problems
// (a timeout, a dropped connection) where there is no usable reply.
//
// Messages and details carry the path, HTTP status, error_code, Vlens's message (scrubbed) and the answer's
// shape (activities/redaction.ts); never request or response values.
import { ApplicationFailure } from '@temporalio/common';
import { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from '../contract/rules';
import type { VlensCondition } from './classify';
import type { VlensConfig } from './config';
import type { FailureRule } from './outcome-table';
import { fieldNames, redactAnswer, scrub, type RedactedAnswer } from './redaction';
import type { VlensOp, VlensReply } from './vlens-reply';

const T = { ...VLENS_FAILURE_TYPES, ...VLENS_TRANSIENT_FAILURE_TYPES };

export interface FailureDetails {
  condition: VlensCondition | 'timeout' | 'network';
  op: VlensOp;
  path: string;
  httpStatus?: number;
  errorCode?: number | string | null;
  fields?: string[];
  /** The answer's shape, never its values (redactAnswer): what an operator needs to classify it. */
  answer?: RedactedAnswer;
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), capped; undefined if absent or bad. */
export function retryAfterMs(header: string | null, capMs: number, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(Math.round(ms), capMs);
}

/** The failure a reply means when its rule is one; a rate limit carries the server's Retry-After, capped. */
export function replyFailure(
  op: VlensOp,
  condition: VlensCondition,
  rule: FailureRule,
  reply: VlensReply,
  config: Pick<VlensConfig, 'maxRetryAfterMs'>,
) {
  const envelope = reply.body.ok ? reply.body.envelope : undefined;
  const details: FailureDetails = {
    condition,
    op,
    path: reply.path,
    httpStatus: reply.httpStatus,
    errorCode: envelope?.error_code ?? null,
    ...(condition === 'unrecognised' ? { answer: redactAnswer(reply) } : {}),
  };
  let message = `Vlens ${rule.what} during ${op} (${reply.path}: HTTP ${reply.httpStatus}, error_code ${String(envelope?.error_code)})`;
  if (!reply.body.ok) {
    message += `: ${reply.body.reason}`;
  } else if (condition === 'validation') {
    // Validation messages may quote the rejected values; only the field names are safe.
    details.fields = fieldNames(envelope?.error_descriptions);
    if (details.fields.length) message += `; fields: ${details.fields.join(', ')}`;
  } else if (envelope?.error_message) {
    message += `: ${scrub(envelope.error_message)}`;
  }
  const nextRetryDelay =
    condition === 'rateLimited' ? retryAfterMs(reply.retryAfter, config.maxRetryAfterMs) : undefined;
  return ApplicationFailure.create({
    type: rule.type,
    message,
    nonRetryable: rule.nonRetryable,
    details: [details],
    ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
  });
}

/** A success envelope whose `data` is not what the step's success needs: unrecognised, never success. */
export function unrecognisedData(op: VlensOp, reply: VlensReply, issues: string): ApplicationFailure {
  const details: FailureDetails = {
    condition: 'unrecognised',
    op,
    path: reply.path,
    httpStatus: reply.httpStatus,
    answer: redactAnswer(reply),
  };
  return ApplicationFailure.create({
    type: T.unrecognised,
    message: `Vlens answered ${op} (${reply.path}: HTTP ${reply.httpStatus}) with a success the client cannot read: ${issues}`,
    nonRetryable: false,
    details: [details],
  });
}

// ---- transport failures (no usable reply) ---------------------------------------------------------

export function timeoutFailure(op: VlensOp, path: string, timeoutMs: number): ApplicationFailure {
  const details: FailureDetails = { condition: 'timeout', op, path };
  return ApplicationFailure.create({
    type: T.timeout,
    message: `Vlens did not answer ${op} (${path}) within ${timeoutMs} ms`,
    nonRetryable: false,
    details: [details],
  });
}

/** Connection refused, reset, dropped mid-response, DNS: all worth retrying. */
export function networkFailure(op: VlensOp, path: string, error: unknown): ApplicationFailure {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  const found = [e?.code, e?.errno, e?.cause?.code].find((c): c is string => typeof c === 'string') ?? 'unknown';
  // undici's own codes (UND_ERR_SOCKET, ...) are generic; its message says what happened ("other side closed").
  const code = found.startsWith('UND_ERR') && typeof e?.message === 'string' ? `${found} (${e.message})` : found;
  const details: FailureDetails = { condition: 'network', op, path };
  return ApplicationFailure.create({
    type: T.unavailable,
    message: `Vlens connection failed during ${op} (${path}): ${code}`,
    nonRetryable: false,
    details: [details],
  });
}
