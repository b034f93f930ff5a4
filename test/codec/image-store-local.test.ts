import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecDecodeError, UnknownKeyError } from '../../codec/errors';
import { ApplicationFailure } from '@temporalio/common';
import { imageStoreResolver } from '../../codec/image-resolver';
import { ImageNotFound, ImageRejected } from '../../codec/image-store';
import { LocalEncryptedImageStore } from '../../codec/local-image-store';
import { keySpec, keysFrom } from './helpers';

const IMAGE_REF = /^blob:[A-Za-z0-9_-]{8,200}$/; // what the workflow accepts (contract/input-checks.ts)
const keyA = keySpec('img-a');
const newStore = (options: Partial<ConstructorParameters<typeof LocalEncryptedImageStore>[0]> = {}) =>
  new LocalEncryptedImageStore({ keys: keysFrom(keyA), dir: mkdtempSync(path.join(tmpdir(), 'images-')), ...options });
const image = (bytes = 1000) => randomBytes(bytes).toString('base64');

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('LocalEncryptedImageStore', () => {
  it('stores and returns images by a reference the workflow accepts', async () => {
    const store = newStore();
    const selfie = image();
    const ref = await store.put('activation-1', selfie);
    expect(ref).toMatch(IMAGE_REF);
    expect(await store.get(ref)).toBe(selfie);
  });

  it('the same image stored again for an activation is the same object; for another activation or key, another', async () => {
    const store = newStore();
    const selfie = image();
    const ref = await store.put('activation-2', selfie);
    const [again, concurrent] = await Promise.all([
      store.put('activation-2', selfie),
      store.put('activation-2', selfie),
    ]);
    expect([again, concurrent]).toEqual([ref, ref]);
    expect(await store.countForActivation('activation-2')).toBe(1);
    expect(await store.get(ref, 'activation-2')).toBe(selfie);
    const elsewhere = await store.put('activation-3', selfie);
    expect(elsewhere.slice(70)).not.toBe(ref.slice(70));
    // The id is keyed: a store with another codec key names the same picture differently.
    const otherKey = new LocalEncryptedImageStore({ keys: keysFrom(keySpec('img-other')), dir: store.dir });
    expect(await otherKey.put('activation-2', selfie)).not.toBe(ref);
  });

  it('keeps 4 x 500 KB images and their files hold neither the bytes nor any 64-char window of the base64', async () => {
    const store = newStore();
    const images = [1, 2, 3, 4].map(() => randomBytes(500 * 1024));
    const refs = await Promise.all(images.map((b) => store.put('activation-4', b.toString('base64'))));
    for (const [i, ref] of refs.entries()) expect(await store.get(ref)).toBe(images[i]?.toString('base64'));

    const files = filesUnder(store.dir);
    expect(files).toHaveLength(4);
    const base64s = images.map((b) => b.toString('base64'));
    for (const file of files) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(file).not.toContain('activation-4');
      const content = readFileSync(file);
      // A 64-char window of base64 can only sit inside a run of >= 64 base64-alphabet characters, so
      // checking each such run's windows is exact and fast (random ciphertext has essentially none).
      for (const run of content.toString('latin1').match(/[A-Za-z0-9+/=]{64,}/g) ?? []) {
        for (let i = 0; i + 64 <= run.length; i++) {
          const window = run.slice(i, i + 64);
          for (const b64 of base64s) expect(b64.includes(window)).toBe(false);
        }
      }
      // The raw image bytes: sampled 64-byte windows across each image.
      for (const img of images) {
        for (let offset = 0; offset + 64 <= img.length; offset += 32 * 1024 + 7) {
          expect(content.includes(img.subarray(offset, offset + 64))).toBe(false);
        }
      }
    }
  });

  it('rejects non-base64 and oversized images with ImageRejected', async () => {
    const store = newStore({ maxImageBytes: 1000 });
    await expect(store.put('a', 'not base64!!')).rejects.toMatchObject({ name: 'ImageRejected', reason: 'not_base64' });
    await expect(store.put('a', 'data:image/jpeg;base64,AAAA')).rejects.toBeInstanceOf(ImageRejected);
    await expect(store.put('a', '')).rejects.toMatchObject({ reason: 'empty' });
    await expect(store.put('a', image(1001))).rejects.toMatchObject({ reason: 'too_large' });
    await expect(store.put('a', 'A'.repeat(10_000_000))).rejects.toMatchObject({ reason: 'too_large' });
    await expect(store.put('', image(10))).rejects.toMatchObject({ reason: 'bad_activation_id' });
    expect(await store.get(await store.put('a', image(1000)))).toHaveLength(1336);
  });

  it('defaults to a 700 KB limit', async () => {
    const store = newStore();
    await expect(store.put('a', image(700 * 1024 + 1))).rejects.toMatchObject({ reason: 'too_large' });
    expect(await store.put('a', image(700 * 1024))).toMatch(IMAGE_REF);
  });

  it('rejects path traversal in references and keeps activation ids out of paths', async () => {
    const store = newStore();
    for (const ref of [
      'blob:../../etc/passwd',
      `blob:${'0'.repeat(64)}_../../../../etc/pas`,
      'blob:..%2F..%2Fsecret',
      '../../etc/passwd',
      `blob:${'0'.repeat(64)}/${'a'.repeat(22)}`,
    ]) {
      await expect(store.get(ref)).rejects.toMatchObject({ name: 'ImageNotFound', reason: 'malformed_ref' });
    }
    await store.put('../../escape', image(10));
    await store.put('/etc/passwd', image(10));
    for (const file of filesUnder(store.dir)) {
      expect(path.relative(store.dir, file)).toMatch(/^[0-9a-f]{64}\/[A-Za-z0-9_-]{22}\.img$/);
    }
  });

  it('throws ImageNotFound for unknown references and after deletion', async () => {
    const store = newStore();
    await expect(store.get(`blob:${'a'.repeat(64)}_${'b'.repeat(22)}`)).rejects.toMatchObject({ reason: 'missing' });
    const ref = await store.put('act-x', image());
    const other = await store.put('act-y', image());
    expect(await store.deleteForActivation('act-x')).toBe(1);
    await expect(store.get(ref)).rejects.toBeInstanceOf(ImageNotFound);
    expect(await store.get(other)).toBeTypeOf('string');
    expect(await store.deleteForActivation('act-x')).toBe(0);
  });

  it('deletes every image of an activation', async () => {
    const store = newStore();
    await Promise.all([1, 2, 3].map(() => store.put('act-many', image())));
    expect(await store.deleteForActivation('act-many')).toBe(3);
    expect(filesUnder(store.dir)).toHaveLength(0);
  });

  it('sweeps only images older than the given age', async () => {
    let now = Date.now();
    const store = newStore({ now: () => now });
    const old = await store.put('act-old', image());
    now += 60 * 60_000;
    expect(await store.sweep(2 * 60 * 60_000)).toBe(0);
    now += 2 * 60 * 60_000;
    expect(await store.sweep(2 * 60 * 60_000)).toBe(1);
    await expect(store.get(old)).rejects.toBeInstanceOf(ImageNotFound);
    expect(readdirSync(store.dir)).toHaveLength(0); // empty activation directories go too
  });

  it('detects a tampered file and a file moved under another reference', async () => {
    const store = newStore();
    const ref = await store.put('act-t', image());
    const [file] = filesUnder(store.dir);
    const content = readFileSync(file!);
    content[content.length - 20] = (content[content.length - 20] ?? 0) ^ 1;
    const { writeFileSync, renameSync } = await import('node:fs');
    writeFileSync(file!, content);
    await expect(store.get(ref)).rejects.toBeInstanceOf(CodecDecodeError);

    const ref2 = await store.put('act-t', image());
    const id2 = ref2.split('_').slice(1).join('_');
    const moved = path.join(path.dirname(file!), `${'Z'.repeat(22)}.img`);
    renameSync(path.join(path.dirname(file!), `${id2}.img`), moved);
    const group = path.basename(path.dirname(file!));
    await expect(store.get(`blob:${group}_${'Z'.repeat(22)}`)).rejects.toThrow(/failed authentication/);
  });

  it('follows key rotation: old images stay readable, unknown key ids are named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'images-rot-'));
    const oldStore = new LocalEncryptedImageStore({ keys: keysFrom(keyA), dir });
    const ref = await oldStore.put('act-r', image());
    const rotated = new LocalEncryptedImageStore({ keys: keysFrom(keySpec('img-b'), keyA), dir });
    expect(await rotated.get(ref)).toBe(await oldStore.get(ref));
    const newRef = await rotated.put('act-r', image());
    await expect(oldStore.get(newRef)).rejects.toBeInstanceOf(UnknownKeyError);
    await expect(oldStore.get(newRef)).rejects.toThrow(/"img-b"/);
  });

  it('imageStoreResolver turns a missing image into a non-retryable ApplicationFailure', async () => {
    const store = newStore();
    const resolve = imageStoreResolver(store);
    const selfie = image();
    expect(await resolve(await store.put('act-res', selfie))).toBe(selfie);
    const failure = await resolve(`blob:${'c'.repeat(64)}_${'d'.repeat(22)}`).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ImageNotFound', nonRetryable: true });
  });
});
