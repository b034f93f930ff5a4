// Claim-check for liveness selfies (docs/design.md, "Data safety"): full-size images are put in the
// encrypted image store and only their `blob:` references travel in the update, so no image ever enters
// workflow history (and four 500 KB selfies fit under Temporal's 2 MB payload limit). The workflow deletes
// an activation's images when it ends; images of a refused update are left to the worker's orphan sweep.
//
// Issue 12: each activation may store at most `maxImages` images (checked before the first byte of a
// submission is written, so a submission is stored whole or not at all), and a reference a caller sends
// must be one stored for this activation.
//
// Issue 23: a store that cannot be reached (an S3 outage) is ImageStoreUnavailable (503 + Retry-After),
// and the images of a submission that was not stored whole are deleted again, so a retry is not charged
// for them against the quota (when the store is down for the delete too, the orphan sweep removes them).
import { ImageRejected, ImageStoreUnreachable, type ImageStore } from '../codec';
import { IMAGE_REF } from '../contract/rules';
import type { SubmitLivenessInput } from '../contract/types';
import { ImageStoreUnavailable, InvalidInput, UploadQuotaExceeded } from './errors';

async function store(images: ImageStore, requestId: string, image: string, field: string): Promise<string> {
  if (IMAGE_REF.test(image)) return image; // checked to belong to this activation above
  try {
    return await images.put(requestId, image);
  } catch (error) {
    if (error instanceof ImageRejected)
      throw new InvalidInput(`invalid liveness submission: ${field} ${error.message}`, [
        { field, message: error.message },
      ]);
    throw unreachableAsUnavailable(error);
  }
}

function unreachableAsUnavailable(error: unknown): unknown {
  return error instanceof ImageStoreUnreachable
    ? new ImageStoreUnavailable(
        'the liveness image store is unavailable; nothing was submitted, retry later',
        undefined,
        {
          cause: error,
        },
      )
    : error;
}

/** How many images of a submission would be newly stored (references are not). */
export function countNewImages(input: Pick<SubmitLivenessInput, 'image' | 'faces'>): number {
  return [input.image, ...(input.faces ?? [])].filter((image) => !IMAGE_REF.test(image)).length;
}

/** The same submission with every inline image replaced by its reference in the store. */
export async function storeLivenessImages(
  images: ImageStore,
  requestId: string,
  input: SubmitLivenessInput,
  maxImages = Number.POSITIVE_INFINITY,
): Promise<SubmitLivenessInput> {
  // References first, so a foreign one refuses the submission before anything is written.
  [input.image, ...(input.faces ?? [])].forEach((image, i) => {
    const field = i === 0 ? 'image' : `faces[${i - 1}]`;
    if (IMAGE_REF.test(image) && !images.belongsTo(image, requestId)) {
      throw new InvalidInput(`invalid liveness submission: ${field} is not an image of this activation`, [
        { field, message: 'is not an image reference of this activation' },
      ]);
    }
  });
  const adding = countNewImages(input);
  if (adding > 0) {
    const stored = await images.countForActivation(requestId).catch((error: unknown) => {
      throw unreachableAsUnavailable(error);
    });
    if (stored + adding > maxImages) {
      throw new UploadQuotaExceeded(
        `this activation may store at most ${maxImages} liveness images; ${stored} are stored`,
        {
          maxImages,
          stored,
        },
      );
    }
  }
  const all = [input.image, ...(input.faces ?? [])];
  const results = await Promise.allSettled(
    all.map((image, i) => store(images, requestId, image, i === 0 ? 'image' : `faces[${i - 1}]`)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Stored whole or not at all: remove what this submission added (best effort; the sweep is the backstop).
    const added = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== all[i] ? [r.value] : []));
    await Promise.allSettled(added.map((ref) => images.delete(ref, requestId)));
    throw failed.reason;
  }
  const [image = input.image, ...faces] = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  if (!input.faces) return { ...input, image };
  return { ...input, image, faces: faces as [string, string, string] };
}
