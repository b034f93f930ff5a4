// The liveness step: Vlens asks for it when the device moved more than 80 km from its last location; the
// user sends selfies (inline or as image-store references), which are deleted when the activation ends.
import { log, proxyActivities } from '@temporalio/workflow';
import type { ImageActivities, LivenessImages } from '../contract/activities';

import { checkSubmitLiveness } from '../contract/input-checks';
import type { ActivationRun } from './run';
import { ACCEPTED_IN, ADMITTED_IN } from '../contract/states';
import type { SubmitLivenessInput, SubmitLivenessResult } from '../contract/types';
import { describeFailure } from './vlens-steps';

const { deleteActivationImages } = proxyActivities<ImageActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/** Best effort: a failure here leaves the files to the worker's orphan sweeper, never fails the activation. */
export async function deleteImages(requestId: string): Promise<void> {
  try {
    await deleteActivationImages(requestId);
  } catch (error) {
    log.warn('deleting liveness images failed; the sweeper will remove them', {
      requestId,
      error: describeFailure(error),
    });
  }
}

/** The main loop's part: returns when it next needs to look. */
export function whileAwaitingLiveness(run: ActivationRun, now: number): number {
  const { rec } = run;
  const until = rec.liveness.deadlineAt ?? rec.deadlineAt;
  if (now >= until) {
    rec.fail('liveness_timeout', 'no liveness images arrived in time');
    return now;
  }
  return Math.min(until, rec.deadlineAt);
}

export function admitLiveness(run: ActivationRun, payload: SubmitLivenessInput): void {
  checkSubmitLiveness(payload);
  run.requireRunningIn(ADMITTED_IN.submitLiveness);
  run.requireNotHeld();
}

export async function submitLiveness(run: ActivationRun, payload: SubmitLivenessInput): Promise<SubmitLivenessResult> {
  const { rec } = run;
  return run.lock.runExclusive(async () => {
    run.requireRunningIn(ACCEPTED_IN.submitLiveness);
    run.requireNotHeld();
    rec.absorb(payload);
    const images: LivenessImages = { image: payload.image, ...(payload.faces ? { faces: payload.faces } : {}) };
    rec.imagesArrived();
    let result;
    try {
      result = await run.repeatableUserFacingVlens.revalidateLiveness({ ...rec.ctx }, images);
    } catch (error) {
      throw run.userFacingFailure(error, 'liveness', 'revalidateLiveness');
    }
    const answer = (outcome: SubmitLivenessResult['outcome']): SubmitLivenessResult => ({
      outcome,
      attemptsLeft: rec.livenessAttemptsLeft(),
      status: rec.status(),
    });
    if (result.outcome === 'rejected') {
      rec.livenessRejected();
      return answer('rejected');
    }
    rec.livenessAccepted(images);
    return answer('accepted');
  });
}
