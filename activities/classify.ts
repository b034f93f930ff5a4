// Reading a Vlens reply into a condition, whatever the operation (the first half of activities/outcomes.ts),
// with the configured codes and patterns (activities/reading-table.ts, overridable by env).
//
// Fail closed (docs/vlens-answers.md): success is positive, never assumed — a 2xx, an error_code in the
// success set, and no error carried inside `data`; an answer that fits no rule is `unrecognised`.
import { READING_CONDITIONS, type ReadingCondition } from './reading-table';
import type { VlensConfig } from './config';
import { BOOLEAN_FLAGS, isSuccessMessage } from './positive-answers';
import type { VlensEnvelope } from './schemas';
import type { VlensReply } from './vlens-reply';

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
