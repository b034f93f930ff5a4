// Vlens configuration from env: defaults match the sandbox, bad values are named (never echoed).
import { describe, expect, it } from 'vitest';
import { DEFAULT_VLENS_CODES, loadVlensConfig, makeVlensConfig, VlensConfigError } from '../../activities/config';

describe('loadVlensConfig', () => {
  it('defaults to the local sandbox', () => {
    const c = loadVlensConfig({});
    expect(c).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010',
      apiKey: 'sandbox-key',
      flavor: 'customer-sign',
      serviceAuth: 'login',
      tenancy: 'sandbox',
      username: 'admin',
      password: 'sandbox-password',
      httpTimeoutMs: 15_000,
      codes: DEFAULT_VLENS_CODES,
    });
    expect(c.revalidationMessagePatterns.map(String)).toEqual(['/liveness/i', '/revalidat/i']);
  });

  it('reads every variable, treating empty ones as unset', () => {
    const c = loadVlensConfig({
      VLENS_BASE_URL: 'https://api.vlenseg.com/',
      VLENS_API_KEY: 'k',
      VLENS_API_FLAVOR: 'legacy-activate',
      VLENS_SERVICE_AUTH: 'none',
      VLENS_TENANCY: 'acme',
      VLENS_USERNAME: 'svc',
      VLENS_PASSWORD: '',
      VLENS_HTTP_TIMEOUT_MS: '2500',
      VLENS_CODES: '{"wrongOtp": 1, "revalidationRequired": 2}',
      VLENS_REVALIDATION_MESSAGE_PATTERNS: '["location changed"]',
    });
    expect(c).toMatchObject({
      baseUrl: 'https://api.vlenseg.com',
      apiKey: 'k',
      flavor: 'legacy-activate',
      serviceAuth: 'none',
      tenancy: 'acme',
      username: 'svc',
      password: 'sandbox-password',
      httpTimeoutMs: 2500,
      codes: { ...DEFAULT_VLENS_CODES, wrongOtp: 1, revalidationRequired: [2] },
    });
    expect(c.revalidationMessagePatterns[0]!.test('Location Changed')).toBe(true);
  });

  it('names every bad variable without echoing values', () => {
    let error: unknown;
    try {
      loadVlensConfig({
        VLENS_BASE_URL: 'not a url s3cr3t',
        VLENS_API_FLAVOR: 'new',
        VLENS_HTTP_TIMEOUT_MS: 'soon',
        VLENS_CODES: '{"wrongOtp": "x", "bogus": 1}',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VlensConfigError);
    const message = (error as Error).message;
    for (const name of ['VLENS_BASE_URL', 'VLENS_API_FLAVOR', 'VLENS_HTTP_TIMEOUT_MS', 'VLENS_CODES.wrongOtp', 'bogus']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('s3cr3t');
    expect(() => loadVlensConfig({ VLENS_CODES: '{oops' })).toThrow(/VLENS_CODES: is not valid JSON/);
    expect(() => loadVlensConfig({ VLENS_HTTP_TIMEOUT_MS: '0' })).toThrow(/VLENS_HTTP_TIMEOUT_MS/);
  });

  it('makeVlensConfig overrides fields and merges codes', () => {
    const c = makeVlensConfig({ baseUrl: 'http://x:1/', codes: { rejected: 9 }, httpTimeoutMs: 10 });
    expect(c.baseUrl).toBe('http://x:1');
    expect(c.httpTimeoutMs).toBe(10);
    expect(c.codes).toEqual({ ...DEFAULT_VLENS_CODES, rejected: 9 });
  });
});
