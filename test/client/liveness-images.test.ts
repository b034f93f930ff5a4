// storeLivenessImages on its own, over a real local store with one operation made to fail: a submission is
// stored whole or not at all, and an unreachable store becomes ImageStoreUnavailable (503 in the gateway).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStoreUnreachable, LocalEncryptedImageStore } from '../../codec';
import { ImageStoreUnavailable, InvalidInput, UploadQuotaExceeded } from '../../client/errors';
import { storeLivenessImages } from '../../client/liveness-images';
import { keySpec, keysFrom } from '../codec/helpers';

const image = () => randomBytes(200).toString('base64');
const device = { latitude: 30, longitude: 31, deviceId: 'd-1' } as never;

/** A local store whose n-th put (1-based) fails with `error`. */
function storeFailingPut(n: number, error: Error) {
  const store = new LocalEncryptedImageStore({
    keys: keysFrom(keySpec('img-a')),
    dir: mkdtempSync(path.join(tmpdir(), 'images-')),
  });
  const put = store.put.bind(store);
  let calls = 0;
  store.put = async (activationId, base64) => {
    calls++;
    if (calls === n) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the others finish first
      throw error;
    }
    return put(activationId, base64);
  };
  return store;
}

describe('storeLivenessImages', () => {
  it('an unreachable store: ImageStoreUnavailable, and the images already stored are deleted again', async () => {
    const store = storeFailingPut(3, new ImageStoreUnreachable('connection refused'));
    const submission = { image: image(), faces: [image(), image(), image()] as [string, string, string], device };
    const error = await storeLivenessImages(store, 'req-1', submission, 8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageStoreUnavailable);
    expect((error as ImageStoreUnavailable).code).toBe('image_store_unavailable');
    expect(await store.countForActivation('req-1')).toBe(0);
  });

  it('the quota count failing is ImageStoreUnavailable too, before anything is written', async () => {
    const store = storeFailingPut(99, new Error('unused'));
    store.countForActivation = () => Promise.reject(new ImageStoreUnreachable('timeout'));
    const error = await storeLivenessImages(store, 'req-2', { image: image(), device }, 8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageStoreUnavailable);
  });

  it('a refused image is InvalidInput and leaves nothing behind', async () => {
    const store = storeFailingPut(99, new Error('unused'));
    const submission = { image: image(), faces: [image(), 'not base64!', image()] as [string, string, string], device };
    const error = await storeLivenessImages(store, 'req-3', submission, 8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect(await store.countForActivation('req-3')).toBe(0);
  });

  it('other failures stay what they are (a 500), after the same clean-up', async () => {
    const store = storeFailingPut(1, new Error('disk full'));
    const submission = { image: image(), faces: [image(), image(), image()] as [string, string, string], device };
    await expect(storeLivenessImages(store, 'req-4', submission, 8)).rejects.toThrow('disk full');
    expect(await store.countForActivation('req-4')).toBe(0);
  });

  it('the same submission sent again (its update was refused, or the store failed after writing) is not charged twice', async () => {
    const store = storeFailingPut(99, new Error('unused'));
    const submission = { image: image(), faces: [image(), image(), image()] as [string, string, string], device };
    const first = await storeLivenessImages(store, 'req-6', submission, 8);
    // Five more tries of the same selfies: within a quota of 8, and still the same four objects.
    for (let i = 0; i < 5; i++) expect(await storeLivenessImages(store, 'req-6', submission, 8)).toEqual(first);
    expect(await store.countForActivation('req-6')).toBe(4);
    // New selfies are new images, counted: the quota still bounds what one activation stores.
    const retake = { image: image(), faces: [image(), image(), image()] as [string, string, string], device };
    await storeLivenessImages(store, 'req-6', retake, 8);
    await expect(storeLivenessImages(store, 'req-6', { ...retake, image: image() }, 8)).rejects.toBeInstanceOf(
      UploadQuotaExceeded,
    );
  });

  it('a whole submission is stored and its references returned in place', async () => {
    const store = storeFailingPut(99, new Error('unused'));
    const submission = { image: image(), faces: [image(), image(), image()] as [string, string, string], device };
    const stored = await storeLivenessImages(store, 'req-5', submission, 8);
    expect([stored.image, ...(stored.faces ?? [])].every((ref) => ref.startsWith('blob:'))).toBe(true);
    expect(await store.get(stored.faces![1], 'req-5')).toBe(submission.faces[1]);
    expect(await store.countForActivation('req-5')).toBe(4);
  });
});
