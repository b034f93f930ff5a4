// The activation rules of part B, shared by both API flavours. Routes parse and shape; these functions
// decide, mutate state, and throw `VlensError` for every rule violation.
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from './context';
import { errors } from './envelope';
import { needsRevalidation, type GeoPoint } from './geo';
import { assertLive } from './liveness';
import { checkOtp, issueOtp } from './otp';
import type { BusinessRequestRecord, OtpRecord, PaymentRecord } from './state';

export function loadRequest(ctx: SandboxContext, requestId: string): BusinessRequestRecord {
  const request = ctx.state.requests.get(requestId);
  if (!request) throw errors.unknownRequest();
  return request;
}

/** Approval gate for every step: pending approval (code 403, as the legacy seed prints it), rejected 4031, signed 4032. */
function assertActionable(request: BusinessRequestRecord): void {
  if (request.status === 'pending_approval') throw errors.notApproved();
  if (request.status === 'rejected') throw errors.rejected();
  if (request.status === 'customer_signed') throw errors.alreadySigned();
}

/** Current flavour, StepRequestOtp: 4012 while re-validation is pending, 4010 when the user moved > 80 km. */
export function requestOtpStrict(ctx: SandboxContext, request: BusinessRequestRecord, location: GeoPoint): OtpRecord {
  assertActionable(request);
  if (request.revalidationPending) throw errors.livenessRequired();
  if (needsRevalidation(request.referenceLocation, location, ctx.opts.distanceThresholdKm)) {
    request.revalidationPending = true;
    throw errors.locationChanged();
  }
  return issueOtp(ctx.state, ctx.opts, request);
}

/**
 * Legacy flavour, step 1: always sends an OTP (the image travels with step 2), and reports
 * `needsReValidate` instead of failing.
 */
export function requestOtpLegacy(
  ctx: SandboxContext,
  request: BusinessRequestRecord,
  location: GeoPoint,
): { otp: OtpRecord; needsReValidate: boolean } {
  assertActionable(request);
  if (needsRevalidation(request.referenceLocation, location, ctx.opts.distanceThresholdKm)) {
    request.revalidationPending = true;
  }
  return { otp: issueOtp(ctx.state, ctx.opts, request), needsReValidate: request.revalidationPending };
}

/** Liveness verdict on already-decoded images; success moves the reference location to the submitted one. */
export function revalidateLiveness(
  ctx: SandboxContext,
  request: BusinessRequestRecord,
  decoded: Map<string, Buffer>,
  location: GeoPoint,
): void {
  assertActionable(request);
  const at = new Date(ctx.opts.now()).toISOString();
  try {
    assertLive(request, decoded);
  } catch (e) {
    request.livenessChecks.push({ at, passed: false });
    throw e;
  }
  request.livenessChecks.push({ at, passed: true });
  request.referenceLocation = { latitude: location.latitude, longitude: location.longitude };
  request.revalidationPending = false;
}

/** StepValidateOtp / legacy step 2. Returns the payment link, or null when the request needs no payment. */
export function validateOtp(
  ctx: SandboxContext,
  request: BusinessRequestRecord,
  otpRequestId: string,
  code: string,
): string | null {
  assertActionable(request);
  if (request.revalidationPending) throw errors.livenessRequired();
  checkOtp(ctx.state, ctx.opts, request, otpRequestId, code);
  request.otpValidated = true;
  if (!request.hasPayment) return null;
  return `${ctx.publicUrl()}/sandbox/pay/${ensurePayment(ctx, request).paymentId}`;
}

function ensurePayment(ctx: SandboxContext, request: BusinessRequestRecord): PaymentRecord {
  const existing = request.paymentId ? ctx.state.payments.get(request.paymentId) : undefined;
  if (existing) return existing;
  const payment: PaymentRecord = {
    paymentId: randomUUID(),
    requestId: request.requestId,
    amount: request.amount,
    currency: request.currency,
    gateway: request.gateway,
    status: 'pending',
    paidAt: null,
    gatewayEvent: null,
  };
  ctx.state.payments.set(payment.paymentId, payment);
  request.paymentId = payment.paymentId;
  return payment;
}

/**
 * StepValidatePayment / legacy step 4. Idempotent after success. On the transition to Customer Signed,
 * Vlens's status webhook goes out in the background.
 */
export function validatePayment(ctx: SandboxContext, request: BusinessRequestRecord): void {
  if (request.status === 'customer_signed') return;
  assertActionable(request);
  if (!request.otpValidated) throw errors.otpNotValidated();
  if (request.hasPayment) {
    const payment = request.paymentId ? ctx.state.payments.get(request.paymentId) : undefined;
    if (payment?.status !== 'paid') throw errors.paymentNotCompleted();
  }
  request.status = 'customer_signed';
  request.customerSignedAt = new Date(ctx.opts.now()).toISOString();
  ctx.webhooks.sendStatusChange(request.requestId, 'CustomerSigned');
}
