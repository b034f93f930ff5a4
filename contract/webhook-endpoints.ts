// Where outbound webhooks go: `ACTIVATION_WEBHOOKS`, read by the worker, which delivers to each endpoint
// (activities/webhook-activities.ts), and by the gateway, which checks the tenants it names
// (gateway/config.ts, production-config.ts). One reading for both, so they can never disagree.
import { z } from 'zod';

export interface WebhookEndpoint {
  /** The tenant whose activations it hears about; absent = every tenant (a single-tenant deployment). */
  tenant?: string;
  url: string;
  /** Signing secrets, newest first; two while one is rotated out. */
  secrets: string[];
}

/** Query strings can carry tokens; failure messages reach history, so they name the host and path only. */
export function redactEndpointUrl(url: string): string {
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
        `ACTIVATION_WEBHOOKS: production delivers over https only (${plain.map((e) => redactEndpointUrl(e.url)).join(', ')})`,
      );
    const weak = result.data.filter((e) => e.secrets.some((secret) => Buffer.byteLength(secret) < 32));
    if (weak.length > 0)
      throw new WebhookConfigError(
        `ACTIVATION_WEBHOOKS: production signs with secrets of at least 32 bytes (${weak.map((e) => redactEndpointUrl(e.url)).join(', ')})`,
      );
  }
  return result.data;
}
