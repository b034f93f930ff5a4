// What NODE_ENV=production refuses in the gateway's settings (config.ts): every development default by
// name, API keys without a tenant and role or too short, guessable secrets, a missing Vlens webhook token,
// limits counted per replica, webhook endpoints of unknown tenants, and starts without request grants once
// several tenants share the Vlens account. Problems name the variable and the entry, never a secret's value.
import { loadWebhookEndpoints } from '../contract/webhook-endpoints';
import { DEV_CLIENT_SECRET_KEY, MIN_CLIENT_SECRET_KEY_CHARS, splitKeyList } from '../contract/client-secret';
import { parseApiKeys as parseApiKeyEntries } from './keys';
import { MIN_REQUEST_GRANT_KEY_CHARS } from './request-grants';

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
export function productionProblems(present: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [name, devValue] of Object.entries(DEVELOPMENT_SECRETS)) {
    const value = present[name];
    if (value === undefined) problems.push(`${name}: is required when NODE_ENV=production`);
    else if (
      value === devValue ||
      splitKeyList(value).some((entry) => entry === devValue || entry.endsWith(`:${devValue}`))
    ) {
      problems.push(`${name}: is a public development default, refused when NODE_ENV=production`);
    }
  }
  const keys = parseApiKeyEntries(splitKeyList(present.GATEWAY_API_KEYS ?? '')).keys;
  keys.forEach((key, i) => {
    if (!key.explicit)
      problems.push(
        `GATEWAY_API_KEYS: entry ${i + 1} names no tenant and role; write tenant:role:key (role backend, operator or read-only)`,
      );
    else if (key.key.length < MIN_PRODUCTION_API_KEY_CHARS)
      problems.push(`GATEWAY_API_KEYS: entry ${i + 1} is shorter than ${MIN_PRODUCTION_API_KEY_CHARS} characters`);
  });
  splitKeyList(present.GATEWAY_CLIENT_SECRET_KEYS ?? '').forEach((key, i) => {
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
  const grantKeys = splitKeyList(present.GATEWAY_REQUEST_GRANT_KEYS ?? '');
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
