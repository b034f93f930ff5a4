// Liveness images arrive either inline (base64, passed through) or as claim-check references
// (`blob:<id>`, docs/design.md "Data safety") that the image store resolves, so large selfies never enter history.
import { ApplicationFailure } from '@temporalio/common';
import { IMAGE_FAILURE_TYPES } from '../contract/rules';
import type { LivenessImages } from '../contract/activities';

export const BLOB_PREFIX = 'blob:';

/** Returns the base64 image for a `blob:` reference (the whole reference is passed). */
export type ResolveImage = (ref: string) => Promise<string>;

export { IMAGE_FAILURE_TYPES };

export const noImageStore: ResolveImage = (ref) =>
  Promise.reject(
    ApplicationFailure.create({
      type: IMAGE_FAILURE_TYPES.storeNotConfigured,
      message: `Image reference ${ref} cannot be resolved: no image store is configured for this worker`,
      nonRetryable: true,
    }),
  );

export async function resolveImage(value: string, resolve: ResolveImage): Promise<string> {
  if (!value.startsWith(BLOB_PREFIX)) return value;
  try {
    return await resolve(value);
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    throw ApplicationFailure.create({
      type: IMAGE_FAILURE_TYPES.resolveFailed,
      message: `Image reference ${value} could not be resolved: ${error instanceof Error ? error.message : String(error)}`,
      nonRetryable: false,
      cause: error instanceof Error ? error : undefined,
    });
  }
}

export async function resolveLivenessImages(images: LivenessImages, resolve: ResolveImage): Promise<LivenessImages> {
  const [image, faces] = await Promise.all([
    resolveImage(images.image, resolve),
    images.faces ? Promise.all(images.faces.map((f) => resolveImage(f, resolve))) : undefined,
  ]);
  return faces ? { image, faces: faces as [string, string, string] } : { image };
}
