// Issue 27 item 8 (the refusals) as attacks on the real process entries: each is started as production
// starts it (`node dist/...` runs the same main files; here through tsx), with the setting an attacker
// would exploit, and must either refuse to start, naming the variable, or keep the door closed.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startProcess, startupRefusal, type RunningProcess } from './processes';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const CODEC_KEYS = `k1:${randomBytes(32).toString('base64')}`;

/** A gateway configuration production accepts: every secret explicit, long, tenant:role:key entries. */
const PRODUCTION_GATEWAY = {
  NODE_ENV: 'production',
  CODEC_KEYS,
  GATEWAY_API_KEYS: `acme:backend:${hex(16)},globex:backend:${hex(16)}`,
  GATEWAY_CLIENT_SECRET_KEYS: hex(32),
  KASHIER_WEBHOOK_SECRET: hex(32),
  FAWRY_SECURE_KEY: hex(32),
  VLENS_WEBHOOK_TOKEN: hex(32),
  // Two tenants share the Vlens account: starts must carry a request grant (docs/gateway.md).
  GATEWAY_REQUEST_GRANT_KEYS: hex(32),
  // One gateway: it counts its own limits (otherwise production needs REDIS_URL, docs/production.md).
  GATEWAY_REPLICAS: '1',
};

describe('security: production keeps /metrics, /docs and /openapi.json closed unless a setting opens them', () => {
  const running: RunningProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
  });

  it('a production gateway answers 401 on /metrics and 404 on /docs and /openapi.json', async () => {
    const gateway = await startProcess('gateway', PRODUCTION_GATEWAY);
    running.push(gateway);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/docs`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/openapi.json`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/healthz`)).status).not.toBe(404); // the process does answer
  });

  it('GATEWAY_METRICS=on and GATEWAY_DOCS=on open them on purpose', async () => {
    const gateway = await startProcess('gateway', { ...PRODUCTION_GATEWAY, GATEWAY_METRICS: 'on', GATEWAY_DOCS: 'on' });
    running.push(gateway);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/openapi.json`)).status).toBe(200);
  });
});

describe('security: production refuses to start with weak or meaningless settings', () => {
  it('gateway: 1-byte Kashier/Fawry secrets and webhook endpoints that name no tenant', async () => {
    const { code, output } = await startupRefusal('gateway', {
      ...PRODUCTION_GATEWAY,
      KASHIER_WEBHOOK_SECRET: 'k',
      FAWRY_SECURE_KEY: 'f',
      ACTIVATION_WEBHOOKS: JSON.stringify([
        { tenant: 'ghost', url: 'https://hooks.example.com/a', secrets: [hex(32)] },
        { url: 'https://hooks.example.com/b', secrets: [hex(32)] },
      ]),
    });
    expect(code).not.toBe(0);
    for (const expected of [
      'KASHIER_WEBHOOK_SECRET: is shorter than 32 bytes',
      'FAWRY_SECURE_KEY: is shorter than 32 bytes',
      'ACTIVATION_WEBHOOKS: endpoint 1 names tenant "ghost", which no API key has',
      "ACTIVATION_WEBHOOKS: endpoint 2 names no tenant, so it would hear every tenant's activations",
    ]) {
      expect(output).toContain(expected);
    }
    expect(output).not.toContain('listening');
  });

  it('worker: an http VLENS_BASE_URL and webhook secrets under 32 bytes', async () => {
    const vlens = {
      NODE_ENV: 'production',
      CODEC_KEYS,
      VLENS_API_KEY: hex(16),
      VLENS_TENANCY: 'acme',
      VLENS_USERNAME: 'svc',
      VLENS_PASSWORD: hex(16),
      VLENS_CUSTOMER_SIGNED_STATUS: '3',
    };
    const plain = await startupRefusal('worker', { ...vlens, VLENS_BASE_URL: 'http://vlens.example.com' });
    expect(plain.code).toBe(78);
    expect(plain.output).toContain('VLENS_BASE_URL: must be https when NODE_ENV=production');
    const weak = await startupRefusal('worker', {
      ...vlens,
      VLENS_BASE_URL: 'https://vlens.example.com',
      ACTIVATION_WEBHOOKS: JSON.stringify([
        { tenant: 'acme', url: 'https://hooks.example.com/a', secrets: ['sixteen-chars-ok'] },
      ]),
    });
    expect(weak.code).toBe(78);
    expect(weak.output).toContain('production signs with secrets of at least 32 bytes');
  });

  it('codec server: auth off with real keys is refused whatever NODE_ENV says', async () => {
    for (const nodeEnv of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }] as Record<string, string>[]) {
      const { code, output } = await startupRefusal('codec-server', {
        ...nodeEnv,
        CODEC_KEYS,
        CODEC_SERVER_AUTH: 'off',
        CODEC_SERVER_TOKENS: hex(16),
      });
      expect(code).not.toBe(0);
      expect(output).toContain('CODEC_SERVER_AUTH=off is refused with real CODEC_KEYS');
    }
  });

  it('codec server: localhost CORS origins are refused in production, the default ones included', async () => {
    const base = { NODE_ENV: 'production', CODEC_KEYS, CODEC_SERVER_TOKENS: hex(16) };
    for (const origins of [undefined, 'http://localhost:8233', 'https://127.0.0.1:8443,https://ui.example.com']) {
      const { code, output } = await startupRefusal('codec-server', {
        ...base,
        ...(origins === undefined ? {} : { CODEC_SERVER_CORS_ORIGINS: origins }),
      });
      expect(code).not.toBe(0);
      expect(output).toContain('CODEC_SERVER_CORS_ORIGINS: local origins are refused in production');
    }
  });
});
