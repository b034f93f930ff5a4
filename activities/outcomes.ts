// THE one place that maps what Vlens answers to what the workflow sees (design.md §6, after dust-tt's
// connectors): a Vlens reply (HTTP status + envelope) is first classified into a condition, using the
// configured code table; the condition and the operation then pick either a typed business result or an
// ApplicationFailure. Transport problems (timeouts, dropped connections) are mapped here too.
//
// Failure messages and details carry the path, HTTP status, error_code and Vlens's message (scrubbed);
// never request or response bodies, which may hold OTP codes, images, tokens or positions.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import {
  VLENS_FAILURE_TYPES,
  VLENS_TRANSIENT_FAILURE_TYPES,
  type RequestOtpResult,
  type RevalidateLivenessResult,
  type ValidateOtpResult,
  type ValidatePaymentResult,
} from './contract';
import type { VlensCodes, VlensConfig } from './config';
import { describeIssues, type VlensEnvelope } from './schemas';

export type VlensOp = 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment' | 'serviceLogin';

/** Whose bearer token a call carried; a 403 means different things for each. */
export type TokenSource = 'user' | 'service' | 'none';

/** One HTTP exchange with Vlens, as the client saw it (no request body, no raw response body). */
export interface VlensReply {
  path: string;
  httpStatus: number;
  /** The Retry-After header, raw. */
  retryAfter: string | null;
  tokenSource: TokenSource;
  body: { ok: true; envelope: VlensEnvelope } | { ok: false; reason: string };
}

export type VlensCondition =
  | 'success'
  | 'revalidationRequired'
  | 'wrongOtp'
  | 'otpExpired'
  | 'otpAttemptsExceeded'
  | 'livenessFailed'
  | 'livenessRequired'
  | 'otpNotValidated'
  | 'paymentNotCompleted'
  | 'notApproved'
  | 'rejected'
  | 'unknownRequest'
  | 'alreadySigned'
  | 'validation'
  | 'apiKeyRejected'
  | 'userTokenRejected'
  | 'serviceTokenRejected'
  | 'rateLimited'
  | 'unavailable'
  | 'requestTimeout'
  | 'malformed'
  | 'unexpected';

type CodeName = Exclude<keyof VlensCodes, 'revalidationRequired'>;

/** The configured code names are condition names too. */
const CODE_CONDITIONS: readonly CodeName[] = [
  'wrongOtp',
  'otpExpired',
  'otpAttemptsExceeded',
  'livenessFailed',
  'livenessRequired',
  'otpNotValidated',
  'paymentNotCompleted',
  'notApproved',
  'rejected',
  'unknownRequest',
  'alreadySigned',
  'validation',
];

type ClassifyConfig = Pick<VlensConfig, 'codes' | 'revalidationMessagePatterns'>;

function codeCondition(code: number | string | null, codes: VlensCodes): VlensCondition | undefined {
  if (typeof code !== 'number') return undefined;
  if (codes.revalidationRequired.includes(code)) return 'revalidationRequired';
  return CODE_CONDITIONS.find((name) => codes[name] === code);
}

function saysRevalidation(text: unknown, patterns: readonly RegExp[]): boolean {
  return typeof text === 'string' && patterns.length > 0 && patterns.every((p) => p.test(text));
}

/**
 * What a reply means, independent of the operation. A configured error_code wins over the HTTP status
 * (a 403 with the "not approved" code is a business answer, not a token problem); the re-validation
 * message is a fallback for servers whose code we do not know.
 */
export function classify(reply: VlensReply, config: ClassifyConfig): VlensCondition {
  const status = reply.httpStatus;
  if (!reply.body.ok) {
    // An HTML 502 from a proxy is an outage, not a contract change.
    if (status === 429) return 'rateLimited';
    if (status >= 500) return 'unavailable';
    if (status === 408) return 'requestTimeout';
    return 'malformed';
  }
  const { error_code: code, error_message: message, data } = reply.body.envelope;
  const byCode = codeCondition(code, config.codes);
  if (byCode) return byCode;
  const successCode = code === null || code === 0;
  if (successCode && status >= 200 && status < 300) {
    return saysRevalidation(message, config.revalidationMessagePatterns) ? 'revalidationRequired' : 'success';
  }
  if (status === 429 || code === 429) return 'rateLimited';
  if (status >= 500) return 'unavailable';
  if (status === 408) return 'requestTimeout';
  if (status === 401) return 'apiKeyRejected';
  if (status === 403) return reply.tokenSource === 'user' ? 'userTokenRejected' : 'serviceTokenRejected';
  if (status === 400 || status === 415) return 'validation';
  if (saysRevalidation(message, config.revalidationMessagePatterns) || saysRevalidation(data, config.revalidationMessagePatterns)) {
    return 'revalidationRequired';
  }
  return 'unexpected';
}

/** A 403 that the client answers by logging in again (once) before giving up. */
export function isServiceTokenRejection(reply: VlensReply, config: ClassifyConfig): boolean {
  return reply.tokenSource !== 'user' && classify(reply, config) === 'serviceTokenRejected';
}

// ---- the table -----------------------------------------------------------------------------------

export interface OpResults {
  requestOtp: RequestOtpResult;
  revalidateLiveness: RevalidateLivenessResult;
  validateOtp: ValidateOtpResult;
  validatePayment: ValidatePaymentResult;
  serviceLogin: never;
}

export interface FailureRule {
  type: string;
  nonRetryable: boolean;
  /** What happened, for the failure message. */
  what: string;
}

type Rule<O extends VlensOp> = { result: OpResults[O] } | FailureRule;
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
  wrongOtp: { validateOtp: { result: { outcome: 'wrong_code' } }, otherwise: outOfOrder('wrong OTP code outside OTP validation') },
  otpExpired: { validateOtp: { result: { outcome: 'expired' } }, otherwise: outOfOrder('OTP expired outside OTP validation') },
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
    // Activation is idempotent from the workflow's side: already signed is what it wanted.
    validatePayment: { result: { activated: true } },
    otherwise: fatal(T.alreadySigned, 'business request already signed'),
  },
  validation: { otherwise: fatal(T.invalidRequest, 'request rejected as invalid') },
  // A wrong ApiKey is an operator's fix; retrying keeps the activation alive until it is fixed.
  apiKeyRejected: { otherwise: transient(T.apiKeyRejected, 'ApiKey rejected (check VLENS_API_KEY)') },
  // The workflow needs a fresh token from the app; retrying the same token cannot help.
  userTokenRejected: { otherwise: fatal(T.userTokenRejected, "the user's bearer token was rejected") },
  serviceTokenRejected: {
    otherwise: transient(T.serviceAuthFailed, 'service token rejected (check VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)'),
  },
  rateLimited: { otherwise: transient(T.rateLimited, 'rate limited') },
  unavailable: { otherwise: transient(T.unavailable, 'server error') },
  requestTimeout: { otherwise: transient(T.timeout, 'request timed out at the server') },
  malformed: { otherwise: transient(T.malformedResponse, 'response is not a Vlens envelope') },
  unexpected: {
    otherwise: transient(T.unexpected, 'unmapped answer (check VLENS_CODES, VLENS_BASE_URL and VLENS_API_FLAVOR)'),
  },
};

/** Service login failures are all the operator's to fix, except the transient ones. */
const SERVICE_LOGIN_FAILED = transient(T.serviceAuthFailed, 'service login failed (check VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)');

export function ruleFor<O extends VlensOp>(op: O, condition: Exclude<VlensCondition, 'success'>): Rule<O> {
  const row = OUTCOME_TABLE[condition];
  const rule = (row[op] as Rule<O> | undefined) ?? row.otherwise;
  if (op === 'serviceLogin' && 'type' in rule && rule.nonRetryable) return SERVICE_LOGIN_FAILED;
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
}

function replyFailure(op: VlensOp, condition: VlensCondition, rule: FailureRule, reply: VlensReply, config: Pick<VlensConfig, 'maxRetryAfterMs'>) {
  const envelope = reply.body.ok ? reply.body.envelope : undefined;
  const details: FailureDetails = { condition, op, path: reply.path, httpStatus: reply.httpStatus, errorCode: envelope?.error_code ?? null };
  let message = `Vlens ${rule.what} during ${op} (POST ${reply.path}: HTTP ${reply.httpStatus}, error_code ${String(details.errorCode)})`;
  if (!reply.body.ok) {
    message += `: ${reply.body.reason}`;
  } else if (condition === 'validation') {
    // Validation messages may quote the rejected values; only the field names are safe.
    details.fields = fieldNames(envelope?.error_descriptions);
    if (details.fields.length) message += `; fields: ${details.fields.join(', ')}`;
  } else if (envelope?.error_message) {
    message += `: ${scrub(envelope.error_message)}`;
  }
  const nextRetryDelay = condition === 'rateLimited' ? retryAfterMs(reply.retryAfter, config.maxRetryAfterMs) : undefined;
  return ApplicationFailure.create({
    type: rule.type,
    message,
    nonRetryable: rule.nonRetryable,
    details: [details],
    ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
  });
}

export type Settled<O extends VlensOp, D> = { kind: 'success'; data: D } | { kind: 'outcome'; value: OpResults[O] };

/**
 * Decides what a reply means for `op`: success with parsed `data`, a business outcome from the table,
 * or a thrown ApplicationFailure. Every flavour goes through here.
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
    if (!parsed.success) {
      throw malformedData(op, reply.path, reply.httpStatus, describeIssues(parsed.error));
    }
    return { kind: 'success', data: parsed.data };
  }
  const rule = ruleFor(op, condition);
  if ('result' in rule) return { kind: 'outcome', value: rule.result };
  throw replyFailure(op, condition, rule, reply, config);
}

// ---- transport failures (no usable reply) ---------------------------------------------------------

/** A success envelope whose `data` does not fit the endpoint's schema: the contract changed under us. */
export function malformedData(op: VlensOp, path: string, httpStatus: number, issues: string): ApplicationFailure {
  const details: FailureDetails = { condition: 'malformed', op, path, httpStatus };
  return ApplicationFailure.create({
    type: T.malformedResponse,
    message: `Vlens answered ${op} (POST ${path}: HTTP ${httpStatus}) with unexpected data: ${issues}`,
    nonRetryable: false,
    details: [details],
  });
}

export function timeoutFailure(op: VlensOp, path: string, timeoutMs: number): ApplicationFailure {
  const details: FailureDetails = { condition: 'timeout', op, path };
  return ApplicationFailure.create({
    type: T.timeout,
    message: `Vlens did not answer ${op} (POST ${path}) within ${timeoutMs} ms`,
    nonRetryable: false,
    details: [details],
  });
}

/** Connection refused, reset, dropped mid-response, DNS: all worth retrying. */
export function networkFailure(op: VlensOp, path: string, error: unknown): ApplicationFailure {
  const e = error as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | undefined;
  const code = [e?.code, e?.errno, e?.cause?.code].find((c): c is string => typeof c === 'string') ?? 'unknown';
  const details: FailureDetails = { condition: 'network', op, path };
  return ApplicationFailure.create({
    type: T.unavailable,
    message: `Vlens connection failed during ${op} (POST ${path}): ${code}`,
    nonRetryable: false,
    details: [details],
  });
}
