// Delivers `activation.updated` to the backends that registered an endpoint. One activity call per status
// version; Temporal's retry policy (set by the notifier workflow) keeps trying for days. Endpoints that already
// took this version are remembered in the activity's heartbeat, so a retry only re-sends to the ones that
// failed. Secrets come from the worker's configuration and never enter workflow history.
// Deliveries go only where they were configured (issue 27): no redirect is followed (a 3xx is a failed
// delivery), the connected address is checked (outbound-guard.ts), and a failure names the endpoint and a
// category, never what the target answered.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { ActivationUpdate, WebhookActivities } from '../contract/activities';
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from '../contract/webhook-signature';
import { createOutboundDispatcher, loadOutboundPolicy, OutboundAddressRefused } from './outbound-guard';

export const WEBHOOK_EVENT_TYPE = 'activation.updated';

export interface WebhookEndpoint {
  /** The tenant whose activations it hears about; absent = every tenant (a single-tenant deployment). */
  tenant?: string;
  url: string;
  /** Signing secrets, newest first; two while one is rotated out. */
  secrets: string[];
}

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
        } else failures.push(`${redactUrl(endpoint.url)}: ${outcome}`);
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

/** Query strings can carry tokens; failure messages reach history, so they name the host and path only. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

const endpointsSchema = z.array(
  z
    .object({
      tenant: z.string().min(1).max(100).optional(),
      url: z.string().url(),
      secrets: z.array(z.string().min(16, 'a webhook secret needs at least 16 characters')).min(1).max(2),
    })
    .strict(),
);

export class WebhookConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConfigError';
  }
}

/**
 * `ACTIVATION_WEBHOOKS`: a JSON list of `{ tenant?, url, secrets: [newest, previous?] }`. Unset = no
 * outbound webhooks. In production a URL must be https (a plain-http receiver would leak statuses).
 */
export function loadWebhookEndpoints(env: NodeJS.ProcessEnv = process.env): WebhookEndpoint[] {
  const raw = env.ACTIVATION_WEBHOOKS?.trim();
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new WebhookConfigError('ACTIVATION_WEBHOOKS is not JSON: expected [{"url": "...", "secrets": ["..."]}]');
  }
  const result = endpointsSchema.safeParse(parsed);
  if (!result.success) {
    throw new WebhookConfigError(
      `ACTIVATION_WEBHOOKS is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (env.NODE_ENV === 'production') {
    const plain = result.data.filter((e) => new URL(e.url).protocol !== 'https:');
    if (plain.length > 0)
      throw new WebhookConfigError(
        `ACTIVATION_WEBHOOKS: production delivers over https only (${plain.map((e) => redactUrl(e.url)).join(', ')})`,
      );
    const weak = result.data.filter((e) => e.secrets.some((secret) => Buffer.byteLength(secret) < 32));
    if (weak.length > 0)
      throw new WebhookConfigError(
        `ACTIVATION_WEBHOOKS: production signs with secrets of at least 32 bytes (${weak.map((e) => redactUrl(e.url)).join(', ')})`,
      );
  }
  return result.data;
}
