// What both flavours share: their dependencies, the base body, reading a payment link, and proving an
// activation.
import type { VlensConfig } from '../config';
import type { ValidatePaymentResult, VlensCallContext } from '../contract';
import type { VlensHttpClient, VlensLogger } from '../http';
import type { ResolveImage } from '../images';
import { settle, unrecognisedData, type VlensReply } from '../outcomes';
import { businessRequestDataSchema, paymentFlagsSchema } from '../schemas';

export interface FlavorDeps {
  config: VlensConfig;
  http: VlensHttpClient;
  resolveImage: ResolveImage;
  logger: VlensLogger;
}

export function geoAndTime(ctx: VlensCallContext) {
  return {
    geoLocation: { latitude: ctx.device.geoLocation.latitude, longitude: ctx.device.geoLocation.longitude },
    // Read at the call, not when the workflow scheduled it: a retry hours later sends its own time.
    userDeviceUtcTime: ctx.deviceTimeNow ? new Date().toISOString() : ctx.device.userDeviceUtcTime,
  };
}

/** The CustomerSign base body: every optional field sent, as null when unknown. */
export function baseBody(ctx: VlensCallContext) {
  return {
    ...geoAndTime(ctx),
    requestId: ctx.requestId,
    transactionId: ctx.transactionId ?? null,
    contractStorageId: ctx.contractStorageId ?? null,
    paymentGateway: ctx.paymentGateway ?? null,
  };
}

/**
 * The payment link in an OTP validation's success `data`: a URL string, or an object carrying `paymentLink`
 * (the legacy model's shape), or null (no payment needed). Only an http(s) URL is taken as a link, so a
 * message string never becomes one; the caller decides whether a non-link answer is acceptable.
 */
export function paymentLinkFrom(data: unknown): string | undefined {
  const value = data && typeof data === 'object' ? (data as { paymentLink?: unknown }).paymentLink : data;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

export function authOf(ctx: VlensCallContext): { userToken?: string } {
  return ctx.accessToken ? { userToken: ctx.accessToken } : {};
}

export const REQUEST_STATUS_PATH = (requestId: string) =>
  `/api/BusinessRequest/GetBusinessRequestById/${encodeURIComponent(requestId)}`;

/**
 * What a StepValidatePayment success says about the payment, from its flags alone: `isActive: true` proves
 * activation; `isValidPayment: true` proves it unless `isActive` says false; an explicit false means not
 * paid; no flags (or the paid-but-inactive mix) leaves it to the request's status.
 */
export function paymentVerdict(data: unknown): 'activated' | 'not_paid' | 'ask_status' {
  const flags = paymentFlagsSchema.safeParse(data);
  if (!flags.success) return 'ask_status';
  const { isActive, isValidPayment } = flags.data;
  if (isActive === true) return 'activated';
  if (isValidPayment === true) return isActive === false ? 'ask_status' : 'activated';
  if (isActive === false || isValidPayment === false) return 'not_paid';
  return 'ask_status';
}

/** Activation proven by the request's status: only Customer Signed counts. */
export async function activatedByStatus(
  { config, http }: FlavorDeps,
  ctx: VlensCallContext,
): Promise<ValidatePaymentResult> {
  const reply = await http.get('requestStatus', REQUEST_STATUS_PATH(ctx.requestId), authOf(ctx));
  const settled = settle('requestStatus', reply, businessRequestDataSchema, config);
  if (settled.kind !== 'success') throw unrecognisedData('requestStatus', reply, 'no request status');
  return { activated: settled.data.requeststatus === config.customerSignedStatus };
}

/** A StepValidatePayment answer (either flavour) as a proven result. */
export async function provePayment(
  deps: FlavorDeps,
  ctx: VlensCallContext,
  reply: VlensReply,
  schema: Parameters<typeof settle>[2],
): Promise<ValidatePaymentResult> {
  const settled = settle('validatePayment', reply, schema, deps.config);
  if (settled.kind === 'outcome') return settled.value;
  const verdict = settled.kind === 'confirm' ? 'ask_status' : paymentVerdict(settled.data);
  if (verdict === 'ask_status') return activatedByStatus(deps, ctx);
  return { activated: verdict === 'activated' };
}
