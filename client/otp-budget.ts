// OTP budgets per requestId across runs (issue 12, "Limits are caller input": a start -> cancel -> start loop
// sent one SMS per start). Before a new run of a failed or cancelled activation starts, the client reads what
// the previous run spent (it reports totals, earlier runs included: workflows/otp/otp-record.ts, `spent`), passes it
// in the workflow input (`spent`, checked by contract/input-checks.ts), and refuses the start when nothing is
// left, so no SMS is sent.
import { WorkflowFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { statusQuery } from '../contract/messages';
import { DEFAULT_POLICY, type ActivationStatus, type OtpSpent, type Policy } from '../contract/types';
import { OtpBudgetExhausted } from './errors';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The status a failed run ended with: activation.ts throws its final failure with the status as details. */
async function finalStatusFromFailure(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<ActivationStatus | undefined> {
  try {
    await client.workflow.getHandle(workflowId, runId, { followRuns: false }).result();
  } catch (error) {
    const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
    const detail: unknown = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
    if (isRecord(detail) && typeof detail.state === 'string') return detail as unknown as ActivationStatus;
  }
  return undefined;
}

/**
 * What the closed run `previous` and the runs before it spent. A failed run carries its status in its
 * failure (no worker needed); any other ending (terminated, timed out) is asked with a query, which a worker
 * answers by replaying the closed run. If neither answers, the call fails (Temporal unavailable) rather than
 * start with a fresh budget.
 */
export async function spentBefore(
  client: Client,
  previous: WorkflowExecutionDescription,
  policy: Pick<Policy, 'maxOtpSends' | 'maxOtpAttempts'>,
  callTimeoutMs: number,
): Promise<OtpSpent> {
  const { workflowId, runId } = previous;
  const status =
    (previous.status.name === 'FAILED' ? await finalStatusFromFailure(client, workflowId, runId) : undefined) ??
    (await client.withDeadline(Date.now() + callTimeoutMs, () =>
      client.workflow.getHandle(workflowId, runId, { followRuns: false }).query(statusQuery),
    ));
  if (status.spent) return { otpSends: status.spent.otpSends, otpAttempts: status.spent.otpAttempts };
  // A run from before `spent` existed reports only what it had left (once it sent an OTP); read against
  // this start's limits, that is the best estimate of what it spent.
  const sendsLeft = status.otp?.sendsLeft;
  const attemptsLeft = status.otp?.attemptsLeft;
  return {
    otpSends: sendsLeft === undefined ? 0 : Math.max(0, policy.maxOtpSends - sendsLeft),
    otpAttempts: attemptsLeft === undefined ? 0 : Math.max(0, policy.maxOtpAttempts - attemptsLeft),
  };
}

/** Throws OtpBudgetExhausted when a new run with `policy` could not send an OTP or check a code. */
export function requireOtpBudgetLeft(requestId: string, spent: OtpSpent, policy: Partial<Policy> | undefined): void {
  const maxOtpSends = policy?.maxOtpSends ?? DEFAULT_POLICY.maxOtpSends;
  const maxOtpAttempts = policy?.maxOtpAttempts ?? DEFAULT_POLICY.maxOtpAttempts;
  if (spent.otpSends >= maxOtpSends || spent.otpAttempts >= maxOtpAttempts) {
    throw new OtpBudgetExhausted(requestId, { ...spent, maxOtpSends, maxOtpAttempts });
  }
}
