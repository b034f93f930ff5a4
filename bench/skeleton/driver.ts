// Drives skeleton activations the way bench/lib/temporal-driver.ts drives the project's, minus what the
// skeleton has no counterpart for: no sandbox to seed or to read the SMS from. The driver learns that
// the OTP went out by long-polling the workflow's history for requestOtp's ActivityTaskCompleted (one
// waiting RPC, no busy polling), then sends submitOtp, signals paymentCompleted and waits for the result.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ActivationDriver } from '../throughput';
import { EventType, waitForHistoryEvent } from '../lib/history-wait';
import type { StepTimes } from '../lib/temporal-driver';
import {
  SKELETON_WORKFLOW_TYPE,
  skeletonPaymentCompletedSignal,
  skeletonSubmitOtpUpdate,
  type SkeletonInput,
} from './workflows';

const ACTIVITY_TASK_COMPLETED = EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;

export class SkeletonDriver implements ActivationDriver {
  readonly counters = { rejectedUpdates: 0 };

  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  async runOne(): Promise<{ workflowId: string; times: StepTimes }> {
    const requestId = randomUUID();
    const workflowId = `skeleton-${requestId}`;
    const t0 = performance.now();
    const input: SkeletonInput = { requestId };
    const handle = await this.client.workflow.start(SKELETON_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
    });
    const times: Partial<StepTimes> = { start: performance.now() - t0 };
    await waitForHistoryEvent(this.client, workflowId, handle.firstExecutionRunId, ACTIVITY_TASK_COMPLETED);
    times.otpDelivered = performance.now() - t0;
    let t = performance.now();
    const answer = await handle.executeUpdate(skeletonSubmitOtpUpdate, {
      args: [{ code: '123456' }],
      updateId: `otp-${randomUUID()}`,
    });
    times.submitOtp = performance.now() - t;
    if (!answer.accepted) throw new Error(`${workflowId}: OTP refused`);
    t = performance.now();
    await handle.signal(skeletonPaymentCompletedSignal, { eventId: `bench-${randomUUID()}` });
    const result = (await handle.result()) as { state: string };
    times.paymentToDone = performance.now() - t;
    if (result.state !== 'activated') throw new Error(`${workflowId} ended ${result.state}`);
    times.total = performance.now() - t0;
    return { workflowId, times: times as StepTimes };
  }
}
