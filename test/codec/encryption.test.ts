import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  createDataConverter,
  createEncryptionCodec,
  ENCODING_ENCRYPTED,
  METADATA_COMPRESSION,
  METADATA_KEY_ID,
} from '../../codec/encryption-codec';
import { CodecDecodeError, UnknownKeyError } from '../../codec/errors';
import { MIN_COMPRESS_BYTES } from '../../codec/compression';
import { keySpec, keysFrom } from './helpers';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload as Payload);

async function encodeOne(codec: ReturnType<typeof createEncryptionCodec>, value: unknown): Promise<Payload> {
  const [encoded] = await codec.encode([toPayload(value)]);
  if (!encoded) throw new Error('no payload');
  return encoded;
}

const NS = { namespace: 'default' };

describe('encryption codec', () => {
  const a = keySpec('key-a');
  const codec = createEncryptionCodec(keysFrom(a), NS);

  it('round-trips payloads and hides the content and the inner encoding', async () => {
    const secret = { code: '482913', accessToken: 'user-token-xyz' };
    const encoded = await encodeOne(codec, secret);
    expect(text(encoded.metadata?.encoding)).toBe(ENCODING_ENCRYPTED);
    expect(text(encoded.metadata?.[METADATA_KEY_ID])).toBe('key-a');
    expect(text(encoded.data)).not.toContain('482913');
    expect(text(encoded.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded]);
    expect(text(decoded?.metadata?.encoding)).toBe('json/plain');
    expect(fromPayload(decoded)).toEqual(secret);
  });

  it('uses a fresh nonce per payload', async () => {
    const [x, y] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(Buffer.from(x?.data ?? []).equals(Buffer.from(y?.data ?? []))).toBe(false);
  });

  it('round-trips a 2 MB payload and compresses compressible data', async () => {
    const big = { image: randomBytes(1_500_000).toString('base64') }; // ~2 MB of JSON
    expect(toPayload(big).data?.length).toBeGreaterThan(2_000_000);
    const encoded = await encodeOne(codec, big);
    expect(text(encoded.metadata?.[METADATA_COMPRESSION])).toBe('br');
    expect(encoded.data?.length).toBeLessThan(1_700_000); // base64 of random bytes shrinks to ~3/4
    const [decoded] = await codec.decode([encoded]);
    expect(fromPayload(decoded)).toEqual(big);
  });

  it('leaves payloads under MIN_COMPRESS_BYTES uncompressed, however compressible', async () => {
    const small = { padding: 'p'.repeat(MIN_COMPRESS_BYTES - 100) };
    expect(toPayload(small).data?.length).toBeLessThan(MIN_COMPRESS_BYTES);
    expect((await encodeOne(codec, small)).metadata?.[METADATA_COMPRESSION]).toBeUndefined();
    const large = { padding: 'p'.repeat(MIN_COMPRESS_BYTES) };
    expect(text((await encodeOne(codec, large)).metadata?.[METADATA_COMPRESSION])).toBe('br');
  });

  it('does not compress when that would not help', async () => {
    const tiny = await encodeOne(codec, 'x');
    expect(tiny.metadata?.[METADATA_COMPRESSION]).toBeUndefined();
    const raw = defaultPayloadConverter.toPayload(randomBytes(5000)); // binary/plain, incompressible
    const [noise] = await codec.encode([raw]);
    expect(noise?.metadata?.[METADATA_COMPRESSION]).toBeUndefined();
    const [back] = await codec.decode([noise!]);
    expect(Buffer.from(back?.data ?? []).equals(Buffer.from(raw.data ?? []))).toBe(true);
  });

  it('detects tampering: a flipped byte anywhere in the data fails', async () => {
    const encoded = await encodeOne(codec, { code: '123456', padding: 'p'.repeat(1000) });
    const data = Buffer.from(encoded.data ?? []);
    for (const index of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
      const copy = Buffer.from(data);
      copy[index] = (copy[index] ?? 0) ^ 0x01;
      await expect(codec.decode([{ ...encoded, data: copy }])).rejects.toThrow(CodecDecodeError);
    }
  });

  it('detects tampering with the clear metadata (compression mark removed)', async () => {
    const encoded = await encodeOne(codec, { padding: 'p'.repeat(5000) });
    const { [METADATA_COMPRESSION]: _dropped, ...metadata } = encoded.metadata ?? {};
    await expect(codec.decode([{ ...encoded, metadata }])).rejects.toThrow(/failed authentication/);
  });

  it('names the unknown key id', async () => {
    const encoded = await encodeOne(createEncryptionCodec(keysFrom(keySpec('retired-2025')), NS), 'x');
    const error = await codec.decode([encoded]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as Error).message).toContain('"retired-2025"');
  });

  it('passes unencrypted payloads through decode and does not double-encrypt', async () => {
    const plain = toPayload({ hello: 'world' });
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
    const encoded = await encodeOne(codec, 'once');
    const [again] = await codec.encode([encoded]);
    expect(again).toBe(encoded);
  });

  it('supports key rotation: old data decrypts, new data uses the new key', async () => {
    const b = keySpec('key-b');
    const oldPayload = await encodeOne(codec, { code: '111111' });
    const rotated = createEncryptionCodec(keysFrom(b, a), NS);
    const [decodedOld] = await rotated.decode([oldPayload]);
    expect(fromPayload(decodedOld)).toEqual({ code: '111111' });
    const newPayload = await encodeOne(rotated, { code: '222222' });
    expect(text(newPayload.metadata?.[METADATA_KEY_ID])).toBe('key-b');
    // A process that only has the old key cannot read new data, and says which key it lacks.
    await expect(codec.decode([newPayload])).rejects.toThrow(/"key-b"/);
  });

  it('createDataConverter wires the codec for Temporal', async () => {
    const converter = createDataConverter(keysFrom(a), NS);
    expect(converter.payloadCodecs).toHaveLength(1);
    const [encoded] = await converter.payloadCodecs[0]!.encode([toPayload(1)]);
    const [decoded] = await codec.decode([encoded!]);
    expect(fromPayload(decoded)).toBe(1);
  });
});
