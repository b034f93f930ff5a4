// AES-256-GCM sealing shared by the payload codec and the image store, so both use the same
// nonce handling and the same key set (and therefore the same rotation story).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodecDecodeError } from './errors';
import type { CodecKey } from './keys';

export const NONCE_BYTES = 12; // the GCM standard nonce size; random per message (2^-32 collision bound is ample here)
export const TAG_BYTES = 16;
export const CIPHER_NAME = 'AES-256-GCM';

/** Returns nonce ‖ ciphertext ‖ tag. `aad` binds unencrypted context (key id, flags, location) to the ciphertext. */
export function seal(key: CodecKey, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Inverse of `seal`; any change to the sealed bytes or the aad is a CodecDecodeError. */
export function open(key: CodecKey, sealed: Uint8Array, aad: Uint8Array, what: string): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new CodecDecodeError(`${what} is truncated (${sealed.length} bytes)`);
  }
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = buf.subarray(0, NONCE_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const body = buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.secret, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    // GCM only says "unauthenticated"; never include the bytes in the message.
    throw new CodecDecodeError(
      `${what} failed authentication with key id "${key.id}": it was altered, truncated or sealed with another key`,
    );
  }
}
