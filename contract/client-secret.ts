// Client secrets for apps (issue 12, the Stripe PaymentIntent model): the backend starts an activation
// with its API key and hands the app a `clientSecret` that can only drive the app's steps (OTP, resend,
// liveness, its own status) of that one activation. A phone never holds the tenant's key.
//
// Why stateless (an HMAC, not a random token kept in a table):
// - nothing secret is stored anywhere: not in a database, not in workflow history (history is readable
//   by anyone with Temporal access and by the codec server's users), so a leaked backup or history
//   export yields no usable secret; the only secret is GATEWAY_CLIENT_SECRET_KEYS in the gateway's env;
// - any gateway behind a load balancer verifies it without shared state, and verification costs no
//   Temporal call;
// - the MAC covers (workflow id, tenant, expiry), so a secret works for exactly one activation, one
//   tenant and a bounded time: changing any of them breaks the MAC. It expires with the activation's
//   maximum life (policy deadline + late-payment window, see contract/server-policy.ts), after which the
//   workflow accepts nothing from an app anyway. A backend that needs a fresh one (an operator extended
//   the deadline) calls POST /v1/activations again: it is idempotent and issues a new secret.
// - rotation: several keys may be configured; the first signs, every one verifies.
// The trade-off is that a single secret cannot be revoked before it expires; cancelling the activation
// ends what it can do, and rotating the key revokes all of them.
// In the contract because two parts issue them: the gateway (gateway/routes/backends.ts, which also verifies
// them in gateway/auth.ts) and the CLI's `start` (client/activation-link.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TENANT_NAME } from './tenants';
import { workflowIdFor } from './types';

export const CLIENT_SECRET_PREFIX = 'vcs1';
/** The public development key: production refuses it (gateway/config.ts). */
export const DEV_CLIENT_SECRET_KEY = 'dev-client-secret-key-not-for-production';
/** A server key shorter than this is guessable; gateway/config.ts refuses it in production. */
export const MIN_CLIENT_SECRET_KEY_CHARS = 32;

const TOKEN = new RegExp(
  `^${CLIENT_SECRET_PREFIX}\\.(${TENANT_NAME.source.slice(1, -1)})\\.([0-9]{10,13})\\.([A-Za-z0-9_-]{43})$`,
);

export interface IssuedClientSecret {
  clientSecret: string;
  expiresAt: string;
}

export interface VerifiedClientSecret {
  tenant: string;
  requestId: string;
  expiresAt: number;
}

export type ClientSecretVerdict =
  { ok: true; secret: VerifiedClientSecret } | { ok: false; reason: 'malformed' | 'mismatch' | 'expired' };

export interface ClientSecrets {
  issue(requestId: string, tenant: string, lifetimeMs: number, now?: number): IssuedClientSecret;
  /** Checks a presented secret against the activation named in the URL. */
  verify(presented: string, requestId: string, now?: number): ClientSecretVerdict;
}

export function looksLikeClientSecret(token: string): boolean {
  return token.startsWith(`${CLIENT_SECRET_PREFIX}.`);
}

function mac(key: string, requestId: string, tenant: string, expiresAtSeconds: string): Buffer {
  // The workflow id, not the raw path segment: requestIds are lowercased before they name a workflow,
  // so `81F4…` and `81f4…` are the same activation here too.
  return createHmac('sha256', key)
    .update(
      `${CLIENT_SECRET_PREFIX}\n${workflowIdFor(requestId.toLowerCase())}\n${tenant}\n${expiresAtSeconds}`,
      'utf8',
    )
    .digest();
}

export function createClientSecrets(keys: readonly string[]): ClientSecrets {
  const [signing] = keys;
  if (!signing) throw new Error('at least one client-secret key is required');
  return {
    issue(requestId, tenant, lifetimeMs, now = Date.now()) {
      const expiresAtSeconds = String(Math.ceil((now + lifetimeMs) / 1000));
      const signature = mac(signing, requestId, tenant, expiresAtSeconds).toString('base64url');
      return {
        clientSecret: `${CLIENT_SECRET_PREFIX}.${tenant}.${expiresAtSeconds}.${signature}`,
        expiresAt: new Date(Number(expiresAtSeconds) * 1000).toISOString(),
      };
    },
    verify(presented, requestId, now = Date.now()) {
      const match = TOKEN.exec(presented);
      if (!match) return { ok: false, reason: 'malformed' };
      const [, tenant = '', expiresAtSeconds = '', signature = ''] = match;
      const given = Buffer.from(signature, 'base64url');
      // Every key is compared, in constant time, whatever matched first: timing says nothing about
      // which key or how many bytes were right.
      let matched = false;
      for (const key of keys) {
        const expected = mac(key, requestId, tenant, expiresAtSeconds);
        if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
      }
      if (!matched) return { ok: false, reason: 'mismatch' };
      const expiresAt = Number(expiresAtSeconds) * 1000;
      if (expiresAt <= now) return { ok: false, reason: 'expired' };
      return { ok: true, secret: { tenant, requestId: requestId.toLowerCase(), expiresAt } };
    },
  };
}

/**
 * A comma-separated list from the environment, trimmed, empty entries dropped: GATEWAY_CLIENT_SECRET_KEYS
 * (the signing key first), and the gateway's GATEWAY_API_KEYS, grant keys and trusted proxies.
 */
export function splitKeyList(text: string): string[] {
  return text
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}

/**
 * The link a backend sends its customer (issue 26): the hosted page, with the client secret in the URL
 * fragment, which a browser never sends to any server, so no proxy or access log holds it (page/session.ts
 * reads it and removes it from the address bar). POST /v1/activations and the CLI's `start` answer it.
 */
export function activationUrl(baseUrl: string, requestId: string, clientSecret: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/activate/${requestId}#cs=${encodeURIComponent(clientSecret)}`;
}
