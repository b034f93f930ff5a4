// What both flavours share: their dependencies, the base body, reading a payment link, and proving an
// activation.
import type { VlensConfig } from '../config';
import type { ValidatePaymentResult, VlensCallContext } from '../../contract/activities';
import type { VlensLogger } from '../activity-context';
import type { VlensHttpClient } from '../http';
import type { ResolveImage } from '../images';
import { z } from 'zod';
import { dataErrorMessage, messageCondition } from '../classify';
import { settle, settleCondition, type Settled } from '../outcomes';
import { unrecognisedData } from '../vlens-failures';
import type { VlensReply } from '../vlens-reply';
import { isHttpUrl, isPositiveData } from '../positive-answers';
import { asksForRevalidation } from './revalidation';

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
 * The payment link in a positive OTP validation's `data`: a URL string, or an object carrying `paymentLink`
 * (the legacy model's shape); undefined when there is none (`data` null: no payment needed).
 */
export function paymentLinkFrom(data: unknown): string | undefined {
  const value = data && typeof data === 'object' ? (data as { paymentLink?: unknown }).paymentLink : data;
  return isHttpUrl(value) ? value : undefined;
}

export function authOf(ctx: VlensCallContext): { userToken?: string } {
  return ctx.accessToken ? { userToken: ctx.accessToken } : {};
}

export const REQUEST_STATUS_PATH = (requestId: string) =>
  `/api/BusinessRequest/GetBusinessRequestById/${encodeURIComponent(requestId)}`;

/**
 * A success envelope whose `data` is not a positive answer for `op` (activities/positive-answers.ts): a
 * business outcome only when the data itself names one (`needsReValidate: true`, or a sentence that a
 * configured message pattern knows); otherwise unrecognised, held for an operator.
 */
export function readNotPositive<O extends 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment'>(
  op: O,
  reply: VlensReply,
  data: unknown,
  config: VlensConfig,
): Exclude<Settled<O, never>, { kind: 'success' }> {
  const condition = asksForRevalidation(data, config) ? 'revalidationRequired' : namedIn(data, config);
  if (condition) return settleCondition(op, condition, reply, config);
  throw unrecognisedData(op, reply, `data is not a positive ${op} answer (docs/vlens-answers.md)`);
}

function namedIn(data: unknown, config: VlensConfig) {
  const text = typeof data === 'string' ? data : isRecord(data) ? data.message : undefined;
  return typeof text === 'string' ? messageCondition(text, config) : undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `data` says "not paid" with real boolean flags: one is false and neither is true. */
function saysNotPaid(data: unknown): boolean {
  if (!isRecord(data)) return false;
  const { isActive, isValidPayment } = data;
  return isActive !== true && isValidPayment !== true && (isActive === false || isValidPayment === false);
}

/**
 * Activation proven by the request's status: only Customer Signed counts, and a status name, when the
 * answer has one, must agree with the number (a disagreement is unrecognised).
 */
export async function activatedByStatus(
  { config, http }: FlavorDeps,
  ctx: VlensCallContext,
): Promise<ValidatePaymentResult> {
  const reply = await http.get('requestStatus', REQUEST_STATUS_PATH(ctx.requestId), authOf(ctx));
  const settled = settle('requestStatus', reply, z.unknown(), config);
  if (settled.kind !== 'success') throw unrecognisedData('requestStatus', reply, 'no request status');
  const data = settled.data;
  if (isPositiveData(config.flavor, 'requestStatus', data, config)) return { activated: true };
  const status = isRecord(data) ? data.requeststatus : undefined;
  const name = isRecord(data) ? data.requestStatusName : undefined;
  const readable =
    Number.isInteger(status) &&
    status !== config.customerSignedStatus &&
    (name === undefined ||
      name === null ||
      (typeof name === 'string' && !config.customerSignedStatusName.test(name.trim())));
  if (!readable)
    throw unrecognisedData('requestStatus', reply, 'requeststatus is not an integer, or its name disagrees with it');
  return { activated: false };
}

/**
 * A StepValidatePayment answer (either flavour) as a proven result: `isActive: true` activates; a claim
 * (`isValidPayment: true` without `isActive: true`, or a success that says no more than OK) and "already
 * signed" ask GetBusinessRequestById; false flags mean not paid; anything else is read by readNotPositive.
 */
export async function provePayment(
  deps: FlavorDeps,
  ctx: VlensCallContext,
  reply: VlensReply,
  schema: Parameters<typeof settle>[2],
): Promise<ValidatePaymentResult> {
  const { config } = deps;
  const settled = settle('validatePayment', reply, schema, config);
  if (settled.kind === 'outcome') return settled.value;
  if (settled.kind === 'confirm') return activatedByStatus(deps, ctx);
  const data: unknown = settled.data;
  if (isPositiveData(config.flavor, 'validatePayment', data, config)) return { activated: true };
  if (isPositiveData(config.flavor, 'paymentClaim', data, config)) return activatedByStatus(deps, ctx);
  if (saysNotPaid(data) && dataErrorMessage(data) === undefined) return { activated: false };
  const read = readNotPositive('validatePayment', reply, data, config);
  return read.kind === 'confirm' ? activatedByStatus(deps, ctx) : read.value;
}
