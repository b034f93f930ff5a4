// Typed Vlens configuration, read once from env (design.md §6: "typed config read once from env").
// Everything vlens-api.md Part B *guesses* (error-code numbers, the re-validation message) is here, so an
// operator can match the real Vlens server without a code change.
import { z } from 'zod';

export type VlensApiFlavor = 'customer-sign' | 'legacy-activate';

/** How the worker authenticates calls that carry no user token. */
export type VlensServiceAuth = 'login' | 'none';

/** Our numbering of Vlens error codes (vlens-api.md Part B); the real numbers are unknown. */
export interface VlensCodes {
  /** "Location changed, liveness revalidation required." (several codes may mean it). */
  revalidationRequired: number[];
  wrongOtp: number;
  otpExpired: number;
  otpAttemptsExceeded: number;
  livenessFailed: number;
  livenessRequired: number;
  otpNotValidated: number;
  paymentNotCompleted: number;
  notApproved: number;
  rejected: number;
  alreadySigned: number;
  unknownRequest: number;
  validation: number;
}

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
  codes: VlensCodes;
  /** Re-validation is also recognised when the message matches ALL of these (for an unmapped code). */
  revalidationMessagePatterns: RegExp[];
}

export const DEFAULT_VLENS_CODES: Readonly<VlensCodes> = Object.freeze({
  revalidationRequired: [4010],
  wrongOtp: 4001,
  otpExpired: 4002,
  otpAttemptsExceeded: 4003,
  livenessFailed: 4011,
  livenessRequired: 4012,
  otpNotValidated: 4013,
  paymentNotCompleted: 4020,
  notApproved: 4030,
  rejected: 4031,
  alreadySigned: 4032,
  unknownRequest: 4040,
  validation: 4000,
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
  revalidationMessagePatterns: ['liveness', 'revalidat'],
} as const;

const code = z.number().int();
const codesOverride = z
  .object({
    // A single number is accepted for convenience.
    revalidationRequired: z.union([code.transform((c) => [c]), z.array(code).min(1)]),
    wrongOtp: code,
    otpExpired: code,
    otpAttemptsExceeded: code,
    livenessFailed: code,
    livenessRequired: code,
    otpNotValidated: code,
    paymentNotCompleted: code,
    notApproved: code,
    rejected: code,
    alreadySigned: code,
    unknownRequest: code,
    validation: code,
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
  z.coerce.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).positive(`${what} must be positive`);

const envSchema = z.object({
  VLENS_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default(DEFAULTS.baseUrl),
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
  VLENS_CODES: json(codesOverride).optional(),
  VLENS_REVALIDATION_MESSAGE_PATTERNS: json(z.array(z.string().min(1)).min(1)).optional(),
});

export class VlensConfigError extends Error {
  override name = 'VlensConfigError';
}

function compilePatterns(sources: readonly string[]): RegExp[] {
  return sources.map((source) => {
    try {
      return new RegExp(source, 'i');
    } catch {
      throw new VlensConfigError(`Invalid Vlens configuration: VLENS_REVALIDATION_MESSAGE_PATTERNS: bad regex ${JSON.stringify(source)}`);
    }
  });
}

/**
 * Reads the Vlens configuration from the environment. Unset or empty variables take the sandbox defaults
 * (design.md §4a). Throws a VlensConfigError naming every bad variable, never echoing a value (some are secrets).
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
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
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
    codes: { ...DEFAULT_VLENS_CODES, revalidationRequired: [...DEFAULT_VLENS_CODES.revalidationRequired], ...e.VLENS_CODES },
    revalidationMessagePatterns: compilePatterns(e.VLENS_REVALIDATION_MESSAGE_PATTERNS ?? DEFAULTS.revalidationMessagePatterns),
  };
}

export type VlensConfigOverrides = Partial<Omit<VlensConfig, 'codes'>> & { codes?: Partial<VlensCodes> };

/** The default (sandbox) configuration with some fields replaced; for tests and programmatic use. */
export function makeVlensConfig(overrides: VlensConfigOverrides = {}): VlensConfig {
  const base = loadVlensConfig({});
  const { codes, ...rest } = overrides;
  return { ...base, ...rest, baseUrl: (rest.baseUrl ?? base.baseUrl).replace(/\/+$/, ''), codes: { ...base.codes, ...codes } };
}
