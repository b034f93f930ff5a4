// Typed Vlens configuration, read once from env (activities/config-env.ts). Everything the client guesses
// about how Vlens answers (error-code numbers, messages, the success set, how often an unreadable answer is
// retried) has its default in one table (activities/reading-table.ts), so an operator can match the real
// Vlens server without a code change (docs/vlens-answers.md says where each guess comes from).
import { DEFAULTS, envSchema, productionProblems } from './config-env';
import {
  DEFAULT_MESSAGE_PATTERNS,
  DEFAULT_SUCCESS_MESSAGE_PATTERNS,
  DEFAULT_UNRECOGNISED_ATTEMPTS,
  DEFAULT_VLENS_CODES,
  type ReadingCondition,
  type UnrecognisedAttempts,
  type VlensCodes,
  type VlensMessagePatterns,
} from './reading-table';

export type VlensApiFlavor = 'customer-sign' | 'legacy-activate';

/** How the worker authenticates calls that carry no user token. */
export type VlensServiceAuth = 'login' | 'none';

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
