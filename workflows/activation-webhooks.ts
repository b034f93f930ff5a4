// One notifier per activation that has outbound webhooks: the activation signals every status change here
// and never waits for a receiver; this workflow delivers them one at a time, in version order, retrying a
// receiver that is down for up to three days. It ends once the update the activation marked `final` (sent as
// the activation closes) is delivered. Started by the activation as an abandoned child, so it outlives the
// activation it reports on.
import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivationUpdate, WebhookActivities } from '../contract/activities';
import type { Duration } from './sdk-types';

export const activationChangedSignal = defineSignal<[ActivationUpdate]>('activationChanged');

export interface ActivationWebhooksInput {
  /** Updates carried over a continue-as-new, not yet delivered. */
  pending?: ActivationUpdate[];
  lastDelivered?: number;
  closed?: boolean;
  /** First retry gap for a receiver that is down (default 5 s; tests shorten it). */
  initialRetryInterval?: Duration;
}

/** Stripe retries for three days with growing gaps; so do we, capped at one hour between tries. */
function deliveryActivities(initialRetryInterval: Duration) {
  return proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '30s',
    scheduleToCloseTimeout: '3 days',
    retry: { initialInterval: initialRetryInterval, backoffCoefficient: 2, maximumInterval: '1h' },
  });
}

/** Deliveries per run before continuing as new, which keeps each run's history small. */
const DELIVERIES_PER_RUN = 200;

export async function activationWebhooks(input: ActivationWebhooksInput = {}): Promise<void> {
  const { deliverActivationUpdate } = deliveryActivities(input.initialRetryInterval ?? '5s');
  const pending: ActivationUpdate[] = [...(input.pending ?? [])];
  let lastDelivered = input.lastDelivered ?? 0;
  let closed = input.closed ?? false;
  setHandler(activationChangedSignal, (update) => {
    if (update.final) closed = true;
    if (update.version > lastDelivered && !pending.some((p) => p.version === update.version)) pending.push(update);
  });

  for (let delivered = 0; ; delivered += 1) {
    await condition(() => pending.length > 0 || closed);
    if (pending.length === 0) return;
    pending.sort((a, b) => a.version - b.version);
    const next = pending.shift()!;
    try {
      await deliverActivationUpdate(next);
    } catch {
      // Retries exhausted (three days): the receiver missed this version; later versions still go out, and
      // the receiver can read the current status from the API. Nothing in the activation depends on it.
    }
    lastDelivered = next.version;
    if (delivered + 1 >= DELIVERIES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof activationWebhooks>({ ...input, pending, lastDelivered, closed });
    }
  }
}
