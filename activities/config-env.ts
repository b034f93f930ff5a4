// The environment variables of the Vlens configuration: their schema (each error names its variable, never
// its value), the sandbox defaults an unset variable takes in development, and what production must set
// explicitly. activities/config.ts turns the parsed variables into a VlensConfig.
import { z } from 'zod';
import { MAX_OTP_VALIDATION_ATTEMPTS, READING_CONDITIONS } from './reading-table';

export const DEFAULTS = {
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

export const envSchema = z.object({
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

/** What production must set explicitly: the defaults point at the sandbox and carry its public secrets. */
export function productionProblems(
  present: Record<string, string>,
  serviceAuth: z.output<typeof envSchema>['VLENS_SERVICE_AUTH'],
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
