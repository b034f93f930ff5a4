// The Temporal PayloadCodec that keeps secrets (OTP codes, images, tokens, positions) out of the
// Temporal server's storage: each payload becomes one AES-256-GCM message holding the whole original
// Payload (metadata included, so even the encoding name is hidden), with the key id in clear metadata
// so any holder of that key (worker, gateway, codec server) can decrypt it.
//
// Payloads are bound to their Temporal namespace (issue 27): version 2 payloads carry the namespace in clear
// metadata (`encryption-namespace`) and in the AEAD's associated data, so a payload copied into, or decoded
// for, another namespace fails authentication. Version 1 payloads (no `encryption-namespace`, written before
// this change, e.g. the recorded histories in test/histories/) stay readable; stripping the metadata from a
// version 2 payload does not make it one, because its tag was computed over the version 2 associated data.
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
export const METADATA_NAMESPACE = 'encryption-namespace';

export interface EncryptionCodecOptions {
  /** The Temporal namespace the payloads belong to: new payloads are sealed for it, others refused. */
  namespace: string;
  /**
   * What to do with a version 1 payload, which names no namespace: `decrypt` (the default: workers, clients,
   * replay of old histories), or `leave-encrypted` (the codec server for a role scoped to one namespace,
   * which cannot tell whose it is).
   */
  unbound?: 'decrypt' | 'leave-encrypted';
}

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/**
 * Authenticated, unencrypted context: binding the key id and compression flag means editing the
 * clear metadata (e.g. dropping the compression mark) fails authentication instead of yielding garbage.
 */
const aadFor = (keyId: string, compression: string, namespace?: string): Uint8Array =>
  utf8.encode(
    namespace === undefined
      ? `${ENCODING_ENCRYPTED}|${CIPHER_NAME}|${keyId}|${compression}`
      : `v2|${ENCODING_ENCRYPTED}|${CIPHER_NAME}|${keyId}|${compression}|${namespace}`,
  );

export function isEncrypted(payload: Payload): boolean {
  return fromUtf8(payload.metadata?.[METADATA_ENCODING] ?? undefined) === ENCODING_ENCRYPTED;
}

async function encryptOne(keys: CodecKeys, namespace: string, payload: Payload): Promise<Payload> {
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
    [METADATA_NAMESPACE]: utf8.encode(namespace),
  };
  if (compression) metadata[METADATA_COMPRESSION] = utf8.encode(compression);
  return { metadata, data: seal(key, bytes, aadFor(key.id, compression ?? '', namespace)) };
}

async function decryptOne(keys: CodecKeys, options: EncryptionCodecOptions, payload: Payload): Promise<Payload> {
  // Payloads written before encryption was enabled (or by other codecs) pass through unchanged.
  if (!isEncrypted(payload)) return payload;
  const metadata = payload.metadata ?? {};
  const boundTo = fromUtf8(metadata[METADATA_NAMESPACE]);
  if (boundTo === undefined && options.unbound === 'leave-encrypted') return payload;
  if (boundTo !== undefined && boundTo !== options.namespace) {
    throw new CodecDecodeError(`encrypted payload belongs to another namespace than "${options.namespace}"`);
  }
  const keyId = fromUtf8(metadata[METADATA_KEY_ID]);
  if (!keyId) throw new CodecDecodeError(`encrypted payload has no "${METADATA_KEY_ID}" metadata`);
  const cipher = fromUtf8(metadata[METADATA_CIPHER]) ?? CIPHER_NAME;
  if (cipher !== CIPHER_NAME) throw new CodecDecodeError(`unsupported payload cipher "${cipher}"`);
  const key = keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId, keys.ids);
  const compression = fromUtf8(metadata[METADATA_COMPRESSION]) ?? '';
  const opened = open(key, payload.data ?? new Uint8Array(), aadFor(keyId, compression, boundTo), 'encrypted payload');
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
export function createEncryptionCodec(keys: CodecKeys, options: EncryptionCodecOptions): PayloadCodec {
  return {
    encode: (payloads) => Promise.all(payloads.map((p) => encryptOne(keys, options.namespace, p))),
    decode: (payloads) => Promise.all(payloads.map((p) => decryptOne(keys, options, p))),
  };
}

/** Pass as `dataConverter` to Worker.create, new Client/Connection users and the gateway. */
export function createDataConverter(
  keys: CodecKeys,
  options: EncryptionCodecOptions,
): DataConverter & { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [createEncryptionCodec(keys, options)] };
}
