// The Temporal PayloadCodec that keeps secrets (OTP codes, images, tokens, positions) out of the
// Temporal server's storage: each payload becomes one AES-256-GCM message holding the whole original
// Payload (metadata included, so even the encoding name is hidden), with the key id in clear metadata
// so any holder of that key (worker, gateway, codec server) can decrypt it.
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
// Default import: @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot detect.
import proto from '@temporalio/proto';
import { CIPHER_NAME, open, seal } from './aead';
import { decompress, maybeCompress } from './compression';
import { CodecDecodeError, UnknownKeyError } from './errors';
import type { CodecKeys } from './keys';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const METADATA_COMPRESSION = 'encryption-compression';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/**
 * Authenticated, unencrypted context: binding the key id and compression flag means editing the
 * clear metadata (e.g. dropping the compression mark) fails authentication instead of yielding garbage.
 */
const aadFor = (keyId: string, compression: string): Uint8Array =>
  utf8.encode(`${ENCODING_ENCRYPTED}|${CIPHER_NAME}|${keyId}|${compression}`);

export function isEncrypted(payload: Payload): boolean {
  return fromUtf8(payload.metadata?.[METADATA_ENCODING] ?? undefined) === ENCODING_ENCRYPTED;
}

async function encryptOne(keys: CodecKeys, payload: Payload): Promise<Payload> {
  // Never wrap twice: the codec server's /encode may be handed payloads that are already encrypted.
  if (isEncrypted(payload)) return payload;
  const plain = ProtoPayload.encode({
    metadata: payload.metadata ?? {},
    data: payload.data ?? new Uint8Array(),
  }).finish();
  const { bytes, compression } = await maybeCompress(plain);
  const key = keys.primary;
  const metadata: Record<string, Uint8Array> = {
    [METADATA_ENCODING]: utf8.encode(ENCODING_ENCRYPTED),
    [METADATA_KEY_ID]: utf8.encode(key.id),
    [METADATA_CIPHER]: utf8.encode(CIPHER_NAME),
  };
  if (compression) metadata[METADATA_COMPRESSION] = utf8.encode(compression);
  return { metadata, data: seal(key, bytes, aadFor(key.id, compression ?? '')) };
}

async function decryptOne(keys: CodecKeys, payload: Payload): Promise<Payload> {
  // Payloads written before encryption was enabled (or by other codecs) pass through unchanged.
  if (!isEncrypted(payload)) return payload;
  const metadata = payload.metadata ?? {};
  const keyId = fromUtf8(metadata[METADATA_KEY_ID]);
  if (!keyId) throw new CodecDecodeError(`encrypted payload has no "${METADATA_KEY_ID}" metadata`);
  const cipher = fromUtf8(metadata[METADATA_CIPHER]) ?? CIPHER_NAME;
  if (cipher !== CIPHER_NAME) throw new CodecDecodeError(`unsupported payload cipher "${cipher}"`);
  const key = keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId, keys.ids);
  const compression = fromUtf8(metadata[METADATA_COMPRESSION]) ?? '';
  const opened = open(key, payload.data ?? new Uint8Array(), aadFor(keyId, compression), 'encrypted payload');
  const plain = compression ? await decompress(opened, compression) : opened;
  let inner: proto.temporal.api.common.v1.Payload;
  try {
    inner = ProtoPayload.decode(plain);
  } catch (error) {
    throw new CodecDecodeError(`decrypted payload is not a Temporal Payload: ${(error as Error).message}`);
  }
  return { metadata: inner.metadata, data: inner.data };
}

/** The codec for worker, client, gateway and codec server. Key material stays inside `keys`. */
export function createEncryptionCodec(keys: CodecKeys): PayloadCodec {
  return {
    encode: (payloads) => Promise.all(payloads.map((p) => encryptOne(keys, p))),
    decode: (payloads) => Promise.all(payloads.map((p) => decryptOne(keys, p))),
  };
}

/** Pass as `dataConverter` to Worker.create, new Client/Connection users and the gateway. */
export function createDataConverter(keys: CodecKeys): DataConverter & { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [createEncryptionCodec(keys)] };
}
