// Reads one provider's webhook from its raw body: parse strictly, verify the signature, and say what
// it means for an activation: a successful payment (to be signalled) or something to acknowledge and
// ignore. Throws GatewayError 400 for an unreadable body and 401 bad_signature for a missing or wrong
// signature. The Vlens requestId is Kashier's `data.merchantOrderId` and Fawry's `merchantRefNumber`.
import secureJson from 'secure-json-parse';
import { z } from 'zod';
import type { PaymentSource } from '../../contract/types';
import { GatewayError } from '../http-errors';
import { fawrySignature, kashierSignature, signaturesMatch } from './signatures';

export type WebhookProvider = Extract<PaymentSource, 'kashier' | 'fawry' | 'vlens'>;

export interface PaymentEvent {
  kind: 'payment';
  provider: WebhookProvider;
  /** The provider's own identity of the event (Kashier transactionId, Fawry fawryRefNumber, Vlens Id). */
  providerEventId: string;
  requestId: string;
  reference?: string;
  amount?: number;
  currency?: string;
  paidAt?: string;
}

export interface IgnoredEvent {
  kind: 'ignored';
  provider: WebhookProvider;
  reason: string;
}

export type WebhookVerdict = PaymentEvent | IgnoredEvent;

const badRequest = (message: string) => new GatewayError(400, 'bad_request', message);
const badSignature = (message: string) => new GatewayError(401, 'bad_signature', message);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON from raw bytes: invalid UTF-8, invalid JSON and `__proto__` / `constructor.prototype` keys are refused. */
export function parseRawJson(raw: Buffer): unknown {
  try {
    return secureJson.parse(utf8.decode(raw), undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw badRequest('the body is not valid UTF-8 JSON (or carries prototype keys)');
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`not a ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

/** ISO-8601 text or epoch milliseconds as an ISO string; anything unreadable is dropped (it is only informative). */
function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const shortText = (value: unknown, max = 200): string | undefined =>
  (typeof value === 'string' || typeof value === 'number') && String(value).length > 0 && String(value).length <= max
    ? String(value)
    : undefined;

const currencyOf = (value: unknown): string | undefined =>
  typeof value === 'string' && /^[A-Z]{3}$/.test(value) ? value : undefined;

function amountOf(value: unknown): number | undefined {
  const amount = typeof value === 'string' ? Number(value) : value;
  return typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 ? amount : undefined;
}

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.trim().length > 0 ? text : undefined;
}

// ---- Kashier -------------------------------------------------------------------------------------

const SIGNATURE_KEY = /^[A-Za-z0-9_.-]{1,100}$/;
/** The fields the gateway acts on must be covered by the signature, or a captured event could be re-aimed. */
const KASHIER_MUST_BE_SIGNED = ['merchantOrderId', 'transactionId', 'status'] as const;
/** Kashier's successful payment (`data.status`). */
export const KASHIER_SUCCESS = 'SUCCESS';

const kashierSchema = z.object({
  event: z.string().max(100).optional(),
  data: z.looseObject({
    signatureKeys: z.array(z.string().regex(SIGNATURE_KEY)).min(1).max(50),
    merchantOrderId: z.string().min(1).max(200),
    // Short enough that `kashier:<id>` stays within the signal's 200-character eventId.
    transactionId: z.string().min(1).max(180),
    status: z.string().min(1).max(50),
  }),
});

const isSignable = (value: unknown) =>
  (typeof value === 'string' && value.length <= 2000) ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  typeof value === 'boolean';

/**
 * The shape an earlier version of docs/design.md described (`data.paymentStatus`, no `data.status`). Kashier
 * does not send it; it is refused by name rather than read, so nothing built that way is ever accepted.
 */
function refuseOldShape(json: unknown): void {
  const data = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).data : undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  if (Object.hasOwn(data, 'paymentStatus') && !Object.hasOwn(data, 'status')) {
    throw badRequest(
      'not a Kashier webhook: data.status is missing (data.paymentStatus is not the Kashier payment outcome)',
    );
  }
}

export function readKashier(
  raw: Buffer,
  signatureHeader: string | string[] | undefined,
  secret: string,
): WebhookVerdict {
  const signature = headerText(signatureHeader);
  if (!signature) throw badSignature('missing x-kashier-signature header');
  const json = parseRawJson(raw);
  refuseOldShape(json);
  const body = parseWith(kashierSchema, json, 'Kashier webhook');
  const data = body.data as Record<string, unknown>;
  const keys = body.data.signatureKeys;
  for (const key of keys) {
    if (!Object.hasOwn(data, key) || !isSignable(data[key]))
      throw badRequest(`signature key ${key} has no plain value in data`);
  }
  const unsigned = KASHIER_MUST_BE_SIGNED.filter((field) => !keys.includes(field));
  if (unsigned.length) throw badRequest(`data.signatureKeys must cover ${unsigned.join(', ')}`);
  if (!signaturesMatch(kashierSignature(data, keys, secret), signature))
    throw badSignature('x-kashier-signature does not match');

  if (body.event !== undefined && body.event !== 'pay')
    return { kind: 'ignored', provider: 'kashier', reason: `event ${body.event}` };
  if (body.data.status !== KASHIER_SUCCESS) {
    return { kind: 'ignored', provider: 'kashier', reason: `status ${body.data.status}` };
  }
  return compact({
    kind: 'payment',
    provider: 'kashier',
    providerEventId: body.data.transactionId,
    requestId: body.data.merchantOrderId,
    reference: shortText(data.orderReference) ?? shortText(data.kashierOrderId),
    amount: amountOf(data.amount),
    currency: currencyOf(data.currency),
    paidAt: isoOrUndefined(data.creationDate),
  });
}

// ---- Fawry ---------------------------------------------------------------------------------------

const fawryAmount = z.union([
  z.number().min(0).max(1e12),
  z
    .string()
    .regex(/^\d{1,12}(\.\d{1,4})?$/)
    .transform(Number),
]);
const fawryRef = z.union([z.string().min(1).max(100), z.number().int().min(0)]).transform(String);

const fawrySchema = z.looseObject({
  fawryRefNumber: fawryRef,
  merchantRefNumber: z.string().min(1).max(200),
  paymentAmount: fawryAmount,
  orderAmount: fawryAmount,
  orderStatus: z.string().min(1).max(50),
  paymentMethod: z.string().max(50),
  // Absent for some payment methods; it then signs as the empty string.
  paymentRefrenceNumber: z
    .union([z.string().max(100), z.number().int().min(0), z.null()])
    .optional()
    .transform((value) => (value === null || value === undefined ? '' : String(value))),
  messageSignature: z.string().max(200),
});

export function readFawry(raw: Buffer, secureKey: string): WebhookVerdict {
  const json = parseRawJson(raw);
  const signature =
    typeof json === 'object' && json !== null ? (json as Record<string, unknown>).messageSignature : undefined;
  if (typeof signature !== 'string' || signature.trim().length === 0) throw badSignature('missing messageSignature');
  const body = parseWith(fawrySchema, json, 'Fawry V2 notification');
  if (!signaturesMatch(fawrySignature(body, secureKey), body.messageSignature))
    throw badSignature('messageSignature does not match');

  if (body.orderStatus !== 'PAID')
    return { kind: 'ignored', provider: 'fawry', reason: `order status ${body.orderStatus}` };
  return compact({
    kind: 'payment',
    provider: 'fawry',
    providerEventId: body.fawryRefNumber,
    requestId: body.merchantRefNumber,
    reference: shortText(body.paymentRefrenceNumber) ?? body.fawryRefNumber,
    amount: amountOf(body.paymentAmount),
    currency: currencyOf(body.currency),
    paidAt: isoOrUndefined(body.paymentTime),
  });
}

// ---- Vlens ---------------------------------------------------------------------------------------

export const VLENS_STATUS_CHANGE = 'App.BusinessRequestStatusChange';
/** The status Vlens reports once StepValidatePayment succeeded (docs/vlens-api.md, part B). */
export const VLENS_SIGNED_STATUS = 'CustomerSigned';

const vlensSchema = z.object({
  Id: z.string().min(1).max(100),
  WebhookEvent: z.string().min(1).max(200),
  Attempt: z.number().int().min(0).max(1000).optional(),
  Data: z.looseObject({ Id: z.string().min(1).max(200), NewStatus: z.string().min(1).max(100) }),
  CreationTimeUtc: z.string().max(64).optional(),
});

/** Vlens documents no signature; the signal it triggers is only a hint that Vlens itself then confirms. */
export function readVlens(raw: Buffer): WebhookVerdict {
  const body = parseWith(vlensSchema, parseRawJson(raw), 'Vlens webhook');
  if (body.WebhookEvent !== VLENS_STATUS_CHANGE)
    return { kind: 'ignored', provider: 'vlens', reason: `event ${body.WebhookEvent}` };
  if (body.Data.NewStatus !== VLENS_SIGNED_STATUS)
    return { kind: 'ignored', provider: 'vlens', reason: `status ${body.Data.NewStatus}` };
  return compact({
    kind: 'payment',
    provider: 'vlens',
    providerEventId: body.Id,
    // No paidAt: CreationTimeUtc is when Vlens saw the signature, not when the user paid.
    requestId: body.Data.Id,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
