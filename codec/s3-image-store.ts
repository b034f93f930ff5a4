// The claim-check store in an S3 bucket (AWS S3 or an S3-compatible store: R2, MinIO, SeaweedFS, Ceph,
// GCS interop), for deployments whose gateway and workers share no disk (issue 23).
// Layout: <prefix><sha256(activationId)>/<image id>.img (imageIdFor), the same names and sealed bytes as the local
// directory store (sealed-image.ts): images are sealed with the codec keys before upload, so the bucket
// never holds plaintext, and the ciphertext is bound to its key, so an object copied under another name
// does not open.
// - An image is one PutObject with its Content-Length: S3 stores an object whole or not at all, so an
//   upload cut off by an outage leaves nothing behind (and a truncated object could not be opened anyway).
// - The per-activation quota is counted in the bucket (a listing of the activation's prefix), so every
//   gateway replica sees the same count.
// - The orphan sweep lists the prefix and deletes images older than the cut-off by their LastModified; it
//   needs no bucket lifecycle rule (docs/production.md, "Scaling out", says how to add one anyway).
// - Deletes are one DeleteObject per image, not DeleteObjects: GCS's interop API has no multi-delete.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  paginateListObjectsV2,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ImageNotFound, ImageStoreUnreachable, type ImageStore } from './image-store';
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
  type ImageLocation,
} from './sealed-image';

/** Deadline of one store call, retries included: past it the caller gets ImageStoreUnreachable. */
export const DEFAULT_S3_CALL_TIMEOUT_MS = 15_000;
const DELETE_CONCURRENCY = 16;

export interface S3ImageStoreOptions {
  keys: CodecKeys;
  client: S3Client;
  bucket: string;
  /** Key prefix, '' or ending in '/' (image-store-config.ts normalises it). */
  prefix?: string;
  maxImageBytes?: number;
  callTimeoutMs?: number;
  /** Clock for sweep(); injectable for tests. */
  now?: () => number;
}

export class S3ImageStore implements ImageStore {
  private readonly keys: CodecKeys;
  private readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly maxImageBytes: number;
  private readonly callTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: S3ImageStoreOptions) {
    this.keys = options.keys;
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_S3_CALL_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  async put(activationId: string, base64Image: string): Promise<string> {
    const image = decodeImage(base64Image, this.maxImageBytes);
    const group = groupOf(activationId);
    const at = { group, id: imageIdFor(this.keys, group, image) };
    const sealed = sealImage(this.keys, image, at);
    await this.call('store an image', (abortSignal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(at),
          Body: sealed,
          ContentLength: sealed.length,
          ContentType: 'application/octet-stream',
        }),
        { abortSignal },
      ),
    );
    return refOf(at);
  }

  async get(ref: string, activationId?: string): Promise<string> {
    const at = locate(ref, activationId);
    const sealed = await this.call('read an image', async (abortSignal) => {
      try {
        const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(at) }), {
          abortSignal,
        });
        if (!answer.Body) throw new ImageStoreUnreachable('the store answered without a body');
        return Buffer.from(await answer.Body.transformToByteArray());
      } catch (error) {
        if (error instanceof NoSuchKey) {
          throw new ImageNotFound('missing', `image ${ref} does not exist (deleted or never stored)`);
        }
        throw error;
      }
    });
    return openImage(this.keys, sealed, at);
  }

  belongsTo(ref: string, activationId: string): boolean {
    return refBelongsTo(ref, activationId);
  }

  async countForActivation(activationId: string): Promise<number> {
    const group = groupOf(activationId);
    return (await this.list(`${this.prefix}${group}/`)).filter((o) => this.locationOf(o.key)?.group === group).length;
  }

  async delete(ref: string, activationId: string): Promise<void> {
    await this.deleteKeys([this.keyOf(locate(ref, activationId))]);
  }

  async deleteForActivation(activationId: string): Promise<number> {
    const group = groupOf(activationId);
    const keys = (await this.list(`${this.prefix}${group}/`))
      .map((o) => o.key)
      .filter((key) => this.locationOf(key)?.group === group);
    await this.deleteKeys(keys);
    return keys.length;
  }

  /** Lists the whole prefix and deletes this store's images last modified before the cut-off. */
  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs;
    const old = (await this.list(this.prefix))
      .filter((o) => this.locationOf(o.key) !== undefined && o.lastModified < cutoff)
      .map((o) => o.key);
    await this.deleteKeys(old);
    return old.length;
  }

  private keyOf(at: ImageLocation): string {
    return `${this.prefix}${at.group}/${imageName(at.id)}`;
  }

  /** The location of a key this store wrote; undefined for anything else under the prefix (left alone). */
  private locationOf(key: string): ImageLocation | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    const [group, name, ...rest] = key.slice(this.prefix.length).split('/');
    if (rest.length || !group || !name || !GROUP.test(group) || !IMAGE_NAME.test(name)) return undefined;
    return { group, id: name.slice(0, -'.img'.length) };
  }

  private async list(prefix: string): Promise<{ key: string; lastModified: number }[]> {
    return this.call('list images', async (abortSignal) => {
      const found: { key: string; lastModified: number }[] = [];
      const pages = paginateListObjectsV2(
        { client: this.client, pageSize: 1000 },
        { Bucket: this.bucket, Prefix: prefix },
        { abortSignal },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key) found.push({ key: object.Key, lastModified: object.LastModified?.getTime() ?? 0 });
        }
      }
      return found;
    });
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY) {
      await Promise.all(
        keys.slice(i, i + DELETE_CONCURRENCY).map((key) =>
          // S3 answers 204 for a key that is already gone, so a repeated delete is harmless.
          this.call('delete an image', (abortSignal) =>
            this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }),
          ),
        ),
      );
    }
  }

  /**
   * Runs one store call under the call deadline (the SDK's own retries happen inside it) and says
   * "unreachable" for what a later retry could fix; anything else (access denied, no such bucket) is a
   * configuration error and stays as the SDK threw it.
   */
  private async call<T>(what: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.callTimeoutMs));
    } catch (error) {
      if (error instanceof ImageNotFound || error instanceof ImageStoreUnreachable) throw error;
      if (isTransient(error)) {
        throw new ImageStoreUnreachable(`the image store could not ${what}: ${describe(error)}`, { cause: error });
      }
      throw error;
    }
  }
}

const TRANSIENT_S3_ERRORS = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'Throttling',
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// The SDK's socket timeouts, and the call deadline's abort (AbortSignal.timeout).
const TIMEOUT_ERROR_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/** A network failure, a timeout, or an answer a retry could change (5xx, 429, throttling). */
function isTransient(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    return (status !== undefined && (status >= 500 || status === 429)) || TRANSIENT_S3_ERRORS.has(error.name);
  }
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_ERROR_CODES.has(code)) || TIMEOUT_ERROR_NAMES.has(error.name);
}

function describe(error: unknown): string {
  if (error instanceof S3ServiceException) return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '-'})`;
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.name;
  return 'unknown error';
}
