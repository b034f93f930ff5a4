// Before a liveness submission's images are put in the image store (liveness-images.ts): nothing is stored
// unless the workflow would take them now (issue 12: selfies posted against an activation awaiting its OTP
// used to be written first and refused after). The workflow's validator still decides; this is the same
// rule read from its status, before a byte is written.
import type { ImageStore } from '../codec';
import { ADMITTED_IN } from '../contract/states';
import {
  workflowIdFor,
  type ActivationState,
  type SubmitLivenessInput,
  type SubmitLivenessResult,
} from '../contract/types';
import type { ActivationCalls } from './activation-calls';
import { ActivationNotFound, InvalidState } from './errors';
import { storeLivenessImages } from './liveness-images';
import { livenessUploadSchema } from '../contract/request-schemas';
import { normaliseRequestId, parseInput } from './parse-input';
import { UPDATES } from './update-table';
import type { UpdateOptions, UpdateSender } from './updates';

/** States in which the workflow admits a liveness submission (its validator's list). */
const LIVENESS_STATES: readonly ActivationState[] = ADMITTED_IN.submitLiveness;

/** With an image store: the submission with its images stored (references only), or the first answer. */
export async function storeSubmission(
  calls: ActivationCalls,
  updates: UpdateSender,
  store: { images: ImageStore; maxImagesPerActivation: number },
  rawRequestId: string,
  payload: SubmitLivenessInput,
  options: UpdateOptions,
): Promise<{ stored: SubmitLivenessInput } | { earlier: SubmitLivenessResult }> {
  const requestId = normaliseRequestId(rawRequestId);
  const upload = parseInput(livenessUploadSchema, payload, 'liveness submission');
  const updateId = updates.updateId(UPDATES.submitLiveness.step, options);
  const earlier = await calls.guard(requestId, async () => {
    if ((await calls.describe(workflowIdFor(requestId)))?.status.name !== 'RUNNING')
      throw new ActivationNotFound(requestId);
    const status = await calls.queryStatus(requestId);
    if (LIVENESS_STATES.includes(status.state) && !status.attention) return undefined;
    // A retry of a submission that was taken (its answer lost on the way) finds the state moved on:
    // answer it with the first answer, as the update's id would, instead of refusing it.
    if (updateId) {
      const first = await updates.earlierResult<SubmitLivenessResult>(requestId, updateId);
      if (first) return first;
    }
    throw new InvalidState(
      status.attention ? 'the activation waits for an operator' : `liveness is not expected in state ${status.state}`,
      { state: status.state, expected: [...LIVENESS_STATES] },
    );
  });
  if (earlier) return { earlier };
  return {
    stored: await storeLivenessImages(store.images, requestId, upload, store.maxImagesPerActivation),
  };
}
