// Default ImageStore: an encrypted local directory (default `.data/images`).
// Layout: <dir>/<sha256(activationId)>/<random id>.img — the activation id is hashed so it can never
// act as a path, and file names are random so nothing personal reaches the file system.
// File format: "VLI1" | key-id length (1 byte) | key id | nonce | ciphertext | tag (see aead.ts).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open, seal } from './aead';
import { CodecDecodeError, UnknownKeyError } from './errors';
import { ImageNotFound, ImageRejected, type ImageStore } from './image-store';
import type { CodecKeys } from './keys';

export const DEFAULT_IMAGE_DIR = path.join('.data', 'images');
export const DEFAULT_MAX_IMAGE_BYTES = 700 * 1024;
const MAGIC = Buffer.from('VLI1');
const GROUP = /^[0-9a-f]{64}$/;
const REF = /^blob:([0-9a-f]{64})_([A-Za-z0-9_-]{22})$/;
const FILE = /^[A-Za-z0-9_-]{22}\.img$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_ACTIVATION_ID_CHARS = 256;

export interface LocalEncryptedImageStoreOptions {
  keys: CodecKeys;
  dir?: string;
  /** Largest accepted image, in decoded bytes. */
  maxImageBytes?: number;
  /** Clock for sweep(); injectable for tests. */
  now?: () => number;
}

const isErrno = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException | undefined)?.code === code;

export class LocalEncryptedImageStore implements ImageStore {
  private readonly keys: CodecKeys;
  readonly dir: string;
  private readonly maxImageBytes: number;
  private readonly now: () => number;

  constructor(options: LocalEncryptedImageStoreOptions) {
    this.keys = options.keys;
    this.dir = path.resolve(options.dir ?? DEFAULT_IMAGE_DIR);
    this.maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    this.now = options.now ?? Date.now;
  }

  async put(activationId: string, base64Image: string): Promise<string> {
    const group = groupOf(activationId);
    const image = this.decodeImage(base64Image);
    const id = randomBytes(16).toString('base64url');
    const key = this.keys.primary;
    const header = Buffer.concat([MAGIC, Buffer.from([Buffer.byteLength(key.id)]), Buffer.from(key.id)]);
    const sealed = seal(key, image, aad(header, group, id));
    const groupDir = path.join(this.dir, group);
    const tmp = path.join(groupDir, `${id}.tmp`);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(groupDir, { recursive: true, mode: 0o700 });
        // Write then rename: a reader never sees a partial file.
        await writeFile(tmp, Buffer.concat([header, sealed]), { mode: 0o600, flag: 'wx' });
        await rename(tmp, path.join(groupDir, `${id}.img`));
        break;
      } catch (error) {
        // A concurrent sweep may remove the (then empty) group directory between mkdir and write: retry once.
        if (!isErrno(error, 'ENOENT') || attempt > 0) throw error;
      }
    }
    return `blob:${group}_${id}`;
  }

  async get(ref: string, activationId?: string): Promise<string> {
    const match = REF.exec(ref);
    if (!match) throw new ImageNotFound('malformed_ref', 'not an image reference of this store');
    const [, group = '', id = ''] = match;
    // The reference names its activation (the group is the hash of its id): one activation's worker
    // never reads another's selfie, whatever reference it was handed. Said as "not found", like any
    // reference this activation does not own.
    if (activationId !== undefined && group !== groupOf(activationId)) {
      throw new ImageNotFound('other_activation', `image ${ref} does not exist for this activation`);
    }
    let file: Buffer;
    try {
      file = await readFile(path.join(this.dir, group, `${id}.img`));
    } catch (error) {
      if (isErrno(error, 'ENOENT'))
        throw new ImageNotFound('missing', `image ${ref} does not exist (deleted or never stored)`);
      throw error;
    }
    const keyIdLength = file[MAGIC.length];
    if (!file.subarray(0, MAGIC.length).equals(MAGIC) || keyIdLength === undefined) {
      throw new CodecDecodeError(`image ${ref} is not an encrypted image file`);
    }
    const headerLength = MAGIC.length + 1 + keyIdLength;
    const keyId = file.subarray(MAGIC.length + 1, headerLength).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownKeyError(keyId, this.keys.ids);
    const header = file.subarray(0, headerLength);
    return open(key, file.subarray(headerLength), aad(header, group, id), `image ${ref}`).toString('base64');
  }

  belongsTo(ref: string, activationId: string): boolean {
    const match = REF.exec(ref);
    return match !== null && match[1] === groupOf(activationId);
  }

  async countForActivation(activationId: string): Promise<number> {
    return (await listDir(path.join(this.dir, groupOf(activationId)))).filter((f) => FILE.test(f)).length;
  }

  async deleteForActivation(activationId: string): Promise<number> {
    const groupDir = path.join(this.dir, groupOf(activationId));
    const count = (await listDir(groupDir)).filter((f) => FILE.test(f)).length;
    await rm(groupDir, { recursive: true, force: true });
    return count;
  }

  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs;
    let removed = 0;
    for (const group of (await listDir(this.dir)).filter((g) => GROUP.test(g))) {
      const groupDir = path.join(this.dir, group);
      for (const name of await listDir(groupDir)) {
        const file = path.join(groupDir, name);
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile() || info.mtimeMs >= cutoff) continue;
        await unlink(file).catch((error: unknown) => {
          if (!isErrno(error, 'ENOENT')) throw error;
        });
        if (FILE.test(name)) removed++; // leftover .tmp files are cleaned but not counted as images
      }
      // Remove the directory if it is now empty; a concurrent put keeps it (ENOTEMPTY) or retries (see put).
      await rmdir(groupDir).catch(() => undefined);
    }
    return removed;
  }

  private decodeImage(base64Image: string): Buffer {
    if (typeof base64Image !== 'string' || base64Image.length === 0) throw new ImageRejected('empty', 'image is empty');
    // Size check before decoding, so an oversized body costs no allocation.
    if (base64Image.length > Math.ceil(this.maxImageBytes / 3) * 4) {
      throw new ImageRejected('too_large', `image is larger than ${this.maxImageBytes} bytes`);
    }
    if (base64Image.length % 4 !== 0 || !BASE64.test(base64Image)) {
      throw new ImageRejected('not_base64', 'image is not valid base64');
    }
    const bytes = Buffer.from(base64Image, 'base64');
    if (bytes.length > this.maxImageBytes) {
      throw new ImageRejected('too_large', `image is larger than ${this.maxImageBytes} bytes`);
    }
    return bytes;
  }
}

/** Binds the ciphertext to its header and location: a file copied under another reference fails to open. */
const aad = (header: Buffer, group: string, id: string): Buffer =>
  Buffer.concat([header, Buffer.from(`|${group}/${id}`)]);

function groupOf(activationId: string): string {
  if (typeof activationId !== 'string' || activationId.length === 0 || activationId.length > MAX_ACTIVATION_ID_CHARS) {
    throw new ImageRejected('bad_activation_id', `activation id must be 1-${MAX_ACTIVATION_ID_CHARS} characters`);
  }
  return createHash('sha256').update(activationId, 'utf8').digest('hex');
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}
