// Issue 27 item 2's "every URL a configuration supplies", for the codec server's CODEC_SERVER_JWKS_URL: a
// real codec server over HTTP whose identity provider's key set is served from 127.0.0.1. With the production
// outbound policy (codec/outbound-guard.ts) the key set is never fetched from a loopback address, so no
// token verifies; the allow-list naming it, or development, lets it through.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundDispatcher, loadOutboundPolicy } from '../../codec/outbound-guard';
import { parseCodecKeys } from '../../codec';
import { createCodecAuthorizer } from '../../codec/codec-auth';
import { startCodecServer, type CodecServer } from '../../codec/codec-server';

const KEYS = parseCodecKeys('k1:' + Buffer.alloc(32, 3).toString('base64'));

describe("security: the codec server fetches its identity provider's keys only from allowed addresses", () => {
  let jwks: Server;
  let jwksUrl: string;
  let hits = 0;
  let token: string;
  const servers: CodecServer[] = [];

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) => {
      hits += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks`;
    token = await new SignJWT({ codec_roles: ['encode'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .setExpirationTime('5m')
      .sign(privateKey);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await new Promise((resolve) => jwks?.close(resolve));
  });

  async function encodeStatus(outboundEnv: NodeJS.ProcessEnv): Promise<number> {
    const jwt = { jwksUrl, roleClaim: 'codec_roles', type: 'at+jwt' };
    const codec = await startCodecServer({
      port: 0,
      keys: KEYS,
      tokens: [],
      corsOrigins: [],
      authorizer: createCodecAuthorizer({
        tokens: [],
        jwt,
        outbound: createOutboundDispatcher(loadOutboundPolicy(outboundEnv)),
      }),
    });
    servers.push(codec);
    const response = await fetch(`${codec.url}/default/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"payloads":[]}',
    });
    return response.status;
  }

  it('production without an allow-list: 401, and the key set on loopback is never asked', async () => {
    expect(await encodeStatus({ NODE_ENV: 'production' })).toBe(401);
    expect(hits).toBe(0);
  });

  it('the allow-list naming the address, or development, verifies the same token', async () => {
    expect(await encodeStatus({ NODE_ENV: 'production', OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1' })).toBe(200);
    expect(await encodeStatus({})).toBe(200);
    expect(hits).toBeGreaterThan(0);
  });
});
