// The two signals a backend sends (ActivationClient.paymentCompleted and cancel). Signals, not updates: a
// payment notification is a hint the workflow checks with Vlens, and a cancel must reach a run whatever it is
// doing. A cancel that meets a run whose workflow task keeps failing terminates it (issue 27).
import { cancelSignal, paymentCompletedSignal } from '../contract/messages';
import { workflowIdFor, type CancelInput, type PaymentCompletedInput } from '../contract/types';
import type { ActivationCalls } from './activation-calls';
import { cancelSchema, paymentCompletedSchema } from '../contract/request-schemas';
import { normaliseRequestId, parseInput } from './parse-input';

/** The terminate reason of a cancel that met a failing workflow task (docs/operator-guide.md). */
export const TERMINATED_WHILE_FAILING = 'cancelled while its workflow task was failing';

export async function sendPaymentCompleted(
  calls: ActivationCalls,
  rawRequestId: string,
  payload: PaymentCompletedInput,
): Promise<void> {
  const requestId = normaliseRequestId(rawRequestId);
  const input = parseInput(paymentCompletedSchema, payload, 'payment notification');
  await calls.signal(requestId, () => calls.handle(requestId).signal(paymentCompletedSignal, input));
}

export async function sendCancel(
  calls: ActivationCalls,
  rawRequestId: string,
  reason: string | CancelInput,
): Promise<{ terminated: boolean }> {
  const requestId = normaliseRequestId(rawRequestId);
  const input = parseInput(cancelSchema, typeof reason === 'string' ? { reason } : reason, 'cancel request');
  await calls.signal(requestId, () => calls.handle(requestId).signal(cancelSignal, input));
  const terminated = await calls.guard(requestId, async () => {
    if (!(await workflowTaskFailing(calls, workflowIdFor(requestId)))) return false;
    // A fixed reason: the terminate reason is plain text in history, the caller's is in the signal above.
    await calls.withDeadline(calls.callTimeoutMs, () => calls.handle(requestId).terminate(TERMINATED_WHILE_FAILING));
    return true;
  });
  return { terminated };
}

/**
 * True when the run's workflow task has failed and is being retried (Temporal counts the attempts of
 * the pending task; a healthy run's task is on its first). A run that is not running is not failing.
 */
async function workflowTaskFailing(calls: ActivationCalls, workflowId: string): Promise<boolean> {
  const description = await calls.describe(workflowId);
  if (description?.status.name !== 'RUNNING') return false;
  return (description.raw.pendingWorkflowTask?.attempt ?? 0) > 1;
}
