// Typed Vlens configuration, read once from env. Everything the client guesses about how Vlens answers
// (error-code numbers, messages, the success set, how often an unreadable answer is retried) is in this
// one table, so an operator can match the real Vlens server without a code change
// (docs/vlens-answers.md says where each guess comes from).
import { z } from 'zod';

export type VlensApiFlavor = 'customer-sign' | 'legacy-activate';

/** How the worker authenticates calls that carry no user token. */
export type VlensServiceAuth = 'login' | 'none';

/**
 * The conditions the client recognises in a Vlens answer besides success. Each has configured codes
 * (our numbering where Vlens documents none) and message patterns; both live in this one table.
 */
export const READING_CONDITIONS = [
  'notApproved',
  'otpAttemptsExceeded',
  'otpExpired',
  'wrongOtp',
  'livenessFailed',
  'livenessRequired',
  'revalidationRequired',
  'otpNotValidated',
  'paymentNotCompleted',
  'rejected',
  'alreadySigned',
  'unknownRequest',
  'validation',
] as const;
export type ReadingCondition = (typeof READING_CONDITIONS)[number];

/** error_code values per condition; several codes may mean the same thing. */
export type VlensCodes = { [C in ReadingCondition]: number[] };

/**
 * Message patterns per condition: a message (envelope `error_message`, legacy `data.errorMessage`)
 * means the condition when it matches ALL patterns. Checked in READING_CONDITIONS order, so the more
 * specific "re-validation failed" is read before "re-validation required".
 */
export type VlensMessagePatterns = { [C in ReadingCondition]?: RegExp[] };

/** The Vlens steps that can meet an unrecognised answer, and how often each may be tried before an operator decides. */
export type VlensStep = 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment';
export type UnrecognisedAttempts = { [S in VlensStep]: number };

export interface VlensConfig {
  /** Without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  flavor: VlensApiFlavor;
  serviceAuth: VlensServiceAuth;
  tenancy: string;
  username: string;
  password: string;
  /** Per HTTP call, including reading the body. */
  httpTimeoutMs: number;
  /** Refresh the service token after this fraction of its life. */
  tokenRefreshRatio: number;
  /** Upper bound on a server's Retry-After, so a bogus header cannot park an activity for hours. */
  maxRetryAfterMs: number;
  /** `error_code` values that mean success (a numeric string is read as its number). */
  successCodes: Array<number | null>;
  codes: VlensCodes;
  messagePatterns: VlensMessagePatterns;
  /** A 401 whose envelope message matches this names the ApiKey; any other 401 is a token problem. */
  apiKeyMessagePattern: RegExp;
  /**
   * GetBusinessRequestById `requeststatus` of a Customer Signed request: the proof of activation. No seed
   * prints the number (docs/vlens-api.md, "Sources"), so production must set it (VLENS_CUSTOMER_SIGNED_STATUS).
   */
  customerSignedStatus: number;
  /** A `requestStatusName`, when the answer has one, must match this exactly when the number says Customer Signed. */
  customerSignedStatusName: RegExp;
  /**
   * A message beside a success code (or a step's `data` sentence) counts as success only when it matches
   * every pattern of one of these lists; any other message that names no condition is unrecognised.
   */
  successMessagePatterns: RegExp[][];
  /** Attempts per step for an answer the client cannot read; then the activation waits for an operator. */
  unrecognisedMaxAttempts: UnrecognisedAttempts;
}

export const DEFAULT_VLENS_CODES: Readonly<VlensCodes> = Object.freeze({
  // The legacy seed prints pending approval as error_code 403; 4030 was our earlier guess.
  notApproved: [403, 4030],
  otpAttemptsExceeded: [4003],
  otpExpired: [4002],
  wrongOtp: [4001],
  livenessFailed: [4011],
  livenessRequired: [4012],
  revalidationRequired: [4010],
  otpNotValidated: [4013],
  paymentNotCompleted: [4020],
  rejected: [4031],
  alreadySigned: [4032],
  unknownRequest: [4040],
  validation: [4000],
});

/** Regex sources, compiled case-insensitive. */
export const DEFAULT_MESSAGE_PATTERNS: Readonly<{ [C in ReadingCondition]?: readonly string[] }> = Object.freeze({
  notApproved: ['pending approval'],
  otpAttemptsExceeded: ['attempt', 'exceed|too many|maximum'],
  otpExpired: ['otp|code', 'expired'],
  wrongOtp: ['otp|code', 'invalid|wrong|incorrect'],
  livenessFailed: ['liveness', 'fail|not match|mismatch'],
  // A demand, not the "re-validation successful" of a liveness success.
  revalidationRequired: ['liveness', 're-?validat', 'requir|need|must'],
  paymentNotCompleted: ['payment', 'not (completed|paid|valid)|unpaid|incomplete'],
  rejected: ['request', 'rejected'],
  alreadySigned: ['already signed'],
});

/**
 * Success sentences: "Liveness re-validation successful. Proceed to OTP request." (the sentence
 * docs/vlens-api.md Part A quotes), "Payment validated successfully.", "OK". A word of refusal anywhere
 * ("not successful", "unsuccessful", "failed") keeps a sentence out.
 */
export const DEFAULT_SUCCESS_MESSAGE_PATTERNS: readonly (readonly string[])[] = Object.freeze([
  ['success', '^(?!.*\\b(not|no|never|un\\w*|fail\\w*|error|invalid|denied|required)\\b)'],
  ['^\\s*ok\\s*[.!]?\\s*$'],
]);

/** validateOtp may spend an OTP attempt: never more than one automatic retry, whatever the configuration says. */
export const MAX_OTP_VALIDATION_ATTEMPTS = 2;

export const DEFAULT_UNRECOGNISED_ATTEMPTS: Readonly<UnrecognisedAttempts> = Object.freeze({
  requestOtp: 3,
  revalidateLiveness: 2,
  validateOtp: MAX_OTP_VALIDATION_ATTEMPTS,
  validatePayment: 5,
});

const DEFAULTS = {
  baseUrl: 'http://127.0.0.1:4010',
  apiKey: 'sandbox-key',
  flavor: 'customer-sign',
  serviceAuth: 'login',
  tenancy: 'sandbox',
  username: 'admin',
  password: 'sandbox-password',
  httpTimeoutMs: 15_000,
  tokenRefreshRatio: 0.8,
  maxRetryAfterMs: 300_000,
  apiKeyMessagePattern: 'api ?key',
  // The sandbox's numbering (sandbox/README.md); production must say what the real server uses.
  customerSignedStatus: 4,
  customerSignedStatusName: '^customer ?signed$',
} as const;

const code = z.number().int();
const codeList = z.union([code.transform((c) => [c]), z.array(code).min(1)]);
const codesOverride = z
  .object(Object.fromEntries(READING_CONDITIONS.map((c) => [c, codeList])))
  .partial()
  .strict();
const patternList = z.array(z.string().min(1)).min(1);
const patternsOverride = z
  .object(Object.fromEntries(READING_CONDITIONS.map((c) => [c, patternList])))
  .partial()
  .strict();
const attemptsOverride = z
  .object({
    requestOtp: z.number().int().min(1).max(20),
    revalidateLiveness: z.number().int().min(1).max(20),
    validateOtp: z.number().int().min(1).max(MAX_OTP_VALIDATION_ATTEMPTS),
    validatePayment: z.number().int().min(1).max(50),
  })
  .partial()
  .strict();

/** A JSON-valued env var, parsed inside the schema so its errors carry the variable's name. */
function json<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be an integer`)
    .positive(`${what} must be positive`);

const envSchema = z.object({
  VLENS_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(DEFAULTS.baseUrl),
  VLENS_API_KEY: z.string().min(1, 'must not be empty').default(DEFAULTS.apiKey),
  VLENS_API_FLAVOR: z
    .enum(['customer-sign', 'legacy-activate'], { error: "must be 'customer-sign' or 'legacy-activate'" })
    .default(DEFAULTS.flavor),
  VLENS_SERVICE_AUTH: z.enum(['login', 'none'], { error: "must be 'login' or 'none'" }).default(DEFAULTS.serviceAuth),
  VLENS_TENANCY: z.string().min(1, 'must not be empty').default(DEFAULTS.tenancy),
  VLENS_USERNAME: z.string().min(1, 'must not be empty').default(DEFAULTS.username),
  VLENS_PASSWORD: z.string().min(1, 'must not be empty').default(DEFAULTS.password),
  VLENS_HTTP_TIMEOUT_MS: positiveInt('the timeout').default(DEFAULTS.httpTimeoutMs),
  VLENS_MAX_RETRY_AFTER_MS: positiveInt('the cap').default(DEFAULTS.maxRetryAfterMs),
  VLENS_SUCCESS_CODES: json(z.array(z.union([code, z.null()])).min(1)).optional(),
  VLENS_CODES: json(codesOverride).optional(),
  VLENS_MESSAGE_PATTERNS: json(patternsOverride).optional(),
  /** Kept from the first version: the same as VLENS_MESSAGE_PATTERNS' `revalidationRequired`. */
  VLENS_REVALIDATION_MESSAGE_PATTERNS: json(patternList).optional(),
  VLENS_API_KEY_MESSAGE_PATTERN: z.string().min(1).optional(),
  VLENS_CUSTOMER_SIGNED_STATUS: z.coerce.number().int().min(0).default(DEFAULTS.customerSignedStatus),
  VLENS_CUSTOMER_SIGNED_STATUS_NAME: z.string().min(1).optional(),
  VLENS_SUCCESS_MESSAGE_PATTERNS: json(z.array(patternList).min(1)).optional(),
  VLENS_UNRECOGNISED_MAX_ATTEMPTS: json(attemptsOverride).optional(),
});

export class VlensConfigError extends Error {
  override name = 'VlensConfigError';
}

function compile(variable: string, source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch {
    throw new VlensConfigError(`Invalid Vlens configuration: ${variable}: bad regex ${JSON.stringify(source)}`);
  }
}

function compilePatterns(
  overrides: { [C in ReadingCondition]?: string[] } | undefined,
  revalidation: string[] | undefined,
): VlensMessagePatterns {
  const sources: { [C in ReadingCondition]?: readonly string[] } = { ...DEFAULT_MESSAGE_PATTERNS, ...overrides };
  if (revalidation) sources.revalidationRequired = revalidation;
  return Object.fromEntries(
    Object.entries(sources).map(([condition, list]) => [
      condition,
      (list ?? []).map((source) => compile('VLENS_MESSAGE_PATTERNS', source)),
    ]),
  ) as VlensMessagePatterns;
}

/** What production must set explicitly: the defaults point at the sandbox and carry its public secrets. */
function productionProblems(
  present: Record<string, string>,
  serviceAuth: VlensServiceAuth,
  allowHttp: boolean,
): string[] {
  const required = [
    'VLENS_BASE_URL',
    'VLENS_API_KEY',
    ...(serviceAuth === 'login' ? ['VLENS_TENANCY', 'VLENS_USERNAME', 'VLENS_PASSWORD'] : []),
    // Every worker may have to prove an activation by the request's status; no seed prints the number.
    'VLENS_CUSTOMER_SIGNED_STATUS',
  ];
  const problems = required
    .filter((name) => present[name] === undefined)
    .map((name) => `  ${name}: is required when NODE_ENV=production`);
  const sandboxValues: Record<string, string> = {
    VLENS_API_KEY: DEFAULTS.apiKey,
    VLENS_PASSWORD: DEFAULTS.password,
  };
  for (const [name, value] of Object.entries(sandboxValues)) {
    if (present[name] === value)
      problems.push(`  ${name}: is the sandbox's public default, refused when NODE_ENV=production`);
  }
  // The API key, the service password and every user's token travel in these requests.
  // VLENS_ALLOW_HTTP=true is the explicit exception: a TLS sidecar on loopback, or the sandbox in a
  // production-topology test (scripts/docker/topology.ts).
  if (present.VLENS_BASE_URL?.trim().toLowerCase().startsWith('http:') && !allowHttp)
    problems.push('  VLENS_BASE_URL: must be https when NODE_ENV=production (or set VLENS_ALLOW_HTTP=true)');
  return problems;
}

/**
 * Reads the Vlens configuration from the environment. Unset or empty variables take the sandbox defaults
 * in development; with NODE_ENV=production the connection and credentials must be set explicitly.
 * Throws a VlensConfigError naming every bad or missing variable, never echoing a value (some are secrets).
 */
export function loadVlensConfig(env: Record<string, string | undefined> = process.env): VlensConfig {
  // An empty variable (`VLENS_TENANCY=`) means "unset", as in most .env tooling.
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((key) => {
      const value = env[key];
      return value === undefined || value.trim() === '' ? [] : [[key, value.trim()]];
    }),
  );
  const parsed = envSchema.safeParse(present);
  const lines = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  if (env.NODE_ENV === 'production') {
    // VLENS_ALLOW_HTTP is not a schema field, so it is read from env itself (`present` holds schema fields only).
    const allowHttp = env.VLENS_ALLOW_HTTP?.trim() === 'true';
    lines.push(...productionProblems(present, parsed.success ? parsed.data.VLENS_SERVICE_AUTH : 'login', allowHttp));
  }
  if (!parsed.success || lines.length) {
    throw new VlensConfigError(`Invalid Vlens configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    baseUrl: e.VLENS_BASE_URL.replace(/\/+$/, ''),
    apiKey: e.VLENS_API_KEY,
    flavor: e.VLENS_API_FLAVOR,
    serviceAuth: e.VLENS_SERVICE_AUTH,
    tenancy: e.VLENS_TENANCY,
    username: e.VLENS_USERNAME,
    password: e.VLENS_PASSWORD,
    httpTimeoutMs: e.VLENS_HTTP_TIMEOUT_MS,
    tokenRefreshRatio: DEFAULTS.tokenRefreshRatio,
    maxRetryAfterMs: e.VLENS_MAX_RETRY_AFTER_MS,
    successCodes: e.VLENS_SUCCESS_CODES ?? [null, 0],
    codes: { ...cloneCodes(DEFAULT_VLENS_CODES), ...(e.VLENS_CODES as Partial<VlensCodes> | undefined) },
    messagePatterns: compilePatterns(
      e.VLENS_MESSAGE_PATTERNS as { [C in ReadingCondition]?: string[] } | undefined,
      e.VLENS_REVALIDATION_MESSAGE_PATTERNS,
    ),
    apiKeyMessagePattern: compile(
      'VLENS_API_KEY_MESSAGE_PATTERN',
      e.VLENS_API_KEY_MESSAGE_PATTERN ?? DEFAULTS.apiKeyMessagePattern,
    ),
    customerSignedStatus: e.VLENS_CUSTOMER_SIGNED_STATUS,
    customerSignedStatusName: compile(
      'VLENS_CUSTOMER_SIGNED_STATUS_NAME',
      e.VLENS_CUSTOMER_SIGNED_STATUS_NAME ?? DEFAULTS.customerSignedStatusName,
    ),
    successMessagePatterns: (e.VLENS_SUCCESS_MESSAGE_PATTERNS ?? DEFAULT_SUCCESS_MESSAGE_PATTERNS).map((all) =>
      all.map((source) => compile('VLENS_SUCCESS_MESSAGE_PATTERNS', source)),
    ),
    unrecognisedMaxAttempts: { ...DEFAULT_UNRECOGNISED_ATTEMPTS, ...e.VLENS_UNRECOGNISED_MAX_ATTEMPTS },
  };
}

function cloneCodes(codes: Readonly<VlensCodes>): VlensCodes {
  return Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, [...v]])) as VlensCodes;
}

export type VlensConfigOverrides = Partial<Omit<VlensConfig, 'codes'>> & { codes?: Partial<VlensCodes> };

/** The default (sandbox) configuration with some fields replaced; for tests and programmatic use. */
export function makeVlensConfig(overrides: VlensConfigOverrides = {}): VlensConfig {
  const base = loadVlensConfig({});
  const { codes, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    baseUrl: (rest.baseUrl ?? base.baseUrl).replace(/\/+$/, ''),
    codes: { ...base.codes, ...codes },
  };
}
