// The gateway's settings, read once from env and checked, with the local defaults of docs/design.md §4a
// (127.0.0.1:3000, API key `dev-key`, state under ./.data). A typo fails start-up naming the variable.
// With NODE_ENV=production every development default is refused by name (productionProblems).
import { loadWebhookEndpoints } from '../activities/webhook-activities';
import { z } from 'zod';
import { loadServerPolicy, ServerPolicyConfigError, type ServerPolicySettings } from '../client/server-policy';
import { DEV_CLIENT_SECRET_KEY, MIN_CLIENT_SECRET_KEY_CHARS } from './client-secret';
import { MIN_REQUEST_GRANT_KEY_CHARS } from './request-grants';
import { parseApiKeys as parseApiKeyEntries, splitApiKeys } from './keys';
import { METRICS_MODES, type MetricsMode } from './metrics';
import { BrandingConfigError, parseTenantBranding, type TenantBranding } from './page/branding';

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
  /** HMAC keys of the apps' client secrets (client-secret.ts); the first signs, all verify. */
  clientSecretKeys: string[];
  /** HMAC keys of request grants (request-grants.ts); empty: a start needs no grant. */
  requestGrantKeys: string[];
  /** The server's policy a request may only tighten (client/server-policy.ts). */
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
  return splitApiKeys(text);
}

/** The public development defaults: anyone can read them here, so production refuses them. */
const DEVELOPMENT_SECRETS: Record<string, string> = {
  GATEWAY_API_KEYS: 'dev-key',
  GATEWAY_CLIENT_SECRET_KEYS: DEV_CLIENT_SECRET_KEY,
  KASHIER_WEBHOOK_SECRET: 'kashier-dev-secret',
  FAWRY_SECURE_KEY: 'fawry-dev-secure-key',
};

/** Long enough that guessing is hopeless even without rate limiting (as codec/codec-server-config.ts). */
const MIN_PRODUCTION_API_KEY_CHARS = 16;
/** A provider's webhook signing secret: 256 bits, the HMAC-SHA256 key size. */
export const MIN_PRODUCTION_WEBHOOK_SECRET_BYTES = 32;

/**
 * With NODE_ENV=production every secret must be set explicitly and none may be a development default;
 * every API key names its tenant and role and is long enough; the Vlens webhook, which Vlens does not
 * sign, must carry a token. Problems name the variable and the entry, never a secret's value.
 */
function productionProblems(present: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [name, devValue] of Object.entries(DEVELOPMENT_SECRETS)) {
    const value = present[name];
    if (value === undefined) problems.push(`${name}: is required when NODE_ENV=production`);
    else if (
      value === devValue ||
      splitApiKeys(value).some((entry) => entry === devValue || entry.endsWith(`:${devValue}`))
    ) {
      problems.push(`${name}: is a public development default, refused when NODE_ENV=production`);
    }
  }
  const keys = parseApiKeyEntries(splitApiKeys(present.GATEWAY_API_KEYS ?? '')).keys;
  keys.forEach((key, i) => {
    if (!key.explicit)
      problems.push(
        `GATEWAY_API_KEYS: entry ${i + 1} names no tenant and role; write tenant:role:key (role backend, operator or read-only)`,
      );
    else if (key.key.length < MIN_PRODUCTION_API_KEY_CHARS)
      problems.push(`GATEWAY_API_KEYS: entry ${i + 1} is shorter than ${MIN_PRODUCTION_API_KEY_CHARS} characters`);
  });
  splitApiKeys(present.GATEWAY_CLIENT_SECRET_KEYS ?? '').forEach((key, i) => {
    if (key !== DEV_CLIENT_SECRET_KEY && key.length < MIN_CLIENT_SECRET_KEY_CHARS) {
      problems.push(
        `GATEWAY_CLIENT_SECRET_KEYS: key ${i + 1} is shorter than ${MIN_CLIENT_SECRET_KEY_CHARS} characters (e.g. openssl rand -base64 48)`,
      );
    }
  });
  problems.push(...requestGrantProblems(present, keys));
  if (present.VLENS_WEBHOOK_TOKEN === undefined)
    problems.push('VLENS_WEBHOOK_TOKEN: is required when NODE_ENV=production');
  // Limits counted per process double with every replica (issue 23): production shares them through Redis
  // unless it declares that it runs one gateway.
  if (present.REDIS_URL === undefined && present.GATEWAY_REPLICAS !== '1')
    problems.push(
      'REDIS_URL: is required when NODE_ENV=production, so every gateway replica counts the same limits; a single gateway declares GATEWAY_REPLICAS=1 instead',
    );
  for (const name of ['KASHIER_WEBHOOK_SECRET', 'FAWRY_SECURE_KEY', 'VLENS_WEBHOOK_TOKEN']) {
    const value = present[name];
    if (value !== undefined && Buffer.byteLength(value, 'utf8') < MIN_PRODUCTION_WEBHOOK_SECRET_BYTES)
      problems.push(
        `${name}: is shorter than ${MIN_PRODUCTION_WEBHOOK_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)`,
      );
  }
  problems.push(...webhookTenantProblems(present, keys));
  return problems;
}

/**
 * Production: every ACTIVATION_WEBHOOKS endpoint names a tenant that a GATEWAY_API_KEYS entry names, so a
 * typo does not silently send nothing, and an endpoint without a tenant (every tenant's statuses to one
 * receiver) is refused once keys name more than one tenant.
 */
function webhookTenantProblems(
  present: Record<string, string | undefined>,
  keys: ReturnType<typeof parseApiKeyEntries>['keys'],
): string[] {
  let endpoints: { tenant?: string }[];
  try {
    endpoints = loadWebhookEndpoints(present);
  } catch {
    return []; // reported with its own message below
  }
  const tenants = new Set(keys.filter((key) => key.explicit && key.tenant !== '*').map((key) => key.tenant));
  const problems: string[] = [];
  endpoints.forEach((endpoint, i) => {
    if (endpoint.tenant === undefined) {
      if (tenants.size > 1)
        problems.push(
          `ACTIVATION_WEBHOOKS: endpoint ${i + 1} names no tenant, so it would hear every tenant's activations; name one`,
        );
    } else if (!tenants.has(endpoint.tenant)) {
      problems.push(`ACTIVATION_WEBHOOKS: endpoint ${i + 1} names tenant "${endpoint.tenant}", which no API key has`);
    }
  });
  return problems;
}

/**
 * Production: request grants (request-grants.ts) are required once backend keys of more than one tenant can
 * start activations, since one Vlens account serves them all and without grants the first start of a
 * requestId owns it, whoever's it is (issue 27); and their keys must not be guessable.
 */
function requestGrantProblems(
  present: Record<string, string | undefined>,
  keys: ReturnType<typeof parseApiKeyEntries>['keys'],
): string[] {
  const grantKeys = splitApiKeys(present.GATEWAY_REQUEST_GRANT_KEYS ?? '');
  const problems = grantKeys.flatMap((key, i) =>
    key.length < MIN_REQUEST_GRANT_KEY_CHARS
      ? [
          `GATEWAY_REQUEST_GRANT_KEYS: key ${i + 1} is shorter than ${MIN_REQUEST_GRANT_KEY_CHARS} characters (e.g. openssl rand -base64 48)`,
        ]
      : [],
  );
  const starters = new Set(keys.filter((key) => key.explicit && key.role === 'backend').map((key) => key.tenant));
  if (starters.size > 1 && grantKeys.length === 0)
    problems.push(
      `GATEWAY_REQUEST_GRANT_KEYS: backend keys of ${starters.size} tenants share one Vlens account, so a start must prove its requestId is the tenant's; set the keys request grants are signed with`,
    );
  return problems;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = GatewayEnv.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (env.NODE_ENV === 'production') problems.push(...productionProblems(present));
  problems.push(
    ...parseApiKeyEntries(splitApiKeys(present.GATEWAY_API_KEYS ?? '')).problems.map((p) => `GATEWAY_API_KEYS: ${p}`),
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
  const e = parsed.data;
  const production = env.NODE_ENV === 'production';
  const apiKeys = parseApiKeys(e.GATEWAY_API_KEYS);
  if (apiKeys.length === 0) throw new GatewayConfigError('GATEWAY_API_KEYS: at least one API key is required');
  const clientSecretKeys = splitApiKeys(e.GATEWAY_CLIENT_SECRET_KEYS);
  if (clientSecretKeys.length === 0)
    throw new GatewayConfigError('GATEWAY_CLIENT_SECRET_KEYS: at least one key is required');
  let pageBranding: Record<string, TenantBranding> = {};
  try {
    pageBranding = parseTenantBranding(e.ACTIVATION_PAGE_TENANTS);
  } catch (error) {
    if (!(error instanceof BrandingConfigError)) throw error;
    throw new GatewayConfigError(error.message);
  }
  let webhookTenants: string[] = [];
  try {
    // The same list the worker delivers to (activities/webhook-activities.ts); the gateway only needs the tenants.
    webhookTenants = loadWebhookEndpoints(env).map((endpoint) => endpoint.tenant ?? '*');
  } catch (error) {
    throw new GatewayConfigError((error as Error).message);
  }
  return {
    webhookTenants,
    host: e.GATEWAY_HOST,
    port: e.GATEWAY_PORT,
    apiKeys,
    clientSecretKeys,
    requestGrantKeys: splitApiKeys(e.GATEWAY_REQUEST_GRANT_KEYS ?? ''),
    serverPolicy,
    kashierWebhookSecret: e.KASHIER_WEBHOOK_SECRET,
    fawrySecureKey: e.FAWRY_SECURE_KEY,
    // The project's one state folder unless the gateway is given its own.
    dataDir: e.GATEWAY_DATA_DIR ?? e.DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    logLevel: e.GATEWAY_LOG_LEVEL,
    rateLimits: {
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
    },
    ...(e.GATEWAY_TRUST_PROXY ? { trustProxy: splitApiKeys(e.GATEWAY_TRUST_PROXY) } : {}),
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    bodyLimits: DEFAULT_BODY_LIMITS,
    // Production keeps what describes the service closed unless a setting opens it (issue 27).
    metrics: e.GATEWAY_METRICS ?? (production ? 'api-key' : 'on'),
    docs: (e.GATEWAY_DOCS ?? (production ? 'off' : 'on')) === 'on',
    ...(e.ACTIVATION_PAGE_BASE_URL ? { activationPageBaseUrl: e.ACTIVATION_PAGE_BASE_URL } : {}),
    pageBranding,
  };
}
