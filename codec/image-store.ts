// The claim-check store for liveness images (docs/design.md §5): images are too large for Temporal
// payloads (4 x 500 KB before base64 vs a 2 MB limit), so they live here and only a `blob:` reference
// enters history. Images are sealed with the codec keys before they are written (sealed-image.ts), so no
// store ever holds plaintext and key rotation works the same way. Two stores: a local directory
// (local-image-store.ts, the default) and an S3 bucket (s3-image-store.ts); image-store-config.ts picks one.
export interface ImageStore {
  /** Stores a base64 image for an activation; returns a reference `blob:<id>`. Throws ImageRejected. */
  put(activationId: string, base64Image: string): Promise<string>;
  /**
   * Returns the base64 image. Throws ImageNotFound for unknown or malformed references, and, when
   * `activationId` is given, for a reference that belongs to another activation (refs are bound to the
   * activation they were stored for: issue 12).
   */
  get(ref: string, activationId?: string): Promise<string>;
  /** Whether a reference was stored for this activation (without reading it). */
  belongsTo(ref: string, activationId: string): boolean;
  /** How many images the activation has stored now (for the per-activation upload quota). */
  countForActivation(activationId: string): Promise<number>;
  /** Deletes one image of this activation (a no-op when it is gone): a refused submission's leftovers. */
  delete(ref: string, activationId: string): Promise<void>;
  /** Deletes every image of an activation (called when it ends); returns how many were removed. */
  deleteForActivation(activationId: string): Promise<number>;
  /** Deletes images older than the given age (orphans of activations that never cleaned up); returns the count. */
  sweep(olderThanMs: number): Promise<number>;
}

export type ImageRejectedReason = 'not_base64' | 'too_large' | 'empty' | 'bad_activation_id';

export class ImageRejected extends Error {
  override readonly name = 'ImageRejected';
  constructor(
    readonly reason: ImageRejectedReason,
    message: string,
  ) {
    super(message);
  }
}

export class ImageNotFound extends Error {
  override readonly name = 'ImageNotFound';
  constructor(
    readonly reason: 'malformed_ref' | 'missing' | 'other_activation',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The store could not be reached or did not answer in time (network error, timeout, 5xx, throttling).
 * Nothing was decided: the same call can be made again later. The gateway answers 503 with Retry-After.
 */
export class ImageStoreUnreachable extends Error {
  override readonly name = 'ImageStoreUnreachable';
}
