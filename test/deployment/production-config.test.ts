// Production refuses development defaults: a worker or gateway started with NODE_ENV=production and
// nothing else configured must not quietly talk to the sandbox or accept the public dev secrets.
import { describe, expect, it } from 'vitest';
import { loadVlensConfig, VlensConfigError } from '../../activities/config';
import { GatewayConfigError, loadGatewayConfig } from '../../gateway/config';

const message = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('worker Vlens configuration in production', () => {
  it('names every missing variable instead of falling back to the sandbox', () => {
    const text = message(() => loadVlensConfig({ NODE_ENV: 'production' }));
    for (const name of [
      'VLENS_BASE_URL',
      'VLENS_API_KEY',
      'VLENS_TENANCY',
      'VLENS_USERNAME',
      'VLENS_PASSWORD',
      'VLENS_CUSTOMER_SIGNED_STATUS',
    ]) {
      expect(text).toContain(`${name}: is required when NODE_ENV=production`);
    }
    expect(() => loadVlensConfig({ NODE_ENV: 'production' })).toThrow(VlensConfigError);
  });

  it('needs no service credentials when service auth is off', () => {
    const config = loadVlensConfig({
      NODE_ENV: 'production',
      VLENS_BASE_URL: 'https://api.vlenseg.com',
      VLENS_API_KEY: 'tenant-key-1',
      VLENS_SERVICE_AUTH: 'none',
      VLENS_CUSTOMER_SIGNED_STATUS: '4',
    });
    expect(config).toMatchObject({ baseUrl: 'https://api.vlenseg.com', apiKey: 'tenant-key-1', serviceAuth: 'none' });
  });

  it("refuses the sandbox's public key and password even when set explicitly, without echoing other values", () => {
    const text = message(() =>
      loadVlensConfig({
        NODE_ENV: 'production',
        VLENS_BASE_URL: 'https://api.vlenseg.com',
        VLENS_API_KEY: 'sandbox-key',
        VLENS_TENANCY: 'acme',
        VLENS_USERNAME: 'svc',
        VLENS_PASSWORD: 'sandbox-password',
      }),
    );
    expect(text).toContain("VLENS_API_KEY: is the sandbox's public default");
    expect(text).toContain("VLENS_PASSWORD: is the sandbox's public default");
    expect(text).not.toContain('acme');
  });

  it('keeps the sandbox defaults in development', () => {
    expect(loadVlensConfig({}).baseUrl).toBe('http://127.0.0.1:4010');
  });
});

describe('gateway configuration in production', () => {
  const complete = {
    NODE_ENV: 'production',
    GATEWAY_API_KEYS: 'acme:backend:k-live-1-0123456789,acme:operator:k-live-2-0123456789',
    GATEWAY_CLIENT_SECRET_KEYS: 'client-secret-key-live-0123456789abcdef',
    KASHIER_WEBHOOK_SECRET: 'kashier-live-0123456789abcdef0123456789',
    FAWRY_SECURE_KEY: 'fawry-live-0123456789abcdef0123456789',
    VLENS_WEBHOOK_TOKEN: 'a-token-of-32-bytes-or-more-0123456789',
    REDIS_URL: 'redis://127.0.0.1:6379',
  };

  it('starts with explicit secrets, and enforces the server policy', () => {
    const config = loadGatewayConfig(complete);
    expect(config.apiKeys).toEqual(['acme:backend:k-live-1-0123456789', 'acme:operator:k-live-2-0123456789']);
    expect(config.serverPolicy.enforce).toBe(true);
  });

  it('shares its limits through Redis, unless it declares one gateway (GATEWAY_REPLICAS=1)', () => {
    const { REDIS_URL: _redis, ...withoutRedis } = complete;
    expect(message(() => loadGatewayConfig(withoutRedis))).toContain('REDIS_URL: is required when NODE_ENV=production');
    expect(message(() => loadGatewayConfig({ ...withoutRedis, GATEWAY_REPLICAS: '3' }))).toContain('REDIS_URL');
    expect(loadGatewayConfig({ ...withoutRedis, GATEWAY_REPLICAS: '1' }).redisUrl).toBeUndefined();
    expect(loadGatewayConfig(complete).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadGatewayConfig({ ...complete, GATEWAY_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
    ]);
  });

  it('names every missing secret', () => {
    const text = message(() => loadGatewayConfig({ NODE_ENV: 'production' }));
    for (const name of [
      'GATEWAY_API_KEYS',
      'GATEWAY_CLIENT_SECRET_KEYS',
      'KASHIER_WEBHOOK_SECRET',
      'FAWRY_SECURE_KEY',
      'VLENS_WEBHOOK_TOKEN',
    ]) {
      expect(text).toContain(`${name}: is required when NODE_ENV=production`);
    }
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(GatewayConfigError);
  });

  it('refuses the public development values, including dev-key among other keys', () => {
    const text = message(() =>
      loadGatewayConfig({
        ...complete,
        GATEWAY_API_KEYS: 'k-live-1,dev-key',
        KASHIER_WEBHOOK_SECRET: 'kashier-dev-secret',
        FAWRY_SECURE_KEY: 'fawry-dev-secure-key',
      }),
    );
    expect(text).toContain('GATEWAY_API_KEYS: is a public development default');
    expect(text).toContain('KASHIER_WEBHOOK_SECRET: is a public development default');
    expect(text).toContain('FAWRY_SECURE_KEY: is a public development default');
    const devSecret = message(() =>
      loadGatewayConfig({ ...complete, GATEWAY_CLIENT_SECRET_KEYS: 'dev-client-secret-key-not-for-production' }),
    );
    expect(devSecret).toContain('GATEWAY_CLIENT_SECRET_KEYS: is a public development default');
  });

  it('refuses keys without a tenant and role, short keys, short client-secret keys and unbounded policies', () => {
    const text = message(() =>
      loadGatewayConfig({
        ...complete,
        GATEWAY_API_KEYS: 'a-bare-key-of-enough-length,acme:backend:short',
        GATEWAY_CLIENT_SECRET_KEYS: 'too-short',
        ACTIVATION_POLICY_BOUNDS: 'off',
      }),
    );
    expect(text).toContain('GATEWAY_API_KEYS: entry 1 names no tenant and role');
    expect(text).toContain('GATEWAY_API_KEYS: entry 2 is shorter than 16 characters');
    expect(text).toContain('GATEWAY_CLIENT_SECRET_KEYS: key 1 is shorter than 32 characters');
    expect(text).toContain('ACTIVATION_POLICY_BOUNDS: "off" is refused when NODE_ENV=production');
    expect(text).not.toContain('a-bare-key-of-enough-length');
  });
});
