// Who is calling, and may they use this route (issue 12). Two kinds of caller:
// - an API key (`Authorization: Bearer <key>`, keys from GATEWAY_API_KEYS, see keys.ts): a tenant and a
//   role. Keys are compared as SHA-256 digests with crypto.timingSafeEqual, and every configured key is
//   always compared, so neither a key's length nor its position leaks through response timing;
// - an app's client secret (`Authorization: Bearer vcs1.…`, see contract/client-secret.ts): one activation's app
//   steps only, checked against the requestId in the URL.
// Each route declares who may call it (`config.access`); the tenant of the activation it names is
// checked later, in the handler (access.ts), because that needs Temporal.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../contract/tenants';
import { looksLikeClientSecret, type ClientSecrets } from '../contract/client-secret';
import { GatewayError } from './http-errors';
import { parseApiKeys } from './keys';

export type Principal =
  | {
      kind: 'api-key';
      /** A short, non-secret name of the key (for logs, limits and idempotency scopes). */
      id: string;
      tenant: string;
      role: Role;
      /** An operator or read-only key configured for every tenant (`*`). */
      allTenants: boolean;
    }
  | {
      kind: 'client-secret';
      id: string;
      tenant: string;
      /** The one activation (lowercase requestId) this secret may touch. */
      requestId: string;
    };

/** What a route allows; routes without it are open (health, webhooks). */
export interface RouteAccess {
  roles: readonly Role[];
  /** The app's client secret may call it (for the activation in the URL only). */
  clientSecret?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (set by requireAuth). */
    principal?: Principal;
    /** Kept for log lines and older code: the API key's id, or the client secret's. */
    apiKeyId?: string;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export interface ApiKeyChecker {
  /** The caller when the header carries a configured key, else undefined. */
  identify(authorization: string | undefined): Extract<Principal, { kind: 'api-key' }> | undefined;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}

/** Entries in the GATEWAY_API_KEYS format (`key` or `tenant:role:key`); throws on a malformed entry. */
export function createApiKeyChecker(entries: readonly string[]): ApiKeyChecker {
  const { keys, problems } = parseApiKeys(entries);
  if (problems.length) throw new Error(`invalid API keys: ${problems.join('; ')}`);
  const known = keys.map((spec) => {
    const digest = sha256(spec.key);
    return {
      digest,
      principal: {
        kind: 'api-key' as const,
        id: `key-${digest.subarray(0, 4).toString('hex')}`,
        tenant: spec.tenant,
        role: spec.role,
        allTenants: spec.allTenants,
      },
    };
  });
  return {
    identify(authorization) {
      const token = bearerToken(authorization);
      const given = sha256(token ?? '');
      let found: Extract<Principal, { kind: 'api-key' }> | undefined;
      for (const key of known) {
        if (timingSafeEqual(given, key.digest) && token !== undefined) found ??= key.principal;
      }
      return found;
    },
  };
}

const unauthorized = (message: string) =>
  new GatewayError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer' });

function describeRoles(roles: readonly Role[]): string {
  return roles.length ? roles.join(' or ') : 'no API key';
}

/**
 * onRequest hook for every authenticated route: identifies the caller and checks the route's `access`.
 * A role that may not use the route is 403 (that says nothing about any activation); whether the
 * activation belongs to the caller's tenant is decided later and answered 404 (access.ts).
 */
export function requireAuth(apiKeys: ApiKeyChecker, clientSecrets?: ClientSecrets) {
  return async (request: FastifyRequest): Promise<void> => {
    const access = request.routeOptions.config.access;
    refuseCredentialInUrl(request);
    const authorization = request.headers.authorization;
    const token = bearerToken(authorization);
    if (token !== undefined && clientSecrets && looksLikeClientSecret(token)) {
      if (!access?.clientSecret) {
        throw new GatewayError(
          403,
          'forbidden',
          'a client secret can only submit the OTP, resend it, submit liveness and read its own status',
        );
      }
      const requestId = String((request.params as { requestId?: unknown }).requestId ?? '');
      const verdict = clientSecrets.verify(token, requestId);
      if (!verdict.ok) {
        throw unauthorized(
          verdict.reason === 'expired'
            ? 'the client secret has expired'
            : 'the client secret is not valid for this activation',
        );
      }
      request.principal = {
        kind: 'client-secret',
        id: `cs-${verdict.secret.requestId}`,
        tenant: verdict.secret.tenant,
        requestId: verdict.secret.requestId,
      };
      request.apiKeyId = request.principal.id;
      return;
    }
    const principal = apiKeys.identify(authorization);
    if (!principal) throw unauthorized('missing or invalid API key: send Authorization: Bearer <key>');
    if (access && !access.roles.includes(principal.role)) {
      throw new GatewayError(
        403,
        'forbidden',
        `a ${principal.role} key cannot use this route (it needs ${describeRoles(access.roles)})`,
      );
    }
    request.principal = principal;
    request.apiKeyId = principal.id;
  };
}

/** The caller requireAuth identified; a route behind it always has one (401 otherwise). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new GatewayError(401, 'unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
  return request.principal;
}

/**
 * A credential in the URL is refused, also beside a valid header: a proxy or load balancer in front of the
 * gateway logs URLs, so a secret there has already leaked, and accepting it would let the caller go on
 * leaking it. The event stream once took `?access_token=` for EventSource, which cannot send headers; the
 * activation page reads the stream with fetch instead (page/events.ts), as an app in a browser can.
 */
function refuseCredentialInUrl(request: FastifyRequest): void {
  const query = request.query;
  if (query === null || typeof query !== 'object') return;
  if (Object.keys(query).some((name) => name.toLowerCase() === 'access_token')) {
    throw unauthorized(
      'a credential in the URL is refused (proxies log URLs): send it as Authorization: Bearer <token>, ' +
        'and read the event stream with fetch, which can send that header',
    );
  }
}

/** The API key check alone (GET /metrics in `api-key` mode): any role, never a client secret. */
export function requireApiKey(checker: ApiKeyChecker) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = checker.identify(request.headers.authorization);
    if (!principal) throw unauthorized('missing or invalid API key: send Authorization: Bearer <key>');
    request.principal = principal;
    request.apiKeyId = principal.id;
  };
}
