// Request grants (issue 27): which tenant may activate which business request. Today one Vlens account
// serves every tenant, so Vlens cannot say whose a requestId is, and "the first start owns it" lets a
// tenant that learns another's requestId start it first: the customer gets an SMS and the rightful tenant
// is locked out. Whoever creates business requests in that Vlens account (the platform, not a tenant)
// therefore grants each requestId to one tenant, and with GATEWAY_REQUEST_GRANT_KEYS set a start must
// carry the grant (header `Request-Grant`). Squatting is refused before anything reaches Temporal, not
// merely raced.
//
// A grant is an HMAC-SHA256 over (workflow id, tenant) under a key only the platform and the gateways hold,
// like the apps' client secrets (contract/client-secret.ts): nothing is stored, every gateway verifies it without a
// database, and a grant is useless to any other tenant or request, so it is not a secret worth hiding.
// It does not expire: a request's owner does not change. Rotation: the first key signs, every key verifies.
// The platform may compute grants in any language:
//   vrg1.<base64url(HMAC-SHA256(key, "vrg1\nactivation-<lowercase requestId>\n<tenant>"))>
import { createHmac, timingSafeEqual } from 'node:crypto';
import { workflowIdFor } from '../contract/types';

export const REQUEST_GRANT_PREFIX = 'vrg1';
export const REQUEST_GRANT_HEADER = 'request-grant';
/** A key shorter than this is guessable; config.ts refuses it in production. */
export const MIN_REQUEST_GRANT_KEY_CHARS = 32;

const GRANT = new RegExp(`^${REQUEST_GRANT_PREFIX}\\.([A-Za-z0-9_-]{43})$`);

export interface RequestGrants {
  /** The grant that lets `tenant` start `requestId`. */
  issue(requestId: string, tenant: string): string;
  /** Whether `presented` grants `requestId` to `tenant`. */
  verify(presented: string | undefined, requestId: string, tenant: string): boolean;
}

function mac(key: string, requestId: string, tenant: string): Buffer {
  return createHmac('sha256', key)
    .update(`${REQUEST_GRANT_PREFIX}\n${workflowIdFor(requestId.toLowerCase())}\n${tenant}`, 'utf8')
    .digest();
}

export function createRequestGrants(keys: readonly string[]): RequestGrants {
  const [signing] = keys;
  if (!signing) throw new Error('at least one request-grant key is required');
  return {
    issue: (requestId, tenant) => `${REQUEST_GRANT_PREFIX}.${mac(signing, requestId, tenant).toString('base64url')}`,
    verify(presented, requestId, tenant) {
      const match = presented === undefined ? null : GRANT.exec(presented);
      if (!match) return false;
      const signature = Buffer.from(match[1]!, 'base64url');
      // Every key is tried, so the time taken does not say which one (or whether any) matched.
      let valid = false;
      for (const key of keys) {
        const expected = mac(key, requestId, tenant);
        if (expected.length === signature.length && timingSafeEqual(expected, signature)) valid = true;
      }
      return valid;
    },
  };
}
