// Request grants (gateway/request-grants.ts) and the production rule that requires them once
// backend keys of more than one tenant share the Vlens account (gateway/config.ts).
import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, loadGatewayConfig } from '../../gateway/config';
import { createRequestGrants } from '../../gateway/request-grants';

const KEY = 'request-grant-key-of-the-platform-0123456789';

describe('request grants', () => {
  const grants = createRequestGrants([KEY]);
  const requestId = randomUUID();

  it('grant one requestId to one tenant, by the formula the platform computes in any language', () => {
    const formula = `vrg1.${createHmac('sha256', KEY).update(`vrg1\nactivation-${requestId}\nacme`).digest('base64url')}`;
    expect(grants.issue(requestId, 'acme')).toBe(formula);
    expect(grants.verify(formula, requestId, 'acme')).toBe(true);
    // The same request upper-cased is the same activation.
    expect(grants.verify(formula, requestId.toUpperCase(), 'acme')).toBe(true);
  });

  it('refuse another tenant, another request, another key, and anything malformed', () => {
    const granted = grants.issue(requestId, 'acme');
    expect(grants.verify(granted, requestId, 'globex')).toBe(false);
    expect(grants.verify(granted, randomUUID(), 'acme')).toBe(false);
    expect(createRequestGrants(['another-key-0123456789-0123456789']).verify(granted, requestId, 'acme')).toBe(false);
    for (const bad of [undefined, '', 'vrg1.', `${granted}x`, granted.replace('vrg1', 'vrg2'), granted.slice(5)])
      expect(grants.verify(bad, requestId, 'acme')).toBe(false);
  });

  it('rotate: the first key signs, every key verifies', () => {
    const old = createRequestGrants(['old-key-0123456789-0123456789-0123']).issue(requestId, 'acme');
    const rotated = createRequestGrants([KEY, 'old-key-0123456789-0123456789-0123']);
    expect(rotated.verify(old, requestId, 'acme')).toBe(true);
    expect(rotated.issue(requestId, 'acme')).toBe(grants.issue(requestId, 'acme'));
  });
});

describe('gateway configuration: request grants in production', () => {
  const production = {
    NODE_ENV: 'production',
    GATEWAY_CLIENT_SECRET_KEYS: 'client-secret-key-live-0123456789abcdef',
    KASHIER_WEBHOOK_SECRET: 'kashier-live-0123456789abcdef0123456789',
    FAWRY_SECURE_KEY: 'fawry-live-0123456789abcdef0123456789',
    VLENS_WEBHOOK_TOKEN: 'a-token-of-32-bytes-or-more-0123456789',
    // The only gateway: production otherwise requires REDIS_URL for limits shared across replicas.
    GATEWAY_REPLICAS: '1',
  };
  const twoTenants = 'acme:backend:k-live-1-0123456789,globex:backend:k-live-2-0123456789';
  const refusal = (env: Record<string, string>) => {
    try {
      loadGatewayConfig(env);
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayConfigError);
      return (error as Error).message;
    }
  };

  it('refuses backend keys of two tenants without grant keys, and short grant keys', () => {
    expect(refusal({ ...production, GATEWAY_API_KEYS: twoTenants })).toContain('GATEWAY_REQUEST_GRANT_KEYS');
    expect(refusal({ ...production, GATEWAY_API_KEYS: twoTenants, GATEWAY_REQUEST_GRANT_KEYS: 'short' })).toContain(
      'GATEWAY_REQUEST_GRANT_KEYS: key 1 is shorter than 32 characters',
    );
  });

  it('accepts one tenant without grants, and two with a grant key', () => {
    expect(refusal({ ...production, GATEWAY_API_KEYS: 'acme:backend:k-live-1-0123456789' })).toBe('');
    const config = loadGatewayConfig({ ...production, GATEWAY_API_KEYS: twoTenants, GATEWAY_REQUEST_GRANT_KEYS: KEY });
    expect(config.requestGrantKeys).toEqual([KEY]);
  });
});
