// Issue 12's configuration findings as attacks: public development defaults in production (gateway,
// codec server), the codec server's dev token with real keys loaded, an IMAGE_MAX_AGE_HOURS that sweeps
// live images, blob references of another activation at the worker's resolver, and the Temporal UI's
// OIDC login token at the codec server (a real codec server over HTTP, a real JWKS endpoint), and issue 27's
// JWT type check (an ID token of the same issuer is not an access token).
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageStoreResolver, LocalEncryptedImageStore, parseCodecKeys } from '../../codec';
import { startCodecServer, type CodecServer } from '../../codec/codec-server';
import { loadCodecServerConfig } from '../../codec/codec-server-config';
import { loadGatewayConfig } from '../../gateway/config';
import { imageMaxAgeMs } from '../../worker/data-safety';

const KEYS = 'k1:' + Buffer.alloc(32, 1).toString('base64');

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('security: public defaults are refused', () => {
  it('gateway in production: dev-key, dev webhook secrets, dev client-secret key, no Vlens token, bare keys', () => {
    const text = refusal(() =>
      loadGatewayConfig({
        NODE_ENV: 'production',
        GATEWAY_API_KEYS: 'dev-key,acme:backend:dev-key',
        KASHIER_WEBHOOK_SECRET: 'kashier-dev-secret',
        FAWRY_SECURE_KEY: 'fawry-dev-secure-key',
      }),
    );
    for (const expected of [
      'GATEWAY_API_KEYS: is a public development default',
      'GATEWAY_API_KEYS: entry 1 names no tenant and role',
      'GATEWAY_CLIENT_SECRET_KEYS: is required',
      'KASHIER_WEBHOOK_SECRET: is a public development default',
      'FAWRY_SECURE_KEY: is a public development default',
      'VLENS_WEBHOOK_TOKEN: is required',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('codec server: no dev-token fallback once real keys are loaded without NODE_ENV; production names what is missing', () => {
    // Development with the generated key: the dev token is the convenience fallback.
    expect(loadCodecServerConfig({}).tokens).toEqual(['dev-codec-token']);
    // NODE_ENV unset but real CODEC_KEYS: refused, instead of decrypting them for anyone with the public token.
    expect(refusal(() => loadCodecServerConfig({ CODEC_KEYS: KEYS }))).toMatch(
      /CODEC_SERVER_TOKENS or CODEC_SERVER_JWKS_URL is required when CODEC_KEYS is set/,
    );
    expect(refusal(() => loadCodecServerConfig({ CODEC_KEYS: KEYS, CODEC_SERVER_TOKENS: 'dev-codec-token' }))).toMatch(
      /public development token/,
    );
    const text = refusal(() =>
      loadCodecServerConfig({
        NODE_ENV: 'production',
        CODEC_KEYS: KEYS,
        CODEC_SERVER_AUTH: 'off',
        CODEC_SERVER_JWKS_URL: 'http://idp.example/jwks',
      }),
    );
    for (const expected of [
      'CODEC_SERVER_AUTH=off is refused in production',
      'CODEC_SERVER_JWKS_URL: must be https in production',
      'CODEC_SERVER_JWT_ISSUER: is required in production',
      'CODEC_SERVER_JWT_AUDIENCE: is required in production',
    ]) {
      expect(text).toContain(expected);
    }
    expect(refusal(() => loadCodecServerConfig({ NODE_ENV: 'production', CODEC_KEYS: KEYS }))).toMatch(
      /CODEC_SERVER_TOKENS \(static tokens for the CLI\) or CODEC_SERVER_JWKS_URL .* is required in production/,
    );
  });

  it('IMAGE_MAX_AGE_HOURS: "25h", "", 0 and anything shorter than the longest activation are refused', () => {
    expect(refusal(() => imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '25h' }))).toMatch(/positive number of hours.*"25h"/);
    expect(refusal(() => imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '' }))).toMatch(/positive number of hours.*""/);
    expect(refusal(() => imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '0' }))).toMatch(/positive number/);
    expect(refusal(() => imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '12' }))).toMatch(
      /shorter than the longest possible activation \(24.25 h/,
    );
    expect(refusal(() => imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '30', ACTIVATION_POLICY_DEADLINE: '48h' }))).toMatch(
      /48.25 h/,
    );
    expect(imageMaxAgeMs({})).toBe(25 * 3_600_000);
    expect(imageMaxAgeMs({ IMAGE_MAX_AGE_HOURS: '30' })).toBe(30 * 3_600_000);
    expect(imageMaxAgeMs({ ACTIVATION_POLICY_DEADLINE: '72h' })).toBe(72.25 * 3_600_000);
  });
});

describe("security: a blob reference cannot be used for another activation's liveness", () => {
  it('the worker resolver refuses it (ImageNotFound, non-retryable)', async () => {
    const store = new LocalEncryptedImageStore({
      keys: parseCodecKeys(KEYS),
      dir: path.join(mkdtempSync(path.join(os.tmpdir(), 'sec-img-')), 'images'),
    });
    const victim = 'a0000000-0000-4000-8000-000000000001';
    const attacker = 'a0000000-0000-4000-8000-000000000002';
    const ref = await store.put(victim, Buffer.from('victim selfie').toString('base64'));
    await expect(imageStoreResolver(store, { activationOf: () => attacker })(ref)).rejects.toMatchObject({
      type: 'ImageNotFound',
      nonRetryable: true,
    });
    await expect(imageStoreResolver(store, { activationOf: () => victim })(ref)).resolves.toBe(
      Buffer.from('victim selfie').toString('base64'),
    );
  });
});

describe('security: the codec server verifies the Temporal UI login token (OIDC/JWT via JWKS)', () => {
  const ISSUER = 'https://idp.example';
  const AUDIENCE = 'temporal-ui';
  let jwks: Server;
  let codec: CodecServer;
  let sign: (
    claims: Record<string, unknown>,
    options?: { issuer?: string; audience?: string; expires?: string; typ?: string | null },
  ) => Promise<string>;
  let otherSign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as { port: number }).port;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        // RFC 9068 access tokens are typed at+jwt (CODEC_SERVER_JWT_TYP's default); null leaves typ out.
        .setProtectedHeader({
          alg: 'RS256',
          kid: 'k1',
          ...(options.typ === null ? {} : { typ: options.typ ?? 'at+jwt' }),
        })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setExpirationTime(options.expires ?? '5m')
        .setIssuedAt()
        .sign(privateKey);
    otherSign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(other.privateKey);
    const config = loadCodecServerConfig({
      CODEC_KEYS: KEYS,
      CODEC_SERVER_TOKENS: 'cli-static-token-0123456789',
      CODEC_SERVER_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
      CODEC_SERVER_JWT_ISSUER: ISSUER,
      CODEC_SERVER_JWT_AUDIENCE: AUDIENCE,
    });
    codec = await startCodecServer({ ...config, port: 0, keys: parseCodecKeys(KEYS) });
  });
  afterAll(async () => {
    await codec?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const payload = defaultPayloadConverter.toPayload({ code: '654321' });
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(payload.data ?? []).toString('base64'),
      },
    ],
  };
  const post = (route: string, token: string, requestBody: unknown = body) =>
    fetch(`${codec.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(requestBody),
    });

  it('a decode role for the namespace in the path decodes; other namespaces, encode and other roles are 403', async () => {
    const encoded = await (await post('/default/encode', 'cli-static-token-0123456789')).json(); // the CLI's static token still works
    const reader = await sign({ codec_roles: ['default:decode'] });
    const decoded = await post('/default/decode', reader, encoded);
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual(body);
    expect((await post('/other-ns/decode', reader, encoded)).status).toBe(403);
    expect((await post('/default/encode', reader)).status).toBe(403);
    expect((await post('/default/decode', await sign({ codec_roles: 'default:encode' }), encoded)).status).toBe(403);
    expect((await post('/default/decode', await sign({}), encoded)).status).toBe(403);
    // An unscoped role works in every namespace (space-separated string claims too); the payloads themselves
    // are bound to theirs (test/security/codec-namespaces.test.ts).
    expect((await post('/default/decode', await sign({ codec_roles: 'encode decode' }), encoded)).status).toBe(200);
    expect((await post('/any-ns/encode', await sign({ codec_roles: 'encode decode' }))).status).toBe(200);
  });

  it('a token of another type (an ID token, typ JWT, or no typ at all) is 401 even when signed by the IdP', async () => {
    const roles = { codec_roles: ['decode', 'encode'] };
    expect((await post('/default/encode', await sign(roles))).status).toBe(200);
    for (const typ of ['JWT', 'id_token+jwt', null]) {
      expect((await post('/default/encode', await sign(roles, { typ }))).status).toBe(401);
    }
  });

  it('forged, expired, other-issuer, other-audience and unsigned tokens are 401', async () => {
    const roles = { codec_roles: ['decode', 'encode'] };
    for (const token of [
      await otherSign(roles),
      await sign(roles, { expires: '-1m' }),
      await sign(roles, { issuer: 'https://evil.example' }),
      await sign(roles, { audience: 'another-app' }),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...roles, iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.`,
      'dev-codec-token',
    ]) {
      expect((await post('/default/decode', token)).status).toBe(401);
    }
  });
});
