// Claim-check for liveness selfies (design §5): full-size images are put in the encrypted image store
// and only their `blob:` references travel in the update, so no image ever enters workflow history (and
// four 500 KB selfies fit under Temporal's 2 MB payload limit). The workflow deletes an activation's
// images when it ends; images of a refused update are left to the worker's orphan sweep.
import { ImageRejected, type ImageStore } from '../codec';
import { IMAGE_REF } from '../workflows/input-checks';
import type { SubmitLivenessInput } from '../workflows/types';
import { InvalidInput } from './errors';

async function store(images: ImageStore, requestId: string, image: string, field: string): Promise<string> {
  if (IMAGE_REF.test(image)) return image;
  try {
    return await images.put(requestId, image);
  } catch (error) {
    if (error instanceof ImageRejected) throw new InvalidInput(`invalid liveness submission: ${field} ${error.message}`, [{ field, message: error.message }]);
    throw error;
  }
}

/** The same submission with every inline image replaced by its reference in the store. */
export async function storeLivenessImages(images: ImageStore, requestId: string, input: SubmitLivenessInput): Promise<SubmitLivenessInput> {
  const image = await store(images, requestId, input.image, 'image');
  if (!input.faces) return { ...input, image };
  const faces = await Promise.all(input.faces.map((face, i) => store(images, requestId, face, `faces[${i}]`)));
  return { ...input, image, faces: faces as [string, string, string] };
}
