// Drives activations directly with the Temporal client (the worker's data converter: encrypted payloads),
// the way a backend using ActivationClient would, minus the HTTP gateway: start with the search attributes
// set (saves the workflow an upsert), the OTP read from the sandbox's SMS inbox, submitOtp/submitLiveness
// as updates, the payment marked paid on the sandbox and announced with one paymentCompleted signal (what
// the gateway does for a verified webhook). No status queries: they are billable and the benchmarks do not
// need them. Every step is timed.
import { randomUUID } from 'node:crypto';
import {
  Client,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { paymentCompletedSignal, submitLivenessUpdate, submitOtpUpdate } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import {
  REJECTION_TYPES,
  WORKFLOW_TYPE,
  workflowIdFor,
  type ActivationInput,
  type ActivationWorkflow,
  type DeviceContext,
  type Policy,
} from '../../contract/types';
import { ALEXANDRIA, CAIRO, fakeSelfies } from './gateway-driver';
import { EventType, waitForHistoryEvent } from './history-wait';
import { httpJson } from './http';

const ACTIVITY_TASK_COMPLETED = EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;

export interface StepTimes {
  /** The start RPC. */
  start: number;
  /** From before the start to the OTP being in the SMS inbox (the workflow requested it). */
  otpDelivered?: number;
  /** submitLiveness update round trip. */
  submitLiveness?: number;
  /** submitOtp update round trip. */
  submitOtp: number;
  /** From the payment signal to the workflow's completion. */
  paymentToDone: number;
  /** Whole activation: start to result, including the driver's own sandbox calls. */
  total: number;
}

export interface DriverCounters {
  /** Updates refused by a validator because the workflow had not reached the state yet (billable, not in history). */
  rejectedUpdates: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Seeded {
  requestId: string;
  transactionId: string;
  accessToken: string;
}

export class TemporalDriver {
  readonly counters: DriverCounters = { rejectedUpdates: 0 };

  constructor(
    readonly client: Client,
    readonly sandboxUrl: string,
    readonly taskQueue: string,
    readonly pollMs = 10,
  ) {}

  async seed(): Promise<Seeded> {
    const answer = await httpJson(`${this.sandboxUrl}/sandbox/requests`, 'POST', {
      lastLocation: CAIRO,
      paymentGateway: 'kashier',
    });
    if (answer.status !== 201) throw new Error(`seed failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Seeded;
  }

  async start(
    seeded: Seeded,
    options: { liveness?: boolean; policy?: Partial<Policy> } = {},
  ): Promise<WorkflowHandleWithFirstExecutionRunId> {
    const input: ActivationInput = {
      requestId: seeded.requestId,
      transactionId: seeded.transactionId,
      accessToken: seeded.accessToken,
      device: device(options.liveness),
      paymentGateway: 'kashier',
      ...(options.policy ? { policy: options.policy } : {}),
    };
    return this.client.workflow.start<ActivationWorkflow>(WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: workflowIdFor(seeded.requestId),
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: seeded.requestId },
      ],
    });
  }

  /** The code in the SMS inbox, once the workflow has asked Vlens for it (`after`: a previous otpRequestId). */
  async waitForOtp(
    requestId: string,
    timeoutMs = 120_000,
    after?: string,
  ): Promise<{ code: string; otpRequestId: string }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const answer = await httpJson(`${this.sandboxUrl}/sandbox/requests/${requestId}/latest-otp`, 'GET');
      if (answer.status === 200 && answer.body.otpRequestId !== after) return answer.body;
      if (Date.now() > until) throw new Error(`no OTP for ${requestId} after ${timeoutMs} ms`);
      await sleep(this.pollMs);
    }
  }

  /** Until Vlens has demanded liveness re-validation (the first StepRequestOtp answered 4010). */
  async waitForLivenessDemand(requestId: string, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const answer = await httpJson(`${this.sandboxUrl}/sandbox/requests/${requestId}`, 'GET');
      if (answer.body?.revalidationPending === true) return;
      if (Date.now() > until) throw new Error(`no liveness demand for ${requestId} after ${timeoutMs} ms`);
      await sleep(this.pollMs);
    }
  }

  /**
   * An update, retried while its validator says the workflow is not in that state yet (the Vlens call that
   * leads there has answered, but the workflow task recording it may still be running).
   */
  async update<R>(send: () => Promise<R>, timeoutMs = 60_000): Promise<R> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await send();
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === REJECTION_TYPES.invalidState && Date.now() < until) {
          this.counters.rejectedUpdates++;
          await sleep(this.pollMs);
          continue;
        }
        throw error;
      }
    }
  }

  async pay(paymentLink: string): Promise<void> {
    const paymentId = new URL(paymentLink).pathname.split('/').pop();
    const answer = await httpJson(`${this.sandboxUrl}/sandbox/payments/${paymentId}`, 'POST', { outcome: 'paid' });
    if (answer.status >= 300) throw new Error(`payment failed: ${answer.status}`);
  }

  /** One activation from start to result. */
  async run(
    options: { liveness?: boolean; policy?: Partial<Policy>; seeded?: Seeded } = {},
  ): Promise<{ requestId: string; times: StepTimes }> {
    const seeded = options.seeded ?? (await this.seed());
    const t0 = performance.now();
    const handle = await this.start(seeded, options);
    const times: Partial<StepTimes> = { start: performance.now() - t0 };
    if (options.liveness) {
      await this.waitForLivenessDemand(seeded.requestId);
      const t = performance.now();
      await this.update(() =>
        handle.executeUpdate(submitLivenessUpdate, {
          args: [{ ...fakeSelfies(seeded.requestId), device: device(true) }],
        }),
      );
      times.submitLiveness = performance.now() - t;
    }
    if (!options.liveness) {
      // As the skeleton's driver does (and an app that waits for awaiting_otp): one long poll until the
      // workflow has recorded the OTP request, so submitOtp times the update, not the recording before it,
      // and the SMS is then in the inbox: one read instead of polling it.
      await waitForHistoryEvent(this.client, handle.workflowId, handle.firstExecutionRunId, ACTIVITY_TASK_COMPLETED);
    }
    const otp = await this.waitForOtp(seeded.requestId);
    times.otpDelivered = performance.now() - t0;
    await this.resume(handle, seeded.requestId, otp.code, times, options.liveness);
    times.total = performance.now() - t0;
    return { requestId: seeded.requestId, times: times as StepTimes };
  }

  /** From "the user has the code" to the activated result: submitOtp, pay, signal, result. */
  async resume(
    handle: WorkflowHandle,
    requestId: string,
    code: string,
    times: Partial<StepTimes> = {},
    far = false,
  ): Promise<Partial<StepTimes>> {
    let t = performance.now();
    const answer = await this.update(() =>
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: device(far) }], updateId: `otp-${randomUUID()}` }),
    );
    times.submitOtp = performance.now() - t;
    if (answer.outcome !== 'accepted') throw new Error(`OTP ${answer.outcome} for ${requestId}`);
    const link = answer.status.nextAction.paymentLink ?? answer.status.payment?.link;
    if (!link) throw new Error(`no payment link for ${requestId}`);
    await this.pay(link);
    t = performance.now();
    await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: `kashier:bench-${randomUUID()}` });
    const result = (await handle.result()) as { state: string };
    times.paymentToDone = performance.now() - t;
    if (result.state !== 'activated') throw new Error(`${requestId} ended ${result.state}`);
    return times;
  }
}

export function device(far = false): DeviceContext {
  return { geoLocation: far ? ALEXANDRIA : CAIRO, userDeviceUtcTime: new Date().toISOString() };
}
