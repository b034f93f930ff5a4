// Sandbox configuration: one typed object, read once from env, overridable per call (tests pass options).
import { z } from 'zod';
import { DIALECTS, type DialectName } from './dialect';

export interface SandboxOptions {
  /** Interface to bind; 127.0.0.1 so the sandbox is never reachable from the network by accident. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The tenant `ApiKey` every Vlens-surface call must carry. */
  apiKey: string;
  /** How answers are worded: `ours` (Part B's codes) or `seed` (the shapes the Vlens seeds print); dialect.ts. */
  dialect: DialectName;
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** When true, a missing `Authorization: Bearer` on BusinessRequest calls is an empty 401 (Vlens docs send ApiKey only). */
  requireBearer: boolean;
  /** Target of the payment-gateway webhook (Kashier or Fawry). `{gateway}` in the URL is replaced by the gateway name. null = do not send. */
  webhookUrl: string | null;
  /** Target of Vlens's `App.BusinessRequestStatusChange` webhook. null = do not send. */
  vlensWebhookUrl: string | null;
  kashierWebhookSecret: string;
  fawrySecureKey: string;
  /** Base of payment links; null = the server's own URL. */
  publicUrl: string | null;
  otpTtlSeconds: number;
  maxOtpAttempts: number;
  /** Decoded size limit for each liveness image (Vlens: "under 500 KB"). */
  maxImageBytes: number;
  /** Re-validation threshold: liveness is required when the distance is strictly greater. */
  distanceThresholdKm: number;
  loginUser: string;
  loginPassword: string;
  tenancy: string;
  /** Delays between Vlens status-webhook attempts; attempts = delays + 1. */
  webhookRetryDelaysMs: number[];
  webhookTimeoutMs: number;
  /** Clock in epoch milliseconds; tests inject one to expire OTPs and tokens without waiting. */
  now: () => number;
  /** Request logging (method, path, status only). Off by default so tests stay quiet. */
  log: boolean;
}

export const DEFAULT_OPTIONS: SandboxOptions = {
  host: '127.0.0.1',
  port: 4010,
  apiKey: 'sandbox-key',
  dialect: 'ours',
  tokenTtlSeconds: 86_400,
  refreshTokenTtlSeconds: 604_800,
  requireBearer: false,
  webhookUrl: null,
  vlensWebhookUrl: null,
  kashierWebhookSecret: 'kashier-dev-secret',
  fawrySecureKey: 'fawry-dev-secure-key',
  publicUrl: null,
  otpTtlSeconds: 300,
  maxOtpAttempts: 5,
  maxImageBytes: 500 * 1024,
  distanceThresholdKm: 80,
  loginUser: 'admin',
  loginPassword: 'sandbox-password',
  tenancy: 'sandbox',
  webhookRetryDelaysMs: [500, 2_000],
  webhookTimeoutMs: 5_000,
  now: () => Date.now(),
  log: false,
};

const positiveNumber = z.coerce.number().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// Every variable is optional; an invalid value fails start-up with the variable's name rather than later.
const envSchema = z.object({
  SANDBOX_HOST: z.string().min(1).optional(),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  SANDBOX_API_KEY: z.string().min(1).optional(),
  SANDBOX_DIALECT: z.enum(DIALECTS).optional(),
  SANDBOX_TOKEN_TTL_SECONDS: positiveNumber.optional(),
  SANDBOX_REFRESH_TOKEN_TTL_SECONDS: positiveNumber.optional(),
  SANDBOX_REQUIRE_BEARER: bool.optional(),
  SANDBOX_WEBHOOK_URL: z.url().optional(),
  SANDBOX_VLENS_WEBHOOK_URL: z.url().optional(),
  KASHIER_WEBHOOK_SECRET: z.string().min(1).optional(),
  FAWRY_SECURE_KEY: z.string().min(1).optional(),
  SANDBOX_PUBLIC_URL: z.url().optional(),
  SANDBOX_OTP_TTL_SECONDS: positiveNumber.optional(),
  SANDBOX_MAX_OTP_ATTEMPTS: z.coerce.number().int().positive().optional(),
  SANDBOX_LOGIN_USER: z.string().min(1).optional(),
  SANDBOX_LOGIN_PASSWORD: z.string().min(1).optional(),
  SANDBOX_TENANCY: z.string().min(1).optional(),
  SANDBOX_LOG: bool.optional(),
});

/** Options from environment variables; absent or empty variables leave the default in place. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SandboxOptions> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid sandbox environment: ${detail}`);
  }
  const e = parsed.data;
  return dropUndefined({
    host: e.SANDBOX_HOST,
    port: e.SANDBOX_PORT,
    apiKey: e.SANDBOX_API_KEY,
    dialect: e.SANDBOX_DIALECT,
    tokenTtlSeconds: e.SANDBOX_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.SANDBOX_REFRESH_TOKEN_TTL_SECONDS,
    requireBearer: e.SANDBOX_REQUIRE_BEARER,
    webhookUrl: e.SANDBOX_WEBHOOK_URL,
    vlensWebhookUrl: e.SANDBOX_VLENS_WEBHOOK_URL,
    kashierWebhookSecret: e.KASHIER_WEBHOOK_SECRET,
    fawrySecureKey: e.FAWRY_SECURE_KEY,
    publicUrl: e.SANDBOX_PUBLIC_URL,
    otpTtlSeconds: e.SANDBOX_OTP_TTL_SECONDS,
    maxOtpAttempts: e.SANDBOX_MAX_OTP_ATTEMPTS,
    loginUser: e.SANDBOX_LOGIN_USER,
    loginPassword: e.SANDBOX_LOGIN_PASSWORD,
    tenancy: e.SANDBOX_TENANCY,
    log: e.SANDBOX_LOG,
  });
}

/** Defaults, then env, then explicit options (undefined in `options` means "not given"; null means "none"). */
export function resolveOptions(
  options: Partial<SandboxOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): SandboxOptions {
  return { ...DEFAULT_OPTIONS, ...optionsFromEnv(env), ...dropUndefined(options) };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
