// The current activation flavour: the four CustomerSign/Step* endpoints (part A, rules of part B).
import type { FastifyInstance } from 'fastify';
import {
  loadRequest,
  requestOtpStrict,
  revalidateLiveness,
  validateOtp,
  validatePayment,
} from '../activation';
import { sendEnvelope } from '../call-context';
import type { SandboxContext } from '../context';
import { ok } from '../envelope';
import { decodeImages } from '../liveness';
import {
  parseBody,
  requestOtpSchema,
  revalidateLivenessSchema,
  validateOtpSchema,
  validatePaymentSchema,
} from '../schemas';

const BASE = '/api/BusinessRequest/CustomerSign';
export const LIVENESS_OK = 'Liveness re-validation successful. Proceed to OTP request.';

export function customerSignRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post(`${BASE}/StepRequestOtp`, async (request, reply) => {
    const body = parseBody(requestOtpSchema, request.body);
    const otp = requestOtpStrict(ctx, loadRequest(ctx, body.requestId), body.geoLocation);
    return sendEnvelope(reply, 200, ok({ otpRequestId: otp.otpRequestId }));
  });

  // One Vlens doc spells the path `StepRevalidteLiveness`; both spellings are served.
  for (const name of ['StepReValidateLiveness', 'StepRevalidteLiveness']) {
    app.post(`${BASE}/${name}`, async (request, reply) => {
      const body = parseBody(revalidateLivenessSchema, request.body);
      const decoded = decodeImages(body.scanTransaction, ctx.opts.maxImageBytes);
      revalidateLiveness(ctx, loadRequest(ctx, body.requestId), decoded, body.geoLocation);
      // The documented success uses error_code 0, not null.
      return sendEnvelope(reply, 200, ok(LIVENESS_OK, 0));
    });
  }

  app.post(`${BASE}/StepValidateOtp`, async (request, reply) => {
    const body = parseBody(validateOtpSchema, request.body);
    const link = validateOtp(ctx, loadRequest(ctx, body.requestId), body.otpRequestId, body.otpCode);
    return sendEnvelope(reply, 200, ok(link));
  });

  app.post(`${BASE}/StepValidatePayment`, async (request, reply) => {
    const body = parseBody(validatePaymentSchema, request.body);
    const record = loadRequest(ctx, body.requestId);
    validatePayment(ctx, record);
    return sendEnvelope(reply, 200, ok({ isActive: true, isValidPayment: true, requestId: record.requestId }));
  });
}
