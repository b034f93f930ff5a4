// Outbound webhooks are signed the way Stripe signs them, so a backend can use the habits (and the code) it
// already has: header `Vlens-Activation-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
// While an endpoint's secret is rotated, one `v1=` is sent per active secret; a receiver accepts the delivery
// when any of them matches any secret it holds. The timestamp is signed too, so a captured delivery cannot be
// replayed after the tolerance.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'vlens-activation-signature';
/** Five minutes, as Stripe's libraries default to: enough for clock skew and slow queues, short for replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export class WebhookSignatureError extends Error {
  readonly type = 'WebhookSignatureInvalid';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** The header value for `rawBody`, signed at `timestamp` (unix seconds) with every secret given. */
export function signWebhookPayload(rawBody: string, secrets: readonly string[], timestamp: number): string {
  if (secrets.length === 0) throw new WebhookSignatureError('no secret to sign the webhook with');
  const signatures = secrets.map((secret) => `v1=${hmac(secret, timestamp, rawBody)}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}

export interface VerifyOptions {
  /** Seconds a delivery stays acceptable after it was signed. */
  toleranceSeconds?: number;
  /** Unix seconds now (tests). */
  now?: number;
}

/**
 * Checks a delivery and returns its parsed body. `rawBody` must be the bytes as received (parse after
 * verifying: a re-serialised object does not match). Throws `WebhookSignatureError` naming what failed.
 */
export function verifyWebhook<T = unknown>(
  rawBody: string,
  header: string | undefined,
  secrets: readonly string[],
  options: VerifyOptions = {},
): T {
  if (!header) throw new WebhookSignatureError(`missing ${WEBHOOK_SIGNATURE_HEADER} header`);
  if (secrets.length === 0) throw new WebhookSignatureError('no secret configured to verify the webhook with');
  const { timestamp, signatures } = parseHeader(header);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError(`signature timestamp ${timestamp} is outside the ${tolerance} s tolerance`);
  }
  const expected = secrets.map((secret) => Buffer.from(hmac(secret, timestamp, rawBody), 'hex'));
  const matches = signatures.some((given) => {
    const candidate = Buffer.from(given, 'hex');
    return expected.some((wanted) => wanted.length === candidate.length && timingSafeEqual(wanted, candidate));
  });
  if (!matches) throw new WebhookSignatureError('no v1 signature matches the payload');
  try {
    return JSON.parse(rawBody) as T;
  } catch {
    throw new WebhookSignatureError('signed payload is not JSON');
  }
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) throw new WebhookSignatureError('signature header has no valid t=');
  if (signatures.length === 0) throw new WebhookSignatureError('signature header has no valid v1=');
  return { timestamp, signatures };
}

function hmac(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}
