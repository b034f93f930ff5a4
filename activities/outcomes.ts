// THE one place that maps what Vlens answers to what the workflow sees (after dust-tt's connectors): a
// Vlens reply (HTTP status + envelope) is first classified into a condition, using the configured table
// (activities/config.ts); the condition and the operation then pick either a typed business result or an
// ApplicationFailure. Transport problems (timeouts, dropped connections) are mapped here too.
//
// Reading rules (fail closed; docs/vlens-answers.md): success is positive, never assumed — a 2xx, an
// error_code in the success set, and no error carried inside `data`; an answer that fits no rule is
// `unrecognised`, which is retried a bounded number of times and then handed to an operator.
//
// Failure messages and details carry the path, HTTP status, error_code, Vlens's message (scrubbed) and the
// answer's shape (redactAnswer); never request or response values, which may hold OTP codes, images,
// tokens or positions.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from '../contract/rules';
import type {
  RequestOtpResult,
  RevalidateLivenessResult,
  ValidateOtpResult,
  ValidatePaymentResult,
} from '../contract/activities';
import { READING_CONDITIONS, type ReadingCondition, type VlensConfig } from './config';
import { BOOLEAN_FLAGS, isSuccessMessage } from './positive-answers';
import { describeIssues, type VlensEnvelope } from './schemas';

export type VlensOp =
  'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment' | 'requestStatus' | 'serviceLogin';

/** Whose bearer token a call carried; a 401 means different things for each. */
export type TokenSource = 'user' | 'service' | 'none';

/** One HTTP exchange with Vlens, as the client saw it (no request body, no raw response body). */
export interface VlensReply {
  path: string;
  httpStatus: number;
  /** The Retry-After header, raw. */
  retryAfter: string | null;
  tokenSource: TokenSource;
  body: { ok: true; envelope: VlensEnvelope } | { ok: false; reason: string; empty: boolean };
}

export type VlensCondition =
  | 'success'
  | ReadingCondition
  | 'apiKeyRejected'
  | 'userTokenRejected'
  | 'serviceTokenRejected'
  | 'rateLimited'
  | 'unavailable'
  | 'requestTimeout'
  | 'unrecognised';

export type ClassifyConfig = Pick<
  VlensConfig,
  'codes' | 'messagePatterns' | 'successCodes' | 'apiKeyMessagePattern' | 'successMessagePatterns'
>;

/** True when `text` matches every pattern of a (non-empty) configured list. */
export const matchesAll = (text: string, patterns: readonly RegExp[] | undefined) =>
  patterns !== undefined && patterns.length > 0 && patterns.every((p) => p.test(text));

/** The condition a message names, checked in table order (specific before general); undefined if none. */
export function messageCondition(
  text: string,
  config: Pick<VlensConfig, 'messagePatterns'>,
): ReadingCondition | undefined {
  return READING_CONDITIONS.find((condition) => matchesAll(text, config.messagePatterns[condition]));
}

/**
 * The condition a configured code names. Pending approval is the one code that needs its message too:
 * the seed prints it as error_code 403, which alone is as ambiguous as an HTTP 403.
 */
function codeCondition(
  code: number | string | null | undefined,
  message: string | null | undefined,
  config: ClassifyConfig,
) {
  if (typeof code !== 'number') return undefined;
  return READING_CONDITIONS.find(
    (condition) =>
      config.codes[condition].includes(code) &&
      (condition !== 'notApproved' || matchesAll(message ?? '', config.messagePatterns.notApproved)),
  );
}

/** A legacy-model error carried inside a success envelope (`data.errorMessage`), if any. */
export function dataErrorMessage(data: unknown): string | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const message = (data as Record<string, unknown>).errorMessage;
  return typeof message === 'string' && message.trim().length > 0 ? message : undefined;
}

const isEmptyish = (value: unknown) =>
  value === undefined ||
  value === null ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

/**
 * What in a success envelope keeps it from being positive whatever the step (ENVELOPE_RULE and
 * BOOLEAN_FLAGS of activities/positive-answers.ts): a message of another type, field-level errors, an
 * `errorMessage` that is not text, a flag that is not a real boolean.
 */
function envelopeFault(envelope: VlensEnvelope): boolean {
  if (envelope.messageMalformed || !isEmptyish(envelope.error_descriptions)) return true;
  const data = envelope.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const fields = data as Record<string, unknown>;
  const message = fields.errorMessage;
  if (message !== undefined && message !== null && typeof message !== 'string') return true;
  return BOOLEAN_FLAGS.some(
    (flag) => fields[flag] !== undefined && fields[flag] !== null && typeof fields[flag] !== 'boolean',
  );
}

export function isSuccessCode(
  code: number | string | null | undefined,
  config: Pick<VlensConfig, 'successCodes'>,
): boolean {
  return code !== undefined && typeof code !== 'string' && config.successCodes.includes(code);
}

/**
 * A 401 is an authentication problem. It names the ApiKey only when its envelope says so; anything
 * else (ASP.NET's JwtBearer answers an expired token with an empty 401) is the bearer token's.
 */
function authRejection(reply: VlensReply, config: ClassifyConfig): VlensCondition {
  const message = reply.body.ok ? reply.body.envelope.error_message : undefined;
  if (message && config.apiKeyMessagePattern.test(message)) return 'apiKeyRejected';
  return reply.tokenSource === 'user' ? 'userTokenRejected' : 'serviceTokenRejected';
}

/**
 * What a reply means, independent of the operation. Positive success only: a 2xx, an error_code in the
 * success set, and no error inside `data`. Configured codes win over the HTTP status; messages are read
 * where no code says anything; whatever fits no rule is `unrecognised`.
 */
export function classify(reply: VlensReply, config: ClassifyConfig): VlensCondition {
  const status = reply.httpStatus;
  if (status === 401) return authRejection(reply, config);
  if (!reply.body.ok) {
    // An HTML 502 from a proxy is an outage, not a contract change.
    if (status === 429) return 'rateLimited';
    if (status >= 500) return 'unavailable';
    if (status === 408) return 'requestTimeout';
    return 'unrecognised';
  }
  const { error_code: code, error_message: message, data } = reply.body.envelope;
  const byCode = codeCondition(code, message, config);
  if (byCode) return byCode;
  if (isSuccessCode(code, config) && status >= 200 && status < 300) {
    const inData = dataErrorMessage(data);
    if (inData !== undefined) return messageCondition(inData, config) ?? 'unrecognised';
    // "Location changed, liveness re-validation is required." (or "Invalid OTP code") may come as a
    // message beside a success code: a message that names a condition wins over the code. A message that
    // names none is success only when it is a success sentence (docs/vlens-api.md Part C, rule 1).
    if (message) {
      const named = messageCondition(message, config);
      if (named) return named;
      if (!isSuccessMessage(message, config)) return 'unrecognised';
    }
    return envelopeFault(reply.body.envelope) ? 'unrecognised' : 'success';
  }
  if (status === 429 || code === 429) return 'rateLimited';
  if (status >= 500) return 'unavailable';
  if (status === 408) return 'requestTimeout';
  const byMessage = message ? messageCondition(message, config) : undefined;
  if (byMessage) return byMessage;
  if ((status === 400 || status === 415) && code !== undefined) return 'validation';
  return 'unrecognised';
}

/** A 401 on the service token, which the client answers by logging in again (once) before giving up. */
export function isServiceTokenRejection(reply: VlensReply, config: ClassifyConfig): boolean {
  return reply.tokenSource === 'service' && classify(reply, config) === 'serviceTokenRejected';
}

// ---- the table -----------------------------------------------------------------------------------

export interface OpResults {
  requestOtp: RequestOtpResult;
  revalidateLiveness: RevalidateLivenessResult;
  validateOtp: ValidateOtpResult;
  validatePayment: ValidatePaymentResult;
  requestStatus: never;
  serviceLogin: never;
}

export interface FailureRule {
  type: string;
  nonRetryable: boolean;
  /** What happened, for the failure message. */
  what: string;
}

/** The answer claims the work is done, which only GetBusinessRequestById can prove. */
export interface ConfirmRule {
  confirm: true;
}

type Rule<O extends VlensOp> = { result: OpResults[O] } | ConfirmRule | FailureRule;
type Row = { [O in VlensOp]?: Rule<O> } & { otherwise: FailureRule };

const T = { ...VLENS_FAILURE_TYPES, ...VLENS_TRANSIENT_FAILURE_TYPES };
const fatal = (type: string, what: string): FailureRule => ({ type, nonRetryable: true, what });
const transient = (type: string, what: string): FailureRule => ({ type, nonRetryable: false, what });
const outOfOrder = (what: string) => fatal(T.outOfOrder, what);

/** Every Vlens answer other than success, per operation. Read a row as "when Vlens says X during op Y". */
export const OUTCOME_TABLE: { readonly [C in Exclude<VlensCondition, 'success'>]: Row } = {
  revalidationRequired: {
    requestOtp: { result: { livenessRequired: true } },
    validateOtp: { result: { outcome: 'liveness_required' } },
    otherwise: outOfOrder('liveness re-validation required'),
  },
  livenessRequired: {
    requestOtp: { result: { livenessRequired: true } },
    validateOtp: { result: { outcome: 'liveness_required' } },
    otherwise: outOfOrder('liveness re-validation pending'),
  },
  wrongOtp: {
    validateOtp: { result: { outcome: 'wrong_code' } },
    otherwise: outOfOrder('wrong OTP code outside OTP validation'),
  },
  otpExpired: {
    validateOtp: { result: { outcome: 'expired' } },
    otherwise: outOfOrder('OTP expired outside OTP validation'),
  },
  otpAttemptsExceeded: {
    validateOtp: { result: { outcome: 'locked' } },
    otherwise: outOfOrder('OTP attempts exceeded outside OTP validation'),
  },
  livenessFailed: {
    revalidateLiveness: { result: { outcome: 'rejected' } },
    // Legacy flavour: the image travels with the OTP.
    validateOtp: { result: { outcome: 'liveness_rejected' } },
    otherwise: outOfOrder('liveness failed outside liveness re-validation'),
  },
  otpNotValidated: { otherwise: outOfOrder('OTP not validated yet') },
  paymentNotCompleted: {
    // Safe to call again later (reconciliation polls it).
    validatePayment: { result: { activated: false } },
    otherwise: outOfOrder('payment not completed outside payment validation'),
  },
  notApproved: { otherwise: fatal(T.requestNotApproved, 'business request not approved') },
  rejected: { otherwise: fatal(T.requestRejected, 'business request rejected') },
  unknownRequest: { otherwise: fatal(T.requestRejected, 'business request unknown') },
  alreadySigned: {
    // What the workflow wanted, if true: the request's status decides.
    validatePayment: { confirm: true },
    otherwise: fatal(T.alreadySigned, 'business request already signed'),
  },
  validation: { otherwise: fatal(T.invalidRequest, 'request rejected as invalid') },
  // A wrong ApiKey is an operator's fix; retrying keeps the activation alive until it is fixed.
  apiKeyRejected: { otherwise: transient(T.apiKeyRejected, 'ApiKey rejected (check VLENS_API_KEY)') },
  // The workflow needs a fresh token from the app; retrying the same token cannot help.
  userTokenRejected: { otherwise: fatal(T.userTokenRejected, "the user's bearer token was rejected") },
  serviceTokenRejected: {
    otherwise: transient(
      T.serviceAuthFailed,
      'service token rejected (check VLENS_SERVICE_AUTH, VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)',
    ),
  },
  rateLimited: { otherwise: transient(T.rateLimited, 'rate limited') },
  unavailable: { otherwise: transient(T.unavailable, 'server error') },
  requestTimeout: { otherwise: transient(T.timeout, 'request timed out at the server') },
  // Retried a bounded number of times (activities/index.ts), then an operator decides.
  unrecognised: {
    otherwise: transient(
      T.unrecognised,
      'answer the client cannot read (check VLENS_CODES, VLENS_MESSAGE_PATTERNS, VLENS_API_FLAVOR)',
    ),
  },
};

/** Service login failures are all the operator's to fix, except the transient ones. */
const SERVICE_LOGIN_FAILED = transient(
  T.serviceAuthFailed,
  'service login failed (check VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)',
);

export function ruleFor<O extends VlensOp>(op: O, condition: Exclude<VlensCondition, 'success'>): Rule<O> {
  const row = OUTCOME_TABLE[condition];
  const rule = (row[op] as Rule<O> | undefined) ?? row.otherwise;
  // A refused login is the operator's to fix whatever its shape; only outages stay what they are.
  if (op === 'serviceLogin' && 'type' in rule && (rule.nonRetryable || condition === 'unrecognised'))
    return SERVICE_LOGIN_FAILED;
  return rule;
}

// ---- building failures ---------------------------------------------------------------------------

/** Vlens's own message, minus anything that looks like a code or a token, bounded. */
export function scrub(text: string): string {
  return text
    .replace(/\d{4,}/g, '…')
    .replace(/[A-Za-z0-9+/=_.-]{24,}/g, '…')
    .slice(0, 160);
}

/** Field names only (never values), from the undocumented `error_descriptions` shape. */
export function fieldNames(descriptions: unknown): string[] {
  const names = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === 'string' && /^[\w.[\]-]{1,64}$/.test(name)) names.add(name);
  };
  if (Array.isArray(descriptions)) {
    for (const d of descriptions) {
      if (typeof d === 'string') continue; // a bare message: may quote a value
      if (d && typeof d === 'object') {
        const o = d as Record<string, unknown>;
        add(o.field ?? o.Field ?? o.name ?? o.key ?? o.propertyName);
      }
    }
  } else if (descriptions && typeof descriptions === 'object') {
    Object.keys(descriptions).forEach(add);
  }
  return [...names].slice(0, 20);
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

/** An answer as an operator may see it: statuses, codes, a scrubbed message, and the shape of `data`. */
export interface RedactedAnswer {
  httpStatus: number;
  body: string | { error_code: unknown; error_message: string | null; data: unknown };
}

/** The shape of a value: booleans and null as they are, numbers and strings as their kind and size. */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return `string(${value.length})`;
  if (value === undefined) return 'undefined';
  if (Array.isArray(value))
    return depth >= 2 ? `array(${value.length})` : value.slice(0, 5).map((v) => shapeOf(v, depth + 1));
  if (typeof value === 'object') {
    if (depth >= 2) return 'object';
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .slice(0, 20)
        .map(([key, v]) => [key.slice(0, 40), shapeOf(v, depth + 1)]),
    );
  }
  return typeof value;
}

export function redactAnswer(reply: VlensReply): RedactedAnswer {
  if (!reply.body.ok) return { httpStatus: reply.httpStatus, body: reply.body.empty ? 'empty' : reply.body.reason };
  const { error_code, error_message, data } = reply.body.envelope;
  return {
    httpStatus: reply.httpStatus,
    body: {
      error_code:
        error_code === undefined ? 'absent' : typeof error_code === 'string' ? shapeOf(error_code) : error_code,
      error_message: error_message ? scrub(error_message) : null,
      data: shapeOf(data),
    },
  };
}

function replyFailure(
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

export type Settled<O extends VlensOp, D> =
  | { kind: 'success'; data: D }
  | { kind: 'outcome'; value: OpResults[O] }
  // Only StepValidatePayment has a confirm rule (OUTCOME_TABLE.alreadySigned).
  | (O extends 'validatePayment' ? { kind: 'confirm' } : never);

/**
 * Decides what a reply means for `op`: success with parsed `data`, a business outcome from the table, a
 * claim to confirm, or a thrown ApplicationFailure. Every flavour goes through here.
 */
export function settle<O extends VlensOp, S extends z.ZodType>(
  op: O,
  reply: VlensReply,
  dataSchema: S,
  config: ClassifyConfig & Pick<VlensConfig, 'maxRetryAfterMs'>,
): Settled<O, z.output<S>> {
  const condition = classify(reply, config);
  if (condition === 'success') {
    const envelope = reply.body.ok ? reply.body.envelope : undefined;
    const parsed = dataSchema.safeParse(envelope?.data ?? null);
    if (!parsed.success) throw unrecognisedData(op, reply, describeIssues(parsed.error));
    return { kind: 'success', data: parsed.data };
  }
  return settleCondition(op, condition, reply, config) as Settled<O, z.output<S>>;
}

/**
 * What a condition other than success means for `op` (its row of OUTCOME_TABLE): a business result, a
 * claim to confirm, or a thrown failure. Also used when a success envelope's `data` names the condition.
 */
export function settleCondition<O extends VlensOp>(
  op: O,
  condition: Exclude<VlensCondition, 'success'>,
  reply: VlensReply,
  config: Pick<VlensConfig, 'maxRetryAfterMs'>,
): Exclude<Settled<O, never>, { kind: 'success' }> {
  const rule = ruleFor(op, condition);
  if ('result' in rule) return { kind: 'outcome', value: rule.result };
  if ('confirm' in rule) return { kind: 'confirm' } as Exclude<Settled<O, never>, { kind: 'success' }>;
  throw replyFailure(op, condition, rule, reply, config);
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
