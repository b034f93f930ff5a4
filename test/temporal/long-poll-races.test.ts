// The races a gateway-started activation has in production, recorded for the replay corpus: the start comes
// as an update-with-start whose waitForChange waits out the first step (client/activation-client.ts), an app
// keeps a long poll open across every change, and a backend hears each change through the notifier. A
// waitForChange wakes in the same workflow task as the main loop, so its timer's cancellation and its answer
// land between the main loop's own commands, in an order fixed by how many promise turns each takes. The
// SDK matches commands to history strictly in order, so a change to the workflow code's promise turns that
// reorders them breaks every activation that was long-polled when it is replayed; these histories make the
// replay test (replay.test.ts) catch that.
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { activation } from '../../workflows';
import { waitForChangeUpdate } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { TERMINAL_STATES, workflowIdFor, type ActivationInput, type ActivationStatus } from '../../contract/types';
import { deviceAt, type Harness, type SeededRequest } from './harness';
import { historyEventTypes, recordHistory } from './history-recorder';
import { payAndNotify, submitInboxOtp } from './scenario-helpers';
import { receiverTest as test } from './fixtures';

/** Starts the way the client does with waitForFirstStep: one update-with-start that waits out requesting_otp. */
async function startWaitingForFirstStep(h: Harness, seeded: SeededRequest, webhooks: boolean) {
  const input: ActivationInput = {
    requestId: seeded.requestId,
    transactionId: seeded.transactionId,
    device: deviceAt(),
    accessToken: seeded.accessToken,
    ...(webhooks ? { webhooks: true } : {}),
  };
  const start = new WithStartWorkflowOperation(activation, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor(seeded.requestId),
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: ActivationStateKey, value: 'requesting_otp' },
      { key: VlensRequestIdKey, value: seeded.requestId },
    ],
  });
  const first = await h.client.workflow.executeUpdateWithStart(waitForChangeUpdate, {
    args: [{ whileState: 'requesting_otp', timeoutMs: 10_000 }],
    startWorkflowOperation: start,
  });
  return { handle: await start.workflowHandle(), first };
}

/** An app's long poll, asked again after every answer until the activation ends; resolves with what it saw. */
function keepLongPolling(handle: WorkflowHandle, from: ActivationStatus): Promise<ActivationStatus[]> {
  return (async () => {
    const seen = [from];
    let last = from;
    while (!TERMINAL_STATES.includes(last.state)) {
      try {
        last = await handle.executeUpdate(waitForChangeUpdate, {
          args: [{ afterVersion: last.version, timeoutMs: 30_000 }],
        });
      } catch {
        break; // the run completed while this poll was open: an update cannot outlive it
      }
      seen.push(last);
    }
    return seen;
  })();
}

/** Workflow tasks in which a waitForChange completed and the main loop started a timer. */
function tasksWithBoth(types: string[]): number {
  let count = 0;
  let update = false;
  let timer = false;
  for (const type of types) {
    if (type === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') {
      if (update && timer) count++;
      update = timer = false;
    }
    if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED') update = true;
    if (type === 'EVENT_TYPE_TIMER_STARTED') timer = true;
  }
  return count + (update && timer ? 1 : 0);
}

for (const webhooks of [false, true]) {
  const scenario = webhooks ? 'long-polled-webhooks-happy-path' : 'long-polled-happy-path';
  test(`${scenario}: an app long-polls every change of a gateway-started activation`, async ({ harness: h }) => {
    const seeded = await h.seed();
    const { handle, first } = await startWaitingForFirstStep(h, seeded, webhooks);
    expect(first.state).toBe('awaiting_otp');
    const polling = keepLongPolling(handle, first);
    const accepted = await submitInboxOtp(h, handle, seeded);
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');
    const seen = await polling;
    expect(seen.map((s) => s.state)).toContain('awaiting_payment');

    const types = await historyEventTypes(handle);
    expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    // The race this history is kept for: a long poll answered in the same workflow task as a main-loop timer.
    expect(tasksWithBoth(types)).toBeGreaterThanOrEqual(1);
    await recordHistory(scenario, handle);
  });
}
