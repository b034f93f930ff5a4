// The gateway's settings, read once from env and checked, with the local defaults of docs/design.md §4a
// (127.0.0.1:3000, API key `dev-key`, state under ./.data). A typo fails start-up naming the variable.
// With NODE_ENV=production every development default is refused by name (production-config.ts).
import { loadWebhookEndpoints } from '../contract/webhook-endpoints';
import { z } from 'zod';
import { loadServerPolicy, ServerPolicyConfigError, type ServerPolicySettings } from '../contract/server-policy';
import { DEV_CLIENT_SECRET_KEY, splitKeyList } from '../contract/client-secret';
import { parseApiKeys as parseApiKeyEntries } from './keys';
import { METRICS_MODES, type MetricsMode } from './metrics';
import { BrandingConfigError, parseTenantBranding, type TenantBranding } from './page/branding';
import { productionProblems } from './production-config';

export { MIN_PRODUCTION_WEBHOOK_SECRET_BYTES } from './production-config';

export interface RateLimits {
  /** OTP submissions per activation per minute (each call, retries included). */
  otpPerActivation: number;
  /** Resend requests per activation per minute. */
  resendPerActivation: number;
  /** OTP and resend calls per API key per minute, all activations together. */
  perApiKey: number;
  /**
   * Every other mutating call (liveness, payment-completed, cancel, operator repairs) per activation per
   * minute, each route counted on its own.
   */
  mutationsPerActivation: number;
  /** Starts (and restarts) of one requestId per hour: each start of a new run sends an SMS. */
  startsPerActivationPerHour: number;
  /** Verified webhook deliveries per activation per minute (each one is a signal, an event in history). */
  webhooksPerActivation: number;
  /** Verified webhook deliveries per source address per minute. */
  webhooksPerSource: number;
  /**
   * Webhook requests per source address per minute that fail their signature or token (or are not
   * provider JSON): counted apart from verified ones, so junk never delays a valid webhook (issue 27).
   */
  unverifiedWebhooksPerSource: number;
  /** Status reads, long polls and stream opens per caller per activation per minute. */
  readsPerActivation: number;
  /** Reads (status, list, long polls, streams) per caller per minute, all activations together. */
  readsPerCaller: number;
}

export interface BodyLimits {
  /** Every JSON route except liveness. */
  small: number;
  /** Liveness: a selfie plus three face frames, base64. */
  liveness: number;
  webhooks: number;
}

export interface GatewayConfig {
  /** Tenants with an ACTIVATION_WEBHOOKS endpoint ('*' for an endpoint without a tenant). */
  webhookTenants: string[];
  host: string;
  port: number;
  /** GATEWAY_API_KEYS entries as written: `key` (development) or `tenant:role:key` (see keys.ts). */
  apiKeys: string[];
  /** HMAC keys of the apps' client secrets (contract/client-secret.ts); the first signs, all verify. */
  clientSecretKeys: string[];
  /** HMAC keys of request grants (request-grants.ts); empty: a start needs no grant. */
  requestGrantKeys: string[];
  /** The server's policy a request may only tighten (contract/server-policy.ts). */
  serverPolicy: ServerPolicySettings;
  kashierWebhookSecret: string;
  fawrySecureKey: string;
  /**
   * Vlens signs nothing; when set, its webhook must carry this shared token (`?token=` in the URL
   * registered with Vlens, or an `x-webhook-token` header).
   */
  vlensWebhookToken?: string;
  /** Where the webhook dedup record lives when no DATABASE_URL is set. */
  dataDir: string;
  databaseUrl?: string;
  logLevel: string;
  rateLimits: RateLimits;
  bodyLimits: BodyLimits;
  /** GET /metrics on the gateway's listener: on (no API key), api-key, or off. */
  metrics: MetricsMode;
  /** GET /docs and /openapi.json without a key: on in development, off in production unless GATEWAY_DOCS=on. */
  docs: boolean;
  /** Where customers reach the hosted activation page (`activationUrl` in a start's answer). */
  activationPageBaseUrl?: string;
  /** Each tenant's branding on the activation page. */
  pageBranding: Record<string, TenantBranding>;
  /**
   * GATEWAY_TRUST_PROXY: the load balancers' addresses or CIDR ranges. A request from one of them is
   * counted under the client address its X-Forwarded-For names (webhook limits per source); unset, the
   * connecting address is the source and X-Forwarded-For is ignored.
   */
  trustProxy?: string[];
  /** REDIS_URL: every replica counts its limits there (shared-counters.ts); unset, each process counts its own. */
  redisUrl?: string;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  otpPerActivation: 10,
  resendPerActivation: 5,
  perApiKey: 600,
  mutationsPerActivation: 20,
  startsPerActivationPerHour: 6,
  webhooksPerActivation: 20,
  webhooksPerSource: 600,
  unverifiedWebhooksPerSource: 60,
  readsPerActivation: 120,
  readsPerCaller: 6_000,
};

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  small: 16 * 1024,
  // 4 images of 500 KB are ~2.7 MB in base64: let them arrive, so the answer is a precise 422 rather than 413.
  liveness: 3 * 1024 * 1024,
  webhooks: 64 * 1024,
};

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

const GatewayEnv = z.object({
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  GATEWAY_API_KEYS: z.string().default('dev-key'),
  GATEWAY_CLIENT_SECRET_KEYS: z.string().default(DEV_CLIENT_SECRET_KEY),
  GATEWAY_REQUEST_GRANT_KEYS: z.string().optional(),
  KASHIER_WEBHOOK_SECRET: z.string().min(1).default('kashier-dev-secret'),
  FAWRY_SECURE_KEY: z.string().min(1).default('fawry-dev-secure-key'),
  VLENS_WEBHOOK_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GATEWAY_DATA_DIR: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.string().min(1).optional(),
  ACTIVATION_PAGE_BASE_URL: z
    .string()
    .regex(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/, 'must be an http(s) URL without query or fragment')
    .optional(),
  ACTIVATION_PAGE_TENANTS: z.string().optional(),
  GATEWAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_OTP_RATE_PER_ACTIVATION: perMinute(DEFAULT_RATE_LIMITS.otpPerActivation),
  GATEWAY_RESEND_RATE_PER_ACTIVATION: perMinute(DEFAULT_RATE_LIMITS.resendPerActivation),
  GATEWAY_RATE_PER_API_KEY: perMinute(DEFAULT_RATE_LIMITS.perApiKey),
  GATEWAY_MUTATION_RATE_PER_ACTIVATION: perMinute(DEFAULT_RATE_LIMITS.mutationsPerActivation),
  GATEWAY_START_RATE_PER_ACTIVATION_PER_HOUR: perMinute(DEFAULT_RATE_LIMITS.startsPerActivationPerHour),
  GATEWAY_WEBHOOK_RATE_PER_ACTIVATION: perMinute(DEFAULT_RATE_LIMITS.webhooksPerActivation),
  GATEWAY_WEBHOOK_RATE_PER_SOURCE: perMinute(DEFAULT_RATE_LIMITS.webhooksPerSource),
  // No defaults here: production's differ (closed unless asked), see loadGatewayConfig.
  GATEWAY_METRICS: z.enum(METRICS_MODES as [MetricsMode, ...MetricsMode[]]).optional(),
  GATEWAY_DOCS: z.enum(['on', 'off']).optional(),
  GATEWAY_UNVERIFIED_WEBHOOK_RATE_PER_SOURCE: perMinute(DEFAULT_RATE_LIMITS.unverifiedWebhooksPerSource),
  GATEWAY_READ_RATE_PER_ACTIVATION: perMinute(DEFAULT_RATE_LIMITS.readsPerActivation),
  GATEWAY_READ_RATE_PER_CALLER: perMinute(DEFAULT_RATE_LIMITS.readsPerCaller),
  GATEWAY_TRUST_PROXY: z.string().min(1).optional(),
  REDIS_URL: z.string().url().optional(),
  GATEWAY_REPLICAS: z.coerce.number().int().min(1).max(1_000).optional(),
});

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

/** The GATEWAY_API_KEYS entries as written (`key` or `tenant:role:key`). */
export function parseApiKeys(text: string): string[] {
  return splitKeyList(text);
}

/** Every problem of `env`, each naming its variable; the parsed variables when there is none. */
function checkedEnv(env: NodeJS.ProcessEnv): { e: z.output<typeof GatewayEnv>; serverPolicy: ServerPolicySettings } {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = GatewayEnv.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (env.NODE_ENV === 'production') problems.push(...productionProblems(present));
  problems.push(
    ...parseApiKeyEntries(splitKeyList(present.GATEWAY_API_KEYS ?? '')).problems.map((p) => `GATEWAY_API_KEYS: ${p}`),
  );
  let serverPolicy: ServerPolicySettings | undefined;
  try {
    serverPolicy = loadServerPolicy(env);
  } catch (error) {
    if (!(error instanceof ServerPolicyConfigError)) throw error;
    problems.push(error.message);
  }
  if (!parsed.success || problems.length || !serverPolicy) {
    throw new GatewayConfigError(`invalid gateway configuration: ${problems.join('; ')}`);
  }
  return { e: parsed.data, serverPolicy };
}

/** The variables' value, or the error of the module that reads it as a GatewayConfigError. */
function readOrRefuse<T>(read: () => T, refused: (error: unknown) => boolean): T {
  try {
    return read();
  } catch (error) {
    if (!refused(error)) throw error;
    throw new GatewayConfigError((error as Error).message);
  }
}

function rateLimitsOf(e: z.output<typeof GatewayEnv>): RateLimits {
  return {
    otpPerActivation: e.GATEWAY_OTP_RATE_PER_ACTIVATION,
    resendPerActivation: e.GATEWAY_RESEND_RATE_PER_ACTIVATION,
    perApiKey: e.GATEWAY_RATE_PER_API_KEY,
    mutationsPerActivation: e.GATEWAY_MUTATION_RATE_PER_ACTIVATION,
    startsPerActivationPerHour: e.GATEWAY_START_RATE_PER_ACTIVATION_PER_HOUR,
    webhooksPerActivation: e.GATEWAY_WEBHOOK_RATE_PER_ACTIVATION,
    webhooksPerSource: e.GATEWAY_WEBHOOK_RATE_PER_SOURCE,
    unverifiedWebhooksPerSource: e.GATEWAY_UNVERIFIED_WEBHOOK_RATE_PER_SOURCE,
    readsPerActivation: e.GATEWAY_READ_RATE_PER_ACTIVATION,
    readsPerCaller: e.GATEWAY_READ_RATE_PER_CALLER,
  };
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { e, serverPolicy } = checkedEnv(env);
  const production = env.NODE_ENV === 'production';
  const apiKeys = parseApiKeys(e.GATEWAY_API_KEYS);
  if (apiKeys.length === 0) throw new GatewayConfigError('GATEWAY_API_KEYS: at least one API key is required');
  const clientSecretKeys = splitKeyList(e.GATEWAY_CLIENT_SECRET_KEYS);
  if (clientSecretKeys.length === 0)
    throw new GatewayConfigError('GATEWAY_CLIENT_SECRET_KEYS: at least one key is required');
  const pageBranding = readOrRefuse(
    () => parseTenantBranding(e.ACTIVATION_PAGE_TENANTS),
    (error) => error instanceof BrandingConfigError,
  );
  // The same list the worker delivers to (contract/webhook-endpoints.ts); the gateway only needs the tenants.
  const webhookTenants = readOrRefuse(
    () => loadWebhookEndpoints(env).map((endpoint) => endpoint.tenant ?? '*'),
    () => true,
  );
  return {
    webhookTenants,
    host: e.GATEWAY_HOST,
    port: e.GATEWAY_PORT,
    apiKeys,
    clientSecretKeys,
    requestGrantKeys: splitKeyList(e.GATEWAY_REQUEST_GRANT_KEYS ?? ''),
    serverPolicy,
    kashierWebhookSecret: e.KASHIER_WEBHOOK_SECRET,
    fawrySecureKey: e.FAWRY_SECURE_KEY,
    // The project's one state folder unless the gateway is given its own.
    dataDir: e.GATEWAY_DATA_DIR ?? e.DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    logLevel: e.GATEWAY_LOG_LEVEL,
    rateLimits: rateLimitsOf(e),
    ...(e.GATEWAY_TRUST_PROXY ? { trustProxy: splitKeyList(e.GATEWAY_TRUST_PROXY) } : {}),
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    bodyLimits: DEFAULT_BODY_LIMITS,
    // Production keeps what describes the service closed unless a setting opens it (issue 27).
    metrics: e.GATEWAY_METRICS ?? (production ? 'api-key' : 'on'),
    docs: (e.GATEWAY_DOCS ?? (production ? 'off' : 'on')) === 'on',
    ...(e.ACTIVATION_PAGE_BASE_URL ? { activationPageBaseUrl: e.ACTIVATION_PAGE_BASE_URL } : {}),
    pageBranding,
  };
}
