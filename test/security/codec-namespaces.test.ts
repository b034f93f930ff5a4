// Issue 27 item 3 as an attack on a real codec server over HTTP (OIDC tokens verified against a real JWKS
// endpoint): a token with `sandbox:decode` posts another namespace's payloads to /sandbox/decode, the path
// its role allows. The payloads are bound to their namespace (codec/encryption-codec.ts), so it gets no
// plaintext; the version 1 payloads of a history recorded before the binding (test/histories/) stay readable
// for unscoped roles, and stay encrypted for a role scoped to one namespace.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodecServer, type CodecServer } from '../../codec/codec-server';
import { loadCodecServerConfig } from '../../codec/codec-server-config';
import { FIXTURE_CODEC_KEYS } from '../temporal/harness';

const ISSUER = 'https://idp.example';
const AUDIENCE = 'temporal-ui';
const STATIC_TOKEN = 'cli-static-token-0123456789';
type JsonPayload = { metadata: Record<string, string>; data: string };

const SECRETS = { code: '654321', accessToken: 'user-access-token-of-the-default-namespace' };
const plain: JsonPayload = (() => {
  const payload = defaultPayloadConverter.toPayload(SECRETS);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
})();

/** The workflow input of an activation recorded before payloads named their namespace (version 1). */
function recordedInput(): JsonPayload {
  const file = path.resolve(import.meta.dirname, '../histories/happy-path-customer-sign.json');
  const history = JSON.parse(readFileSync(file, 'utf8'));
  const input = history.events[0].workflowExecutionStartedEventAttributes.input.payloads[0] as JsonPayload;
  expect(input.metadata['encryption-namespace']).toBeUndefined();
  return input;
}

describe('security: codec payloads are bound to their namespace', () => {
  let jwks: Server;
  let codec: CodecServer;
  let sign: (roles: string[]) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    sign = (roles) =>
      new SignJWT({ codec_roles: roles })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey);
    const config = loadCodecServerConfig({
      CODEC_KEYS: `fixture-1:${Buffer.alloc(32, 7).toString('base64')}`,
      CODEC_SERVER_TOKENS: STATIC_TOKEN,
      CODEC_SERVER_JWKS_URL: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks`,
      CODEC_SERVER_JWT_ISSUER: ISSUER,
      CODEC_SERVER_JWT_AUDIENCE: AUDIENCE,
    });
    codec = await startCodecServer({ ...config, port: 0, keys: FIXTURE_CODEC_KEYS });
  });
  afterAll(async () => {
    await codec?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const post = async (route: string, token: string, payloads: JsonPayload[], headers: Record<string, string> = {}) => {
    const response = await fetch(`${codec.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ payloads }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as { payloads?: JsonPayload[] } };
  };

  it("a sandbox:decode token gets no plaintext of the default namespace's payloads, by path or by header", async () => {
    // Sealed as the worker of namespace `default` seals them (the CLI's static token encodes for it).
    const encoded = (await post('/default/encode', STATIC_TOKEN, [plain])).body.payloads!;
    const sandboxReader = await sign(['sandbox:decode']);
    for (const attempt of [
      await post('/sandbox/decode', sandboxReader, encoded),
      await post('/decode', sandboxReader, encoded, { 'x-namespace': 'sandbox' }),
    ]) {
      expect(attempt.status).toBe(400);
      expect(attempt.text).not.toContain(SECRETS.code);
      expect(attempt.text).not.toContain(plain.data);
    }
    expect(Buffer.from(encoded[0]!.metadata['encryption-namespace'] ?? '', 'base64').toString()).toBe('default');
    // Relabelling the payload as the sandbox's does not help: the namespace is in the associated data.
    const relabelled = encoded.map((p) => ({
      ...p,
      metadata: { ...p.metadata, 'encryption-namespace': Buffer.from('sandbox').toString('base64') },
    }));
    const forged = await post('/sandbox/decode', sandboxReader, relabelled);
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('failed authentication');
    // Stripping the namespace does not make it a version 1 payload either.
    const stripped = encoded.map(({ metadata: { 'encryption-namespace': _ns, ...rest }, data }) => ({
      metadata: rest,
      data,
    }));
    expect((await post('/default/decode', STATIC_TOKEN, stripped)).status).toBe(400);
    // Its own namespace's reader does decode it.
    const own = await post('/default/decode', await sign(['default:decode']), encoded);
    expect(own.status).toBe(200);
    expect(own.body.payloads).toEqual([plain]);
  });

  it('version 1 payloads (recorded histories) decode for unscoped roles and stay encrypted for scoped ones', async () => {
    const legacy = recordedInput();
    const unscoped = await post('/default/decode', await sign(['decode']), [legacy]);
    expect(unscoped.status).toBe(200);
    expect(unscoped.body.payloads![0]!.metadata.encoding).not.toBe(legacy.metadata.encoding);
    for (const route of ['/sandbox/decode', '/default/decode']) {
      const scoped = await post(route, await sign([`${route.split('/')[1]}:decode`]), [legacy]);
      expect(scoped.status).toBe(200);
      expect(scoped.body.payloads).toEqual([legacy]); // returned as it came: still ciphertext
    }
  });
});
