// The two retry profiles for Vlens calls, and the one mapping from an activity's terminal failure to
// the activation's failure reason.
//
// - Background calls (the first OTP request, payment confirmation, reconciliation) retry durably until
//   the activation's overall deadline: nobody waits on them, and giving up early loses a sale.
// - User-facing calls run inside an update the app is waiting on; they give up after a bounded time
//   so the app can tell its user to try again, and no OTP attempt is used up. On lean histories
//   (lean-history.ts) the ones that are safe to repeat (validateOtp, revalidateLiveness) are local
//   activities with the same timeouts and at most four attempts; a resend's SMS stays an ordinary one.
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { VlensActivities } from '../contract/activities';
import { FAILURE_TYPES } from '../contract/rules';
import type { FailureReason, HeldStep } from '../contract/types';

const USER_FACING_BUDGET_MS = 60_000;

export function backgroundVlens(remainingMs: number): VlensActivities {
  return proxyActivities<VlensActivities>({
    startToCloseTimeout: '30s',
    // Bounded by the overall deadline, so a Vlens outage ends as deadline_exceeded, not a hang.
    scheduleToCloseTimeout: Math.max(1_000, remainingMs),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  });
}

const USER_FACING: ActivityOptions & LocalActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: USER_FACING_BUDGET_MS,
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
};

/**
 * An ordinary activity, scheduled through the server: every user-facing call before lean histories, and
 * on every history the calls that send an SMS. Its result is recorded by the server when it arrives, so
 * a lost workflow task never makes the call again.
 */
export const userFacingVlens = proxyActivities<VlensActivities>(USER_FACING);

/**
 * Local activities: the call runs in the worker that holds the workflow task, which stays open
 * (heartbeated every 8 s) while it runs, so the update's answer and the call's result land in one
 * workflow task. Retries stay in the worker (every backoff is under the SDK's one-minute local retry
 * threshold). The budget is bounded by attempts, not only by time: on SDK 1.24 a local activity that
 * outlives a workflow-task heartbeat kept retrying past its schedule-to-close timeout (measured: 37
 * attempts over 5 minutes against a Vlens answering 503), so four attempts it is: a Vlens that fails
 * fast is retried for about 3.5 s, a hung one for at most four HTTP timeouts (VLENS_HTTP_TIMEOUT_MS,
 * 15 s). If the worker dies mid-call, the workflow task times out and another worker replays the task
 * and calls again from the first attempt. The same happens when the workflow task cannot complete after
 * the call returned (the server restarted): the result was never recorded, so the call is made again.
 * That is why only calls that are safe to repeat run here: validating the same OTP or the same selfies
 * twice gets the same answer (a retried ordinary activity already relies on that), while a second
 * StepRequestOtp sends a second SMS and invalidates the first code (measured by the chaos suite's
 * server-kill scenario: three SMS for one resend).
 */
export const userFacingLocalVlens = proxyLocalActivities<VlensActivities>({
  ...USER_FACING,
  retry: { ...USER_FACING.retry, maximumAttempts: 4 },
});

/**
 * What a Vlens activity failed with. An activity's failure arrives wrapped in an ActivityFailure; a local
 * activity's arrives as it is (the SDK does not wrap it, and so does not name the activity either).
 */
function vlensCause(error: unknown): unknown {
  return error instanceof ActivityFailure ? error.cause : error;
}

/** The ApplicationFailure type at the root of an activity failure, if any. */
export function vlensFailureType(error: unknown): string | undefined {
  const cause = vlensCause(error);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

export function isVlensTimeout(error: unknown): boolean {
  return vlensCause(error) instanceof TimeoutFailure;
}

/** Terminal Vlens answers and the reason the activation fails with; anything else is not terminal. */
export function terminalReasonFor(error: unknown): FailureReason | undefined {
  switch (vlensFailureType(error)) {
    case FAILURE_TYPES.vlensRequestNotApproved:
      return 'request_not_approved';
    case FAILURE_TYPES.vlensRequestRejected:
    case FAILURE_TYPES.vlensAlreadySigned:
    case FAILURE_TYPES.vlensStepOutOfOrder:
    case FAILURE_TYPES.vlensInvalidRequest:
    case FAILURE_TYPES.vlensUserTokenRejected:
      return 'vlens_rejected';
    default:
      return undefined;
  }
}

/**
 * An answer the activity could not read, after its bounded retries: the step it held and the answer's
 * redacted shape (the activity built it; it holds no values), for the audit trail.
 */
export function unrecognisedAnswer(error: unknown, called?: HeldStep): { step: HeldStep; answer: string } | undefined {
  const cause = vlensCause(error);
  if (!(cause instanceof ApplicationFailure) || cause.type !== FAILURE_TYPES.vlensUnrecognisedAnswer) return undefined;
  const named = error instanceof ActivityFailure ? HELD_STEPS.find((s) => s === error.activityType) : undefined;
  const step = named ?? called ?? 'validatePayment';
  const details = cause.details?.[0] as { answer?: unknown } | undefined;
  return { step, answer: JSON.stringify(details?.answer ?? 'no details').slice(0, 400) };
}

const HELD_STEPS: readonly HeldStep[] = ['requestOtp', 'revalidateLiveness', 'validateOtp', 'validatePayment'];

/** A short, secret-free description of a Vlens failure for the audit trail. */
export function describeFailure(error: unknown): string {
  const type = vlensFailureType(error);
  if (type) return type;
  if (isVlensTimeout(error)) return 'timeout';
  return error instanceof Error ? error.name : 'error';
}
