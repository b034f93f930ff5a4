// Default ImageStore: an encrypted local directory (default `.data/images`).
// Layout: <dir>/<sha256(activationId)>/<image id>.img — the activation id is hashed so it can never
// act as a path, and file names are keyed hashes (imageIdFor) so nothing personal reaches the file system. The sealed
// format and the references are sealed-image.ts's, shared with the S3 store.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageNotFound, type ImageStore } from './image-store';
import type { CodecKeys } from './keys';
import {
  DEFAULT_MAX_IMAGE_BYTES,
  decodeImage,
  GROUP,
  groupOf,
  IMAGE_NAME,
  imageName,
  locate,
  imageIdFor,
  openImage,
  refBelongsTo,
  refOf,
  sealImage,
} from './sealed-image';

export { DEFAULT_MAX_IMAGE_BYTES } from './sealed-image';
export const DEFAULT_IMAGE_DIR = path.join('.data', 'images');

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
    const image = decodeImage(base64Image, this.maxImageBytes);
    const group = groupOf(activationId);
    const at = { group, id: imageIdFor(this.keys, group, image) };
    const sealed = sealImage(this.keys, image, at);
    const groupDir = path.join(this.dir, at.group);
    // A name of its own: two puts of the same image at once must not meet on one temporary file.
    const tmp = path.join(groupDir, `${at.id}.${randomBytes(6).toString('hex')}.tmp`);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(groupDir, { recursive: true, mode: 0o700 });
        // Write then rename: a reader never sees a partial file.
        await writeFile(tmp, sealed, { mode: 0o600, flag: 'wx' });
        await rename(tmp, path.join(groupDir, imageName(at.id)));
        break;
      } catch (error) {
        // A concurrent sweep may remove the (then empty) group directory between mkdir and write: retry once.
        if (!isErrno(error, 'ENOENT') || attempt > 0) throw error;
      }
    }
    return refOf(at);
  }

  async get(ref: string, activationId?: string): Promise<string> {
    const at = locate(ref, activationId);
    let file: Buffer;
    try {
      file = await readFile(path.join(this.dir, at.group, imageName(at.id)));
    } catch (error) {
      if (isErrno(error, 'ENOENT'))
        throw new ImageNotFound('missing', `image ${ref} does not exist (deleted or never stored)`);
      throw error;
    }
    return openImage(this.keys, file, at);
  }

  belongsTo(ref: string, activationId: string): boolean {
    return refBelongsTo(ref, activationId);
  }

  async countForActivation(activationId: string): Promise<number> {
    return (await listDir(path.join(this.dir, groupOf(activationId)))).filter((f) => IMAGE_NAME.test(f)).length;
  }

  async delete(ref: string, activationId: string): Promise<void> {
    const at = locate(ref, activationId);
    await unlink(path.join(this.dir, at.group, imageName(at.id))).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }

  async deleteForActivation(activationId: string): Promise<number> {
    const groupDir = path.join(this.dir, groupOf(activationId));
    const count = (await listDir(groupDir)).filter((f) => IMAGE_NAME.test(f)).length;
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
        if (IMAGE_NAME.test(name)) removed++; // leftover .tmp files are cleaned but not counted as images
      }
      // Remove the directory if it is now empty; a concurrent put keeps it (ENOTEMPTY) or retries (see put).
      await rmdir(groupDir).catch(() => undefined);
    }
    return removed;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}
