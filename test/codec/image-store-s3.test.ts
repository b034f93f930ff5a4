// The S3 image store against a real S3-compatible server (SeaweedFS, built once by scripts/seaweedfs.ts
// and started on free ports by scripts/seaweedfs-server.ts): sealed before upload, bound to its
// activation, quota counted in the bucket, deletion, the orphan sweep, key rotation, and outages.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecDecodeError, UnknownKeyError } from '../../codec/errors';
import { ImageNotFound, ImageRejected, ImageStoreUnreachable } from '../../codec/image-store';
import { createImageStore, imageStoreSettings } from '../../codec/image-store-config';
import { S3ImageStore } from '../../codec/s3-image-store';
import { startWeedS3, type WeedS3Server } from '../../scripts/seaweedfs-server';
import { keySpec, keysFrom } from './helpers';

const keyA = keySpec('img-a');
const image = (bytes = 1000) => randomBytes(bytes).toString('base64');

let server: WeedS3Server;
let s3: S3Client;
const BUCKET = 'images-unit';

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

async function objectBytes(key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** A store as a process builds it from env (codec/image-store-config.ts), under its own prefix. */
function envStore(prefix = `t-${randomUUID()}/`, keys = keysFrom(keyA)) {
  const settings = imageStoreSettings({ ...server.env(BUCKET, prefix) }, '/unused');
  // The credentials come from the standard AWS chain: here its env part.
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  return { store: createImageStore(settings, keys) as S3ImageStore, prefix };
}

beforeAll(async () => {
  // The first run on a machine builds `weed` with Go (about 10 minutes on 2 cores); later runs reuse it.
  server = await startWeedS3();
  await server.createBucket(BUCKET);
  s3 = server.client();
}, 1_800_000);

afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

describe('S3ImageStore on SeaweedFS', () => {
  it('is chosen by env, and stores and returns images by references bound to the activation', async () => {
    const { store, prefix } = envStore();
    expect(store).toBeInstanceOf(S3ImageStore);
    expect(store.prefix).toBe(prefix);
    const selfie = image(500 * 1024);
    const ref = await store.put('activation-1', selfie);
    expect(ref).toMatch(/^blob:[0-9a-f]{64}_[A-Za-z0-9_-]{22}$/);
    expect(await store.get(ref, 'activation-1')).toBe(selfie);
    expect(store.belongsTo(ref, 'activation-1')).toBe(true);
    expect(store.belongsTo(ref, 'activation-2')).toBe(false);
    await expect(store.get(ref, 'activation-2')).rejects.toMatchObject({
      name: 'ImageNotFound',
      reason: 'other_activation',
    });
    await expect(store.get('blob:../../etc/passwd')).rejects.toBeInstanceOf(ImageNotFound);
  });

  it('uploads only sealed bytes: no plaintext and no activation id in the bucket', async () => {
    const { store, prefix } = envStore();
    const bytes = randomBytes(64 * 1024);
    await store.put('activation-secret-id', bytes.toString('base64'));
    const [key] = await keysUnder(prefix);
    expect(key).toBeDefined();
    expect(key).not.toContain('activation-secret-id');
    const stored = await objectBytes(key!);
    expect(stored.subarray(0, 4).toString()).toBe('VLI1');
    for (let offset = 0; offset + 64 <= bytes.length; offset += 4099) {
      expect(stored.includes(bytes.subarray(offset, offset + 64))).toBe(false);
    }
    expect(stored.toString('latin1')).not.toContain(bytes.toString('base64').slice(0, 64));
  });

  it('an object copied under another activation or name does not open', async () => {
    const { store, prefix } = envStore();
    const ref = await store.put('activation-a', image());
    const other = await store.put('activation-b', image());
    const [fromKey] = (await keysUnder(prefix)).filter((k) => k.includes(ref.slice(5, 69)));
    const [toKey] = (await keysUnder(prefix)).filter((k) => k.includes(other.slice(5, 69)));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, CopySource: `${BUCKET}/${fromKey}`, Key: toKey }));
    await expect(store.get(other, 'activation-b')).rejects.toBeInstanceOf(CodecDecodeError);
  });

  it('the same image stored again, through either replica, is the same object: retries do not use up the quota', async () => {
    const prefix = `t-${randomUUID()}/`;
    const selfie = image();
    const ref = await envStore(prefix).store.put('activation-r', selfie);
    expect(await envStore(prefix).store.put('activation-r', selfie)).toBe(ref);
    expect(await envStore(prefix).store.countForActivation('activation-r')).toBe(1);
    expect(await envStore(prefix).store.get(ref, 'activation-r')).toBe(selfie);
  });

  it('counts the quota in the bucket: two store instances (two replicas) see the same count', async () => {
    const prefix = `t-${randomUUID()}/`;
    const replica1 = envStore(prefix).store;
    const replica2 = envStore(prefix).store;
    await replica1.put('activation-q', image());
    await replica2.put('activation-q', image());
    await replica2.put('activation-other', image());
    expect(await replica1.countForActivation('activation-q')).toBe(2);
    expect(await replica2.countForActivation('activation-q')).toBe(2);
    expect(await replica1.countForActivation('activation-none')).toBe(0);
  });

  it('deletes one image, and every image of an activation at its end', async () => {
    const { store } = envStore();
    const refs = await Promise.all([1, 2, 3].map(() => store.put('activation-d', image())));
    const kept = await store.put('activation-keep', image());
    await store.delete(refs[0]!, 'activation-d');
    await store.delete(refs[0]!, 'activation-d'); // already gone: still fine
    await expect(store.get(refs[0]!)).rejects.toMatchObject({ name: 'ImageNotFound', reason: 'missing' });
    expect(await store.deleteForActivation('activation-d')).toBe(2);
    expect(await store.countForActivation('activation-d')).toBe(0);
    await expect(store.get(refs[1]!)).rejects.toBeInstanceOf(ImageNotFound);
    expect(await store.get(kept)).toBeTruthy();
  });

  it('sweeps images older than the cut-off by listing the prefix, and leaves everything else alone', async () => {
    const prefix = `t-${randomUUID()}/`;
    const { store } = envStore(prefix);
    // The sweeper's clock runs two minutes ahead: the image is "two minutes old" by the bucket's LastModified.
    const sweeper = new S3ImageStore({
      keys: keysFrom(keyA),
      client: s3,
      bucket: BUCKET,
      prefix,
      now: () => Date.now() + 120_000,
    });
    const ref = await store.put('activation-old', image());
    // Not the store's: another object under the prefix, and an image-looking key outside it.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}README`, Body: 'keep me' }));
    const outside = `other-${randomUUID()}/${'a'.repeat(64)}/${'b'.repeat(22)}.img`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: outside, Body: 'keep me' }));
    expect(await sweeper.sweep(300_000)).toBe(0); // younger than five minutes: kept
    expect(await store.get(ref)).toBeTruthy();
    expect(await sweeper.sweep(60_000)).toBe(1); // older than one minute: an orphan
    await expect(store.get(ref)).rejects.toBeInstanceOf(ImageNotFound);
    expect(await keysUnder(prefix)).toEqual([`${prefix}README`]);
    expect(await keysUnder(outside)).toEqual([outside]);
  });

  it('reads images sealed with a retired key after rotation, and says which key is missing otherwise', async () => {
    const prefix = `t-${randomUUID()}/`;
    const old = envStore(prefix, keysFrom(keyA)).store;
    const ref = await old.put('activation-r', image());
    const rotated = envStore(prefix, keysFrom(keySpec('img-b'), keyA)).store;
    expect(await rotated.get(ref)).toBeTruthy();
    const forgotten = envStore(prefix, keysFrom(keySpec('img-c'))).store;
    await expect(forgotten.get(ref)).rejects.toBeInstanceOf(UnknownKeyError);
  });

  it('refuses bad images before anything is uploaded', async () => {
    const { store, prefix } = envStore();
    await expect(store.put('activation-x', '')).rejects.toBeInstanceOf(ImageRejected);
    await expect(store.put('activation-x', 'not base64!')).rejects.toMatchObject({ reason: 'not_base64' });
    await expect(store.put('activation-x', image(800 * 1024))).rejects.toMatchObject({ reason: 'too_large' });
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe('S3ImageStore settings', () => {
  const settings = (env: Record<string, string>) => () => imageStoreSettings(env, '/data');
  it('keeps the local directory unless a bucket is set, and refuses half or conflicting settings', () => {
    expect(imageStoreSettings({}, '/data')).toEqual({ kind: 'local', dir: '/data/images' });
    expect(settings({ IMAGE_STORE_S3_ENDPOINT: 'http://127.0.0.1:9' })).toThrow(/without IMAGE_STORE_S3_BUCKET/);
    expect(settings({ IMAGE_STORE_S3_BUCKET: 'b-1', IMAGE_STORE_DIR: '/x' })).toThrow(/choose one/);
    expect(settings({ IMAGE_STORE_S3_BUCKET: 'Bad_Bucket' })).toThrow(/not a valid bucket name/);
    expect(settings({ IMAGE_STORE_S3_BUCKET: 'bkt', IMAGE_STORE_S3_PREFIX: '/abs' })).toThrow(/PREFIX/);
    expect(settings({ IMAGE_STORE_S3_BUCKET: 'bkt', IMAGE_STORE_S3_ENDPOINT: 'ftp://x' })).toThrow(/ENDPOINT/);
    expect(settings({ IMAGE_STORE_S3_BUCKET: 'bkt', IMAGE_STORE_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/PATH_STYLE/);
    expect(imageStoreSettings({ IMAGE_STORE_S3_BUCKET: 'bkt', IMAGE_STORE_S3_PREFIX: 'p' }, '/d')).toEqual({
      kind: 's3',
      bucket: 'bkt',
      prefix: 'p/',
      forcePathStyle: false,
    });
  });
});

describe('S3ImageStore when the server stops', () => {
  it('a server killed in the middle of an upload: ImageStoreUnreachable, and no object, whole or half', async () => {
    const { store, prefix } = envStore();
    // Frozen first, so the upload is surely on the wire (in the server's socket buffer) when it dies.
    server.freeze();
    const started = Date.now();
    const upload = store.put('activation-outage', image(600 * 1024));
    const outcome = upload.then(
      () => 'stored',
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await server.kill();
    const error = await outcome;
    expect(error).toBeInstanceOf(ImageStoreUnreachable);
    expect((error as Error).message).toMatch(/could not store an image/);
    expect(Date.now() - started).toBeLessThan(30_000);

    // Every call says the same while the server is down, and nothing hangs.
    await expect(store.countForActivation('activation-outage')).rejects.toBeInstanceOf(ImageStoreUnreachable);
    await expect(store.get(`blob:${'0'.repeat(64)}_${'A'.repeat(22)}`)).rejects.toBeInstanceOf(ImageStoreUnreachable);

    await server.restart();
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await store.countForActivation('activation-outage')).toBe(0);
    const ref = await store.put('activation-outage', image());
    expect(await store.get(ref)).toBeTruthy();
  }, 120_000);
});
