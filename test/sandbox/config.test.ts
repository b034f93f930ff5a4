// Sandbox configuration: defaults, env, and explicit options in that order of precedence.
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, optionsFromEnv, resolveOptions } from '../../sandbox/config';
import { startTestSandbox } from './helpers';

describe('sandbox config', () => {
  it('has the documented defaults (docs/design.md §4a)', () => {
    const o = resolveOptions({}, {});
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 4010,
      apiKey: 'sandbox-key',
      dialect: 'ours',
      tokenTtlSeconds: 86_400,
      requireBearer: false,
      webhookUrl: null,
      vlensWebhookUrl: null,
      kashierWebhookSecret: 'kashier-dev-secret',
      fawrySecureKey: 'fawry-dev-secure-key',
      otpTtlSeconds: 300,
      maxOtpAttempts: 5,
      loginUser: 'admin',
      loginPassword: 'sandbox-password',
      tenancy: 'sandbox',
    });
    expect(o.now).toBe(DEFAULT_OPTIONS.now);
  });

  it('reads env, and explicit options win over env', () => {
    const env = {
      SANDBOX_PORT: '4999',
      SANDBOX_API_KEY: 'k',
      SANDBOX_DIALECT: 'seed',
      SANDBOX_REQUIRE_BEARER: 'true',
      SANDBOX_TOKEN_TTL_SECONDS: '30',
      SANDBOX_WEBHOOK_URL: 'http://127.0.0.1:3000/v1/webhooks/{gateway}',
      SANDBOX_VLENS_WEBHOOK_URL: 'http://127.0.0.1:3000/v1/webhooks/vlens',
      KASHIER_WEBHOOK_SECRET: 's',
      FAWRY_SECURE_KEY: 'f',
      SANDBOX_OTP_TTL_SECONDS: '2',
      SANDBOX_LOG: 'false',
      SANDBOX_EMPTY_IS_IGNORED: '',
      SANDBOX_PUBLIC_URL: '',
    };
    expect(optionsFromEnv(env)).toEqual({
      port: 4999,
      apiKey: 'k',
      dialect: 'seed',
      requireBearer: true,
      tokenTtlSeconds: 30,
      webhookUrl: 'http://127.0.0.1:3000/v1/webhooks/{gateway}',
      vlensWebhookUrl: 'http://127.0.0.1:3000/v1/webhooks/vlens',
      kashierWebhookSecret: 's',
      fawrySecureKey: 'f',
      otpTtlSeconds: 2,
      log: false,
    });
    expect(resolveOptions({ port: 0, apiKey: undefined, webhookUrl: null }, env)).toMatchObject({
      port: 0,
      apiKey: 'k',
      webhookUrl: null,
    });
    expect(resolveOptions({ dialect: 'ours' }, env).dialect).toBe('ours');
  });

  it('rejects invalid env values by name', () => {
    expect(() => optionsFromEnv({ SANDBOX_PORT: 'abc' })).toThrow(/SANDBOX_PORT/);
    expect(() => optionsFromEnv({ SANDBOX_REQUIRE_BEARER: 'maybe' })).toThrow(/SANDBOX_REQUIRE_BEARER/);
    expect(() => optionsFromEnv({ SANDBOX_LOG: 'quiet' })).toThrow(/SANDBOX_LOG/);
    expect(() => optionsFromEnv({ SANDBOX_WEBHOOK_URL: 'not a url' })).toThrow(/SANDBOX_WEBHOOK_URL/);
    for (const bad of ['Seed', 'theirs', 'toString', '__proto__']) {
      expect(() => optionsFromEnv({ SANDBOX_DIALECT: bad })).toThrow(/SANDBOX_DIALECT/);
    }
  });

  it('an unknown dialect given as an option fails start-up, naming it, before anything listens', async () => {
    await expect(startTestSandbox({ dialect: 'theirs' as 'ours' })).rejects.toThrow(/SANDBOX_DIALECT/);
  });

  it('binds to 127.0.0.1, picks a free port with port 0, and uses SANDBOX_PUBLIC_URL for payment links', async () => {
    const { sandbox, http } = await startTestSandbox({ publicUrl: 'https://sandbox.example.test/' });
    try {
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.port).toBeGreaterThan(0);
      expect((await http.get('/sandbox/health', {})).body).toEqual({ ok: true });
      const s = await http.seed();
      const cs = '/api/BusinessRequest/CustomerSign';
      const body = {
        geoLocation: { latitude: 30.0444, longitude: 31.2357 },
        userDeviceUtcTime: '2025-01-15T10:30:00Z',
        requestId: s.requestId,
      };
      const otpRequestId = ((await http.post(`${cs}/StepRequestOtp`, body)).body.data as { otpRequestId: string })
        .otpRequestId;
      const res = await http.post(`${cs}/StepValidateOtp`, {
        ...body,
        otpRequestId,
        otpCode: await http.otpCode(otpRequestId),
      });
      expect(res.body.data).toMatch(/^https:\/\/sandbox\.example\.test\/sandbox\/pay\/[0-9a-f-]{36}$/);
    } finally {
      await sandbox.close();
    }
  });
});
