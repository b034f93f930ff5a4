// The claim-check store for liveness images (docs/design.md §5): images are too large for Temporal
// payloads (4 x 500 KB before base64 vs a 2 MB limit), so they live here and only a `blob:` reference
// enters history. Files are sealed with the codec keys, so key rotation works the same way.
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
