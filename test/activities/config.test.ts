// Vlens configuration from env: defaults match the sandbox, bad values are named (never echoed), and
// production refuses to run on the sandbox's defaults.
import { describe, expect, it } from 'vitest';
import { loadVlensConfig, makeVlensConfig, VlensConfigError } from '../../activities/config';
import {
  DEFAULT_MESSAGE_PATTERNS,
  DEFAULT_UNRECOGNISED_ATTEMPTS,
  DEFAULT_VLENS_CODES,
} from '../../activities/reading-table';

function configError(env: Record<string, string | undefined>): string {
  try {
    loadVlensConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(VlensConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a VlensConfigError');
}

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
      maxRetryAfterMs: 300_000,
      successCodes: [null, 0],
      codes: DEFAULT_VLENS_CODES,
      customerSignedStatus: 4,
      unrecognisedMaxAttempts: { requestOtp: 3, revalidateLiveness: 2, validateOtp: 2, validatePayment: 5 },
    });
    expect(c.codes.wrongOtp).toEqual([4001]);
    expect(c.codes.notApproved).toEqual([403, 4030]);
    expect(c.messagePatterns.revalidationRequired?.map(String)).toEqual([
      '/liveness/i',
      '/re-?validat/i',
      '/requir|need|must/i',
    ]);
    expect(c.messagePatterns.notApproved?.map(String)).toEqual(['/pending approval/i']);
    // Every default pattern is compiled, case-insensitive.
    for (const [condition, sources] of Object.entries(DEFAULT_MESSAGE_PATTERNS)) {
      expect(c.messagePatterns[condition as keyof typeof c.messagePatterns]?.map((p) => p.source)).toEqual(sources);
    }
    expect(String(c.apiKeyMessagePattern)).toBe('/api ?key/i');
    expect(c.apiKeyMessagePattern.test('Invalid ApiKey')).toBe(true);
    expect(c.apiKeyMessagePattern.test('API KEY missing')).toBe(true);
  });

  it('does not share the default tables between configs', () => {
    const a = loadVlensConfig({});
    a.codes.wrongOtp.push(1);
    expect(loadVlensConfig({}).codes.wrongOtp).toEqual([4001]);
    expect(DEFAULT_VLENS_CODES.wrongOtp).toEqual([4001]);
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
      VLENS_MAX_RETRY_AFTER_MS: '60000',
      VLENS_SUCCESS_CODES: '[0, 200]',
      VLENS_CODES: '{"wrongOtp": 1, "revalidationRequired": [2, 3]}',
      VLENS_MESSAGE_PATTERNS: '{"wrongOtp": ["falsch"], "rejected": ["abgelehnt"]}',
      VLENS_REVALIDATION_MESSAGE_PATTERNS: '["location changed"]',
      VLENS_API_KEY_MESSAGE_PATTERN: 'clé',
      VLENS_CUSTOMER_SIGNED_STATUS: '7',
      VLENS_UNRECOGNISED_MAX_ATTEMPTS: '{"requestOtp": 6, "validateOtp": 1}',
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
      maxRetryAfterMs: 60_000,
      successCodes: [0, 200],
      codes: { ...DEFAULT_VLENS_CODES, wrongOtp: [1], revalidationRequired: [2, 3] },
      customerSignedStatus: 7,
      unrecognisedMaxAttempts: { ...DEFAULT_UNRECOGNISED_ATTEMPTS, requestOtp: 6, validateOtp: 1 },
    });
    expect(c.messagePatterns.revalidationRequired?.map(String)).toEqual(['/location changed/i']);
    expect(c.messagePatterns.revalidationRequired![0]!.test('Location Changed')).toBe(true);
    expect(c.messagePatterns.wrongOtp?.map(String)).toEqual(['/falsch/i']);
    expect(c.messagePatterns.rejected?.map(String)).toEqual(['/abgelehnt/i']);
    // Conditions not overridden keep their defaults.
    expect(c.messagePatterns.notApproved?.map(String)).toEqual(['/pending approval/i']);
    expect(c.apiKeyMessagePattern.test('CLÉ invalide')).toBe(true);
  });

  it('VLENS_CODES takes a number or an array per condition', () => {
    const c = loadVlensConfig({ VLENS_CODES: '{"notApproved": 403, "otpExpired": [4002, 4102], "rejected": [1]}' });
    expect(c.codes.notApproved).toEqual([403]);
    expect(c.codes.otpExpired).toEqual([4002, 4102]);
    expect(c.codes.rejected).toEqual([1]);
    expect(c.codes.wrongOtp).toEqual([4001]);
    expect(configError({ VLENS_CODES: '{"wrongOtp": []}' })).toContain('VLENS_CODES.wrongOtp');
    expect(configError({ VLENS_CODES: '{"wrongOtp": [1.5]}' })).toContain('VLENS_CODES.wrongOtp');
  });

  it('VLENS_MESSAGE_PATTERNS overrides any condition; VLENS_REVALIDATION_MESSAGE_PATTERNS still overrides the re-validation entry', () => {
    const viaNew = loadVlensConfig({ VLENS_MESSAGE_PATTERNS: '{"revalidationRequired": ["verify again"]}' });
    expect(viaNew.messagePatterns.revalidationRequired?.map(String)).toEqual(['/verify again/i']);
    const both = loadVlensConfig({
      VLENS_MESSAGE_PATTERNS: '{"revalidationRequired": ["verify again"], "otpExpired": ["abgelaufen"]}',
      VLENS_REVALIDATION_MESSAGE_PATTERNS: '["location changed", "liveness"]',
    });
    expect(both.messagePatterns.revalidationRequired?.map(String)).toEqual(['/location changed/i', '/liveness/i']);
    expect(both.messagePatterns.otpExpired?.map(String)).toEqual(['/abgelaufen/i']);
    expect(configError({ VLENS_MESSAGE_PATTERNS: '{"wrongOtp": ["("]}' })).toContain(
      'VLENS_MESSAGE_PATTERNS: bad regex',
    );
    expect(configError({ VLENS_MESSAGE_PATTERNS: '{"wrongOtp": []}' })).toContain('VLENS_MESSAGE_PATTERNS.wrongOtp');
    expect(configError({ VLENS_MESSAGE_PATTERNS: '{"nonsense": ["x"]}' })).toContain('nonsense');
    expect(configError({ VLENS_REVALIDATION_MESSAGE_PATTERNS: '"liveness"' })).toContain(
      'VLENS_REVALIDATION_MESSAGE_PATTERNS',
    );
    expect(configError({ VLENS_API_KEY_MESSAGE_PATTERN: '[' })).toContain('VLENS_API_KEY_MESSAGE_PATTERN: bad regex');
  });

  it('bounds the unrecognised-answer attempts; validateOtp never above 2', () => {
    expect(configError({ VLENS_UNRECOGNISED_MAX_ATTEMPTS: '{"validateOtp": 3}' })).toContain(
      'VLENS_UNRECOGNISED_MAX_ATTEMPTS.validateOtp',
    );
    expect(configError({ VLENS_UNRECOGNISED_MAX_ATTEMPTS: '{"requestOtp": 0}' })).toContain(
      'VLENS_UNRECOGNISED_MAX_ATTEMPTS.requestOtp',
    );
    expect(configError({ VLENS_UNRECOGNISED_MAX_ATTEMPTS: '{"bogusStep": 1}' })).toContain('bogusStep');
    expect(configError({ VLENS_SUCCESS_CODES: '[]' })).toContain('VLENS_SUCCESS_CODES');
    expect(configError({ VLENS_SUCCESS_CODES: '["0"]' })).toContain('VLENS_SUCCESS_CODES');
    expect(loadVlensConfig({ VLENS_SUCCESS_CODES: '[null]' }).successCodes).toEqual([null]);
    expect(configError({ VLENS_CUSTOMER_SIGNED_STATUS: 'signed' })).toContain('VLENS_CUSTOMER_SIGNED_STATUS');
    expect(configError({ VLENS_CUSTOMER_SIGNED_STATUS_NAME: '(' })).toContain('VLENS_CUSTOMER_SIGNED_STATUS_NAME');
    expect(configError({ VLENS_SUCCESS_MESSAGE_PATTERNS: '[]' })).toContain('VLENS_SUCCESS_MESSAGE_PATTERNS');
    expect(configError({ VLENS_SUCCESS_MESSAGE_PATTERNS: '["ok"]' })).toContain('VLENS_SUCCESS_MESSAGE_PATTERNS');
    const custom = loadVlensConfig({ VLENS_SUCCESS_MESSAGE_PATTERNS: '[["^erfolg$"]]' });
    expect(custom.successMessagePatterns.map((all) => all.map(String))).toEqual([['/^erfolg$/i']]);
  });

  it('names every bad variable without echoing values', () => {
    const message = configError({
      VLENS_BASE_URL: 'not a url s3cr3t',
      VLENS_API_FLAVOR: 'new',
      VLENS_HTTP_TIMEOUT_MS: 'soon',
      VLENS_CODES: '{"wrongOtp": "x", "bogus": 1}',
    });
    for (const name of [
      'VLENS_BASE_URL',
      'VLENS_API_FLAVOR',
      'VLENS_HTTP_TIMEOUT_MS',
      'VLENS_CODES.wrongOtp',
      'bogus',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('s3cr3t');
    expect(() => loadVlensConfig({ VLENS_CODES: '{oops' })).toThrow(/VLENS_CODES: is not valid JSON/);
    expect(() => loadVlensConfig({ VLENS_HTTP_TIMEOUT_MS: '0' })).toThrow(/VLENS_HTTP_TIMEOUT_MS/);
  });

  it('makeVlensConfig overrides fields and merges codes', () => {
    const c = makeVlensConfig({
      baseUrl: 'http://x:1/',
      codes: { rejected: [9] },
      httpTimeoutMs: 10,
      customerSignedStatus: 5,
    });
    expect(c.baseUrl).toBe('http://x:1');
    expect(c.httpTimeoutMs).toBe(10);
    expect(c.customerSignedStatus).toBe(5);
    expect(c.codes).toEqual({ ...DEFAULT_VLENS_CODES, rejected: [9] });
  });
});

describe('loadVlensConfig with NODE_ENV=production', () => {
  const production = {
    NODE_ENV: 'production',
    VLENS_BASE_URL: 'https://api.vlenseg.com',
    VLENS_API_KEY: 'live-key-1',
    VLENS_TENANCY: 'acme',
    VLENS_USERNAME: 'svc',
    VLENS_PASSWORD: 'live-password-1',
    VLENS_CUSTOMER_SIGNED_STATUS: '4',
  };

  it('loads when the connection and the credentials are set explicitly', () => {
    expect(loadVlensConfig(production)).toMatchObject({
      baseUrl: 'https://api.vlenseg.com',
      apiKey: 'live-key-1',
      tenancy: 'acme',
      username: 'svc',
      password: 'live-password-1',
      customerSignedStatus: 4,
    });
  });

  it('refuses a plain-http Vlens unless VLENS_ALLOW_HTTP=true says so (the production topology test sets it)', () => {
    const plain = { ...production, VLENS_BASE_URL: 'http://127.0.0.1:3100' };
    expect(configError(plain)).toContain('VLENS_BASE_URL: must be https when NODE_ENV=production');
    expect(loadVlensConfig({ ...plain, VLENS_ALLOW_HTTP: 'true' }).baseUrl).toBe('http://127.0.0.1:3100');
  });

  it('refuses to start without the Customer Signed status number (no seed prints it)', () => {
    const message = configError({ ...production, VLENS_CUSTOMER_SIGNED_STATUS: undefined });
    expect(message).toContain('VLENS_CUSTOMER_SIGNED_STATUS: is required when NODE_ENV=production');
    expect(loadVlensConfig({ ...production, VLENS_CUSTOMER_SIGNED_STATUS: '9' }).customerSignedStatus).toBe(9);
  });

  it('names each missing variable (login service auth, the default)', () => {
    const message = configError({ NODE_ENV: 'production' });
    for (const name of ['VLENS_BASE_URL', 'VLENS_API_KEY', 'VLENS_TENANCY', 'VLENS_USERNAME', 'VLENS_PASSWORD']) {
      expect(message).toContain(`${name}: is required when NODE_ENV=production`);
    }
    const onlyPassword = configError({ ...production, VLENS_PASSWORD: undefined });
    expect(onlyPassword).toContain('VLENS_PASSWORD: is required');
    expect(onlyPassword).not.toContain('VLENS_TENANCY');
    expect(onlyPassword).not.toContain('VLENS_BASE_URL');
  });

  it('treats an empty variable as missing', () => {
    const message = configError({ ...production, VLENS_API_KEY: '', VLENS_USERNAME: '  ' });
    expect(message).toContain('VLENS_API_KEY: is required');
    expect(message).toContain('VLENS_USERNAME: is required');
  });

  it('needs no login credentials with VLENS_SERVICE_AUTH=none', () => {
    const message = configError({ NODE_ENV: 'production', VLENS_SERVICE_AUTH: 'none' });
    expect(message).toContain('VLENS_BASE_URL: is required');
    expect(message).toContain('VLENS_API_KEY: is required');
    for (const name of ['VLENS_TENANCY', 'VLENS_USERNAME', 'VLENS_PASSWORD']) expect(message).not.toContain(name);
    expect(
      loadVlensConfig({
        NODE_ENV: 'production',
        VLENS_SERVICE_AUTH: 'none',
        VLENS_BASE_URL: 'https://v.example',
        VLENS_API_KEY: 'k',
        VLENS_CUSTOMER_SIGNED_STATUS: '4',
      }),
    ).toMatchObject({ serviceAuth: 'none', apiKey: 'k' });
  });

  it("refuses the sandbox's public secrets without echoing them", () => {
    const message = configError({ ...production, VLENS_API_KEY: 'sandbox-key', VLENS_PASSWORD: 'sandbox-password' });
    expect(message).toContain("VLENS_API_KEY: is the sandbox's public default");
    expect(message).toContain("VLENS_PASSWORD: is the sandbox's public default");
    expect(message).not.toContain('sandbox-key');
    expect(message).not.toContain('sandbox-password');
    expect(configError({ ...production, VLENS_API_KEY: 'sandbox-key' })).not.toContain('VLENS_PASSWORD');
  });

  it('reports bad values and production problems together', () => {
    const message = configError({ ...production, VLENS_API_FLAVOR: 'new', VLENS_TENANCY: undefined });
    expect(message).toContain('VLENS_API_FLAVOR');
    expect(message).toContain('VLENS_TENANCY: is required');
  });

  it('outside production the defaults still apply', () => {
    expect(loadVlensConfig({ NODE_ENV: 'development' }).apiKey).toBe('sandbox-key');
    expect(loadVlensConfig({ NODE_ENV: 'test' }).password).toBe('sandbox-password');
  });
});
