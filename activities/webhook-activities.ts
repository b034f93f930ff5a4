// Delivers `activation.updated` to the backends that registered an endpoint. One activity call per status
// version; Temporal's retry policy (set by the notifier workflow) keeps trying for days. Endpoints that already
// took this version are remembered in the activity's heartbeat, so a retry only re-sends to the ones that
// failed. Secrets come from the worker's configuration and never enter workflow history.
// Deliveries go only where they were configured (issue 27): no redirect is followed (a 3xx is a failed
// delivery), the connected address is checked (codec/outbound-guard.ts), and a failure names the endpoint and a
// category, never what the target answered.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import type { ActivationUpdate, WebhookActivities } from '../contract/activities';
import { redactEndpointUrl, type WebhookEndpoint } from '../contract/webhook-endpoints';
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from '../contract/webhook-signature';
import { createOutboundDispatcher, loadOutboundPolicy, OutboundAddressRefused } from '../codec';

export const WEBHOOK_EVENT_TYPE = 'activation.updated';

export interface WebhookDeps {
  endpoints: WebhookEndpoint[];
  /** Where connections may go; default: the policy of this process's env (loadOutboundPolicy). */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

export function createWebhookActivities(deps: WebhookDeps): WebhookActivities {
  const dispatcher = deps.dispatcher ?? createOutboundDispatcher(loadOutboundPolicy());
  const timeoutMs = deps.timeoutMs ?? 10_000;
  return {
    async deliverActivationUpdate(update) {
      const targets = deps.endpoints.filter((e) => e.tenant === undefined || e.tenant === update.tenant);
      const done = new Set(previouslyDelivered());
      const body = JSON.stringify(eventFor(update));
      const failures: string[] = [];
      for (const endpoint of targets) {
        if (done.has(endpoint.url)) continue;
        const outcome = await post(dispatcher, endpoint, body, timeoutMs);
        if (outcome === 'ok') {
          done.add(endpoint.url);
          heartbeat([...done]);
        } else failures.push(`${redactEndpointUrl(endpoint.url)}: ${outcome}`);
      }
      if (failures.length > 0) {
        // Retryable: the receiver may be down for a while; the notifier's retry policy decides how long.
        throw ApplicationFailure.retryable(
          `webhook delivery failed for ${failures.join('; ')}`,
          'WebhookDeliveryFailed',
        );
      }
      return { delivered: targets.length };
    },
  };
}

/** The event as Stripe shapes one: an id stable across redeliveries, a type, a creation time and the object. */
export function eventFor(update: ActivationUpdate) {
  return {
    id: `evt_${update.activationId}_v${update.version}`,
    type: WEBHOOK_EVENT_TYPE,
    created: Math.floor(Date.parse(update.changedAt) / 1000),
    data: { activationId: update.activationId, version: update.version, object: update.status },
  };
}

async function post(
  dispatcher: Dispatcher,
  endpoint: WebhookEndpoint,
  body: string,
  timeoutMs: number,
): Promise<string> {
  const signature = signWebhookPayload(body, endpoint.secrets, Math.floor(Date.now() / 1000));
  try {
    const response = await undiciFetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [WEBHOOK_SIGNATURE_HEADER]: signature },
      body,
      // A receiver's 3xx would otherwise send this signed POST to an address nobody configured.
      redirect: 'manual',
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (response.ok) return 'ok';
    // The status class only: the exact answer of a target is not for history (or a tenant) to read.
    const statusClass = `HTTP ${Math.floor(response.status / 100)}xx`;
    return response.status >= 300 && response.status < 400
      ? `${statusClass} (redirects are not followed)`
      : statusClass;
  } catch (error) {
    return failureCategory(error);
  }
}

/** A fixed word for why the request did not complete; never the error's own text. */
function failureCategory(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof OutboundAddressRefused) return 'address not allowed';
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) return 'timed out';
  return 'network error';
}

function previouslyDelivered(): string[] {
  try {
    const details = Context.current().info.heartbeatDetails as unknown;
    return Array.isArray(details) ? details.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return []; // outside an activity (unit tests)
  }
}

function heartbeat(delivered: string[]): void {
  try {
    Context.current().heartbeat(delivered);
  } catch {
    // outside an activity
  }
}
