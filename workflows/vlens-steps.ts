// The two retry profiles for Vlens calls, and the one mapping from an activity's terminal failure to
// the activation's failure reason.
//
// - Background calls (the first OTP request, payment confirmation, reconciliation) retry durably until
//   the activation's overall deadline: nobody waits on them, and giving up early loses a sale.
// - User-facing calls run inside an update the app is waiting on; they give up after a bounded time
//   so the app can tell its user to try again, and no OTP attempt is used up.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities } from '@temporalio/workflow';
import type { VlensActivities } from '../activities/contract';
import { FAILURE_TYPES } from './rules';
import type { FailureReason, HeldStep } from './types';

const USER_FACING_BUDGET_MS = 60_000;

export function backgroundVlens(remainingMs: number): VlensActivities {
  return proxyActivities<VlensActivities>({
    startToCloseTimeout: '30s',
    // Bounded by the overall deadline, so a Vlens outage ends as deadline_exceeded, not a hang.
    scheduleToCloseTimeout: Math.max(1_000, remainingMs),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  });
}

export const userFacingVlens = proxyActivities<VlensActivities>({
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: USER_FACING_BUDGET_MS,
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** The ApplicationFailure type at the root of an activity failure, if any. */
export function vlensFailureType(error: unknown): string | undefined {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)
    return error.cause.type ?? undefined;
  return undefined;
}

export function isVlensTimeout(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
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
export function unrecognisedAnswer(error: unknown): { step: HeldStep; answer: string } | undefined {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return undefined;
  if (error.cause.type !== FAILURE_TYPES.vlensUnrecognisedAnswer) return undefined;
  const step = HELD_STEPS.find((s) => s === error.activityType) ?? 'validatePayment';
  const details = error.cause.details?.[0] as { answer?: unknown } | undefined;
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
