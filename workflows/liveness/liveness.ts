// The liveness step: Vlens asks for it when the device moved more than 80 km from its last location; the
// user sends selfies (inline or as image-store references), which are deleted when the activation ends.
// Which states admit the selfies, what Vlens's answer does, and the main loop's part; its data and counters
// are liveness-record.ts.
import { log, proxyActivities } from '@temporalio/workflow';
import type { ImageActivities, LivenessImages, RevalidateLivenessResult } from '../../contract/activities';
import { checkSubmitLiveness } from '../../contract/input-checks';
import { ACCEPTED_IN, ADMITTED_IN } from '../../contract/states';
import type { SubmitLivenessInput, SubmitLivenessResult } from '../../contract/types';
import type { ActivationRecord } from '../activation-record';
import { requireNotHeld, requireRunningIn } from '../admission';
import { Later } from '../later';
import type { ActivationRun } from '../run';
import { describeFailure } from '../vlens-steps';

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
    rec.machine.fail('liveness_timeout', 'no liveness images arrived in time');
    return now;
  }
  return Math.min(until, rec.deadlineAt);
}

export function admitLiveness(rec: ActivationRecord, payload: SubmitLivenessInput): void {
  checkSubmitLiveness(payload);
  requireRunningIn(rec, ADMITTED_IN.submitLiveness);
  requireNotHeld(rec);
}

/**
 * The step is a Later (later.ts), in the turns of the async function it was: the checks, `await
 * revalidateLiveness`, then the answer, with one promise for the Vlens call.
 */
export function submitLiveness(run: ActivationRun, payload: SubmitLivenessInput): Promise<SubmitLivenessResult> {
  const { rec } = run;
  // extraTurns 1: this was an async function returning the lock's promise (step-lock.ts).
  return run.lock.runExclusive(
    (turns) =>
      Later.run(turns, () => {
        requireRunningIn(rec, ACCEPTED_IN.submitLiveness);
        requireNotHeld(rec);
        rec.absorb(payload);
        const images: LivenessImages = { image: payload.image, ...(payload.faces ? { faces: payload.faces } : {}) };
        rec.liveness.imagesArrived();
        return Later.call(
          turns,
          () => run.repeatableUserFacingVlens.revalidateLiveness({ ...rec.ctx }, images),
          (result) => answerOn(rec, images, result.outcome),
          (error: unknown) => {
            throw run.userFacingFailure(error, 'liveness', 'revalidateLiveness');
          },
        );
      }),
    1,
  );
}

/** What Vlens's answer to the selfies does, and what the app hears. */
function answerOn(
  rec: ActivationRecord,
  images: LivenessImages,
  outcome: RevalidateLivenessResult['outcome'],
): SubmitLivenessResult {
  const answer = (said: SubmitLivenessResult['outcome']): SubmitLivenessResult => ({
    outcome: said,
    attemptsLeft: rec.liveness.attemptsLeft(),
    status: rec.status(),
  });
  if (outcome === 'rejected') {
    rec.liveness.rejected();
    return answer('rejected');
  }
  rec.liveness.accepted(images, rec.otp.code !== undefined);
  return answer('accepted');
}
