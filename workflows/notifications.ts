// Telling the outside about changes without being polled: `waitForChange` answers a long poll (and the
// gateway's event stream) when the status version moves; `notifyBackends` forwards notable changes to the
// activation's webhook notifier (workflows/activation-webhooks.ts), which delivers them on its own time.
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { ActivationRecord } from './activation-record';
import { activationChangedSignal, activationWebhooks } from './activation-webhooks';
import { waitForChangeUpdate } from '../contract/messages';
import { ActivationTenantKey } from '../contract/search-attributes';
import { MAX_WAIT_MS } from '../contract/rules';
import { ACTIVATION_STATES, type WaitForChangeInput } from '../contract/types';

/** The notifier's workflow id: one per business request. */
export function notifierIdFor(requestId: string): string {
  return `activation-webhooks-${requestId}`;
}

export function registerWaitForChange(rec: ActivationRecord): void {
  setHandler(
    waitForChangeUpdate,
    async ({ afterVersion, whileState, timeoutMs }) => {
      // Not under the lock: waiting must never delay a step. A closed activation answers at once.
      const { machine } = rec;
      await condition(
        () =>
          machine.isTerminal() ||
          machine.hold !== undefined ||
          (afterVersion !== undefined && machine.version !== afterVersion) ||
          (whileState !== undefined && machine.state !== whileState),
        timeoutMs,
      );
      return rec.status();
    },
    { validator: checkWaitForChange },
  );
}

function checkWaitForChange(input: WaitForChangeInput): void {
  const problems: string[] = [];
  if (input.afterVersion !== undefined && (!Number.isInteger(input.afterVersion) || input.afterVersion < 0)) {
    problems.push('afterVersion must be a whole number');
  }
  if (input.whileState !== undefined && !ACTIVATION_STATES.includes(input.whileState))
    problems.push('whileState is not a state');
  if (input.afterVersion === undefined && input.whileState === undefined)
    problems.push('give afterVersion or whileState');
  if (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1 || input.timeoutMs > MAX_WAIT_MS) {
    problems.push(`timeoutMs must be 1..${MAX_WAIT_MS}`);
  }
  if (problems.length)
    throw ApplicationFailure.create({ type: 'InvalidInput', message: problems.join('; '), nonRetryable: true });
}

/**
 * Starts the activation's notifier (an abandoned child: it outlives this run to finish its deliveries) and
 * forwards every notable change until `closing()` says the activation is done; then sends the final status.
 * A run continued from an earlier one (`alreadyStarted`) signals the notifier that run started; its first
 * signal repeats the current version, which the notifier ignores if delivered already.
 */
export async function notifyBackends(
  rec: ActivationRecord,
  workflowId: string,
  closing: () => boolean,
  alreadyStarted = false,
): Promise<void> {
  // From the request, not this run's workflow id: a history replayed under another id starts the same child.
  const notifierId = notifierIdFor(rec.ctx.requestId);
  const notifier: Pick<ChildWorkflowHandle<typeof activationWebhooks>, 'signal'> = alreadyStarted
    ? getExternalWorkflowHandle(notifierId)
    : await startChild(activationWebhooks, {
        workflowId: notifierId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{}],
      });
  const tenant = workflowInfo().typedSearchAttributes.get(ActivationTenantKey);
  const { machine } = rec;
  let sent = -1;
  for (;;) {
    await condition(() => machine.notableChanges !== sent || closing());
    const final = closing();
    sent = machine.notableChanges;
    await notifier.signal(activationChangedSignal, {
      activationId: workflowId,
      ...(tenant ? { tenant } : {}),
      version: machine.version,
      changedAt: new Date(Date.now()).toISOString(),
      status: rec.status(),
      ...(final ? { final } : {}),
    });
    if (final) return;
  }
}
