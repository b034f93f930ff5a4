// The codec server over real HTTP, in the exact shape the Temporal UI and CLI use.
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodecServer, type CodecServer } from '../../codec/codec-server';
import { loadCodecServerConfig, DEV_CODEC_TOKEN } from '../../codec/codec-server-config';
import { CodecConfigError } from '../../codec/errors';
import { keySpec, keysFrom } from './helpers';

const UI_ORIGIN = 'http://localhost:8233';
const TOKEN = 'test-token-0123456789';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('codec server', () => {
  let server: CodecServer;
  const keys = keysFrom(keySpec('srv'));

  beforeAll(async () => {
    server = await startCodecServer({
      port: 0,
      keys,
      tokens: ['other-token-xxxxxxx', TOKEN],
      corsOrigins: [UI_ORIGIN],
    });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI_ORIGIN, ...headers },
      body: JSON.stringify(body),
    });

  it('encodes and decodes in the UI JSON format (base64 bytes), also under /{namespace}/', async () => {
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
    const encodeResponse = await post('/encode', body);
    expect(encodeResponse.status).toBe(200);
    expect(encodeResponse.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const encoded = (await encodeResponse.json()) as typeof body;
    expect(encoded.payloads[0]?.metadata.encoding).toBe(b64('binary/encrypted'));
    expect(encoded.payloads[0]?.metadata['encryption-key-id']).toBe(b64('srv'));
    expect(Buffer.from(encoded.payloads[0]?.data ?? '', 'base64').toString()).not.toContain('654321');

    const decodeResponse = await post('/default/decode', encoded);
    expect(decodeResponse.status).toBe(200);
    expect(await decodeResponse.json()).toEqual(body);
  });

  it('answers 401 without a token and with a wrong token', async () => {
    const body = { payloads: [] };
    const none = await post('/decode', body, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN); // the UI can read the error
    expect((await post('/decode', body, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/decode', body, { authorization: TOKEN })).status).toBe(401); // scheme required
    expect((await post('/decode', body)).status).toBe(200);
  });

  it('answers the CORS preflight from the UI origin without credentials, and refuses other origins', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const evil = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an empty list for `{}`, which is how the temporal CLI sends a query without arguments', async () => {
    const response = await post('/encode', {});
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ payloads: [] });
  });

  it('rejects a malformed body and reports decode failures with the key id', async () => {
    expect((await post('/decode', { payloads: [{ data: 'not base64!' }] })).status).toBe(400);
    const foreign = {
      payloads: [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('gone') }, data: 'AAAA' }],
    };
    const response = await post('/decode', foreign);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('decode_failed');
    expect(error.message).toContain('"gone"');
  });
});

describe('codec server config', () => {
  it('has local defaults in development', () => {
    expect(loadCodecServerConfig({}, 'development')).toEqual({
      port: 8888,
      host: '127.0.0.1',
      tokens: [DEV_CODEC_TOKEN],
      corsOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
      requireAuth: true,
      namespace: 'default',
    });
  });

  it('refuses missing tokens, the dev token and auth off in production', () => {
    expect(() => loadCodecServerConfig({}, 'production')).toThrow(CodecConfigError);
    expect(() => loadCodecServerConfig({ CODEC_SERVER_TOKENS: DEV_CODEC_TOKEN }, 'production')).toThrow(
      CodecConfigError,
    );
    expect(() =>
      loadCodecServerConfig({ CODEC_SERVER_TOKENS: 'a-long-enough-token-123', CODEC_SERVER_AUTH: 'off' }, 'production'),
    ).toThrow(/refused in production/);
    expect(
      loadCodecServerConfig(
        { CODEC_SERVER_TOKENS: 'a-long-enough-token-123', CODEC_SERVER_CORS_ORIGINS: 'https://temporal.example.com' },
        'production',
      ).tokens,
    ).toEqual(['a-long-enough-token-123']);
  });

  it('validates port and origins', () => {
    expect(() => loadCodecServerConfig({ CODEC_SERVER_PORT: 'abc' }, 'development')).toThrow(/CODEC_SERVER_PORT/);
    expect(() => loadCodecServerConfig({ CODEC_SERVER_CORS_ORIGINS: 'localhost:8233' }, 'development')).toThrow(
      /CODEC_SERVER_CORS_ORIGINS/,
    );
  });
});
