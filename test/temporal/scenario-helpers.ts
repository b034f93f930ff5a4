// Small steps the scenario tests share: drive an activation to a state, read failures.
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';
import { paymentCompletedSignal, submitOtpUpdate } from '../../contract/messages';
import type { ActivationStatus } from '../../contract/types';
import { deviceAt, type Harness, type SeededRequest } from './harness';

/** Submits the OTP from the sandbox inbox and expects it accepted. */
export async function submitInboxOtp(h: Harness, handle: WorkflowHandle, seeded: SeededRequest, device = deviceAt()) {
  await h.waitForState(handle, 'awaiting_otp');
  const { code } = await h.latestOtp(seeded.requestId);
  const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device }] });
  expect(answer.outcome).toBe('accepted');
  return answer;
}

/** Pays on the sandbox's payment page, then tells the workflow the way an app would. */
export async function payAndNotify(
  h: Harness,
  handle: WorkflowHandle,
  status: ActivationStatus,
  eventId = 'app-evt-1',
) {
  const link = status.nextAction.paymentLink ?? status.payment?.link;
  expect(link).toBeTruthy();
  await h.payThroughPage(link!);
  await handle.signal(paymentCompletedSignal, { source: 'app', eventId });
}

/** The ApplicationFailure a workflow ended with (its type is the failure reason). */
export async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  try {
    await handle.result();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  }
  throw new Error('expected the activation to fail, but it completed');
}

/** The ApplicationFailure an update was rejected or failed with. */
export async function updateRejection(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  }
  throw new Error('expected the update to be rejected');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
