// Adapts an ImageStore to the activities' `ResolveImage` hook. A missing or malformed reference will
// not appear on retry, so it becomes a non-retryable ApplicationFailure; other errors (disk, keys)
// stay plain so the activity layer retries them.
import { ApplicationFailure } from '@temporalio/common';
import { ImageNotFound, type ImageStore } from './image-store';

export function imageStoreResolver(store: ImageStore): (ref: string) => Promise<string> {
  return async (ref) => {
    try {
      return await store.get(ref);
    } catch (error) {
      if (error instanceof ImageNotFound) {
        throw ApplicationFailure.create({ type: 'ImageNotFound', message: error.message, nonRetryable: true });
      }
      throw error;
    }
  };
}
