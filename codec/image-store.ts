// The claim-check store for liveness images (design.md §5): images are too large for Temporal
// payloads (4 x 500 KB before base64 vs a 2 MB limit), so they live here and only a `blob:` reference
// enters history. Files are sealed with the codec keys, so key rotation works the same way.
export interface ImageStore {
  /** Stores a base64 image for an activation; returns a reference `blob:<id>`. Throws ImageRejected. */
  put(activationId: string, base64Image: string): Promise<string>;
  /** Returns the base64 image. Throws ImageNotFound for unknown or malformed references. */
  get(ref: string): Promise<string>;
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
    readonly reason: 'malformed_ref' | 'missing',
    message: string,
  ) {
    super(message);
  }
}
