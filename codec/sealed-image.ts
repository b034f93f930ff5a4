// The sealed image format and reference scheme shared by every ImageStore (the local directory and the
// S3 bucket), so an image written by one is read by the other and key rotation works the same way.
// Sealed bytes: "VLI1" | key-id length (1 byte) | key id | nonce | ciphertext | tag (see aead.ts).
// Reference: `blob:<sha256(activationId)>_<image id>`; the hash binds the reference to its activation
// and keeps the activation id out of file and object names. The image id is derived from the image's
// bytes (imageIdFor), so storing the same selfie again for the same activation writes the same object.
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { open, seal } from './aead';
import { CodecDecodeError, UnknownKeyError } from './errors';
import { ImageNotFound, ImageRejected } from './image-store';
import type { CodecKeys } from './keys';

export const DEFAULT_MAX_IMAGE_BYTES = 700 * 1024;
const MAGIC = Buffer.from('VLI1');
/** The activation part of a reference: a SHA-256 in hex. */
export const GROUP = /^[0-9a-f]{64}$/;
const REF = /^blob:([0-9a-f]{64})_([A-Za-z0-9_-]{22})$/;
/** The name one image is kept under inside its activation's group. */
export const IMAGE_NAME = /^[A-Za-z0-9_-]{22}\.img$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_ACTIVATION_ID_CHARS = 256;

export interface ImageLocation {
  group: string;
  id: string;
}

export const imageName = (id: string): string => `${id}.img`;
export const refOf = ({ group, id }: ImageLocation): string => `blob:${group}_${id}`;

export function imageIdFor(keys: CodecKeys, group: string, image: Buffer): string {
  // Its own key derived from the codec key, never the sealing key itself: one key, one job.
  const idKey = Buffer.from(hkdfSync('sha256', keys.primary.secret, Buffer.alloc(0), 'vlens-activation image id', 32));
  return createHmac('sha256', idKey).update(group).update(image).digest().subarray(0, 16).toString('base64url');
}

/** The group (hashed activation id) images of an activation are kept under. Throws ImageRejected. */
export function groupOf(activationId: string): string {
  if (typeof activationId !== 'string' || activationId.length === 0 || activationId.length > MAX_ACTIVATION_ID_CHARS) {
    throw new ImageRejected('bad_activation_id', `activation id must be 1-${MAX_ACTIVATION_ID_CHARS} characters`);
  }
  return createHash('sha256').update(activationId, 'utf8').digest('hex');
}

/**
 * Where a reference points, refusing malformed references and, when `activationId` is given, a reference
 * stored for another activation: one activation's worker never reads another's selfie, whatever reference
 * it was handed. Said as "not found", like any reference this activation does not own.
 */
export function locate(ref: string, activationId?: string): ImageLocation {
  const match = REF.exec(ref);
  if (!match) throw new ImageNotFound('malformed_ref', 'not an image reference of this store');
  const [, group = '', id = ''] = match;
  if (activationId !== undefined && group !== groupOf(activationId)) {
    throw new ImageNotFound('other_activation', `image ${ref} does not exist for this activation`);
  }
  return { group, id };
}

export function refBelongsTo(ref: string, activationId: string): boolean {
  const match = REF.exec(ref);
  return match !== null && match[1] === groupOf(activationId);
}

/** The image's bytes from its base64, refusing empty, oversized or non-base64 input (ImageRejected). */
export function decodeImage(base64Image: string, maxImageBytes: number): Buffer {
  if (typeof base64Image !== 'string' || base64Image.length === 0) throw new ImageRejected('empty', 'image is empty');
  // Size check before decoding, so an oversized body costs no allocation.
  if (base64Image.length > Math.ceil(maxImageBytes / 3) * 4) {
    throw new ImageRejected('too_large', `image is larger than ${maxImageBytes} bytes`);
  }
  if (base64Image.length % 4 !== 0 || !BASE64.test(base64Image)) {
    throw new ImageRejected('not_base64', 'image is not valid base64');
  }
  const bytes = Buffer.from(base64Image, 'base64');
  if (bytes.length > maxImageBytes) throw new ImageRejected('too_large', `image is larger than ${maxImageBytes} bytes`);
  return bytes;
}

/** Seals an image with the primary key, bound to where it will be kept. */
export function sealImage(keys: CodecKeys, image: Buffer, at: ImageLocation): Buffer {
  const key = keys.primary;
  const header = Buffer.concat([MAGIC, Buffer.from([Buffer.byteLength(key.id)]), Buffer.from(key.id)]);
  return Buffer.concat([header, seal(key, image, aad(header, at))]);
}

/** Opens sealed bytes read from `at`; returns the image as base64. Throws CodecDecodeError or UnknownKeyError. */
export function openImage(keys: CodecKeys, sealed: Buffer, at: ImageLocation): string {
  const ref = refOf(at);
  const keyIdLength = sealed[MAGIC.length];
  if (!sealed.subarray(0, MAGIC.length).equals(MAGIC) || keyIdLength === undefined) {
    throw new CodecDecodeError(`image ${ref} is not an encrypted image file`);
  }
  const headerLength = MAGIC.length + 1 + keyIdLength;
  const keyId = sealed.subarray(MAGIC.length + 1, headerLength).toString('utf8');
  const key = keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId, keys.ids);
  const header = sealed.subarray(0, headerLength);
  return open(key, sealed.subarray(headerLength), aad(header, at), `image ${ref}`).toString('base64');
}

/** Binds the ciphertext to its header and location: bytes copied under another reference fail to open. */
const aad = (header: Buffer, { group, id }: ImageLocation): Buffer =>
  Buffer.concat([header, Buffer.from(`|${group}/${id}`)]);
