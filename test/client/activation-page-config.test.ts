// The activation page's settings (issue 26): ACTIVATION_PAGE_BASE_URL and ACTIVATION_PAGE_TENANTS are
// checked at start-up and refused by name; the CLI's link is signed so the gateway accepts it.
import { describe, expect, test } from 'vitest';
import { activationLinkFor } from '../../client/activation-link';
import { loadGatewayConfig } from '../../gateway/config';
import { createClientSecrets, DEV_CLIENT_SECRET_KEY } from '../../contract/client-secret';
import { contrastWithWhite } from '../../gateway/page/branding';
import { pageImageBytes } from '../../gateway/page/routes';
import { languageOf } from '../../gateway/page/shell';
import { DEFAULT_BODY_LIMITS } from '../../gateway/config';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';

describe('activation page configuration', () => {
  test('branding per tenant is read; a light accent, a third-party logo or a bad tenant name is refused by name', () => {
    const config = loadGatewayConfig({
      ACTIVATION_PAGE_BASE_URL: 'https://activate.example.com',
      ACTIVATION_PAGE_TENANTS: JSON.stringify({
        acme: { displayName: 'Acme', accentColor: '#0b5c3b', logoUrl: '/logo.svg' },
      }),
    });
    expect(config.activationPageBaseUrl).toBe('https://activate.example.com');
    expect(config.pageBranding).toEqual({
      acme: { displayName: 'Acme', accentColor: '#0b5c3b', logoUrl: '/logo.svg' },
    });

    const refused = (tenants: unknown) => () => loadGatewayConfig({ ACTIVATION_PAGE_TENANTS: JSON.stringify(tenants) });
    expect(refused({ acme: { accentColor: '#ffcc00' } })).toThrow(
      /ACTIVATION_PAGE_TENANTS: acme\.accentColor .*4\.5:1/,
    );
    expect(refused({ acme: { logoUrl: 'https://cdn.example.com/logo.png' } })).toThrow(/acme\.logoUrl/);
    expect(refused({ acme: { logoUrl: '//cdn.example.com/logo.png' } })).toThrow(/acme\.logoUrl/);
    expect(refused({ 'Not A Tenant': {} })).toThrow(/ACTIVATION_PAGE_TENANTS/);
    expect(refused({ acme: { colour: '#000000' } })).toThrow(/ACTIVATION_PAGE_TENANTS/);
    expect(() => loadGatewayConfig({ ACTIVATION_PAGE_TENANTS: '{' })).toThrow(/ACTIVATION_PAGE_TENANTS: is not JSON/);
    expect(() => loadGatewayConfig({ ACTIVATION_PAGE_BASE_URL: 'javascript:alert(1)' })).toThrow(
      /ACTIVATION_PAGE_BASE_URL/,
    );
    expect(() => loadGatewayConfig({ ACTIVATION_PAGE_BASE_URL: 'https://a.example/x#cs=' })).toThrow(
      /ACTIVATION_PAGE_BASE_URL/,
    );
  });

  test('contrast is the WCAG ratio against white', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#767676')).toBeGreaterThanOrEqual(4.5);
    expect(contrastWithWhite('#777777')).toBeLessThan(4.5);
  });

  test("four selfies of the page's size fit the gateway's liveness body and Vlens's 500 KB each", () => {
    const bytes = pageImageBytes(DEFAULT_BODY_LIMITS.liveness);
    expect(bytes).toBeLessThan(500 * 1024);
    expect(4 * Math.ceil(bytes / 3) * 4 + 4096).toBeLessThanOrEqual(DEFAULT_BODY_LIMITS.liveness);
    expect(pageImageBytes(1024 * 1024)).toBeLessThan(bytes);
  });

  test('the language comes from Accept-Language, English otherwise', () => {
    expect(languageOf('ar-EG,ar;q=0.9,en;q=0.8')).toBe('ar');
    expect(languageOf('en-US,en;q=0.9,ar;q=0.5')).toBe('en');
    expect(languageOf('fr-FR')).toBe('en');
    expect(languageOf(undefined)).toBe('en');
  });

  test("the CLI's link carries a secret the gateway verifies; production needs the gateway's key", () => {
    expect(activationLinkFor({}, REQUEST, { tenant: 'default', maxLifeMs: 60_000 })).toBeUndefined();
    const link = activationLinkFor({ ACTIVATION_PAGE_BASE_URL: 'http://127.0.0.1:3000/' }, REQUEST.toUpperCase(), {
      tenant: 'default',
      maxLifeMs: 60_000,
    })!;
    expect(link.startsWith(`http://127.0.0.1:3000/activate/${REQUEST}#cs=`)).toBe(true);
    const secret = decodeURIComponent(link.split('#cs=')[1]!);
    expect(createClientSecrets([DEV_CLIENT_SECRET_KEY]).verify(secret, REQUEST)).toMatchObject({ ok: true });
    expect(() =>
      activationLinkFor({ ACTIVATION_PAGE_BASE_URL: 'https://a.example', NODE_ENV: 'production' }, REQUEST, {
        tenant: 'acme',
        maxLifeMs: 60_000,
      }),
    ).toThrow(/GATEWAY_CLIENT_SECRET_KEYS/);
  });
});
