// The legacy flavour: one `/api/BusinessRequest/Activate` endpoint whose step is chosen by the body
// (part B): otpCode -> validate OTP; transactionId without otpCode after a validated OTP -> validate
// payment; otherwise -> request OTP.
import type { FastifyInstance } from 'fastify';
import {
  loadRequest,
  requestOtpLegacy,
  revalidateLiveness,
  validateOtp,
  validatePayment,
} from '../activation';
import { sendEnvelope } from '../call-context';
import type { SandboxContext } from '../context';
import { errors, ok } from '../envelope';
import { decodeImages } from '../liveness';
import { legacyActivateSchema, parseBody } from '../schemas';
import type { BusinessRequestRecord } from '../state';

export interface LegacyActivateData {
  isActive: boolean;
  needsReValidate: boolean;
  errorMessage: string | null;
  paymentLink: string | null;
  isValidPayment: boolean;
  requestId: string;
  otpRequestId: string | null;
  transactionId: string;
}

function data(request: BusinessRequestRecord, fields: Partial<LegacyActivateData>): LegacyActivateData {
  return {
    isActive: request.status === 'customer_signed',
    needsReValidate: request.revalidationPending,
    errorMessage: null,
    paymentLink: null,
    isValidPayment: false,
    requestId: request.requestId,
    otpRequestId: null,
    transactionId: request.transactionId,
    ...fields,
  };
}

export function legacyRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/api/BusinessRequest/Activate', async (request, reply) => {
    const body = parseBody(legacyActivateSchema, request.body);
    const image = body.scanTransaction?.image;
    const decoded = image === undefined ? null : decodeImages({ 'scanTransaction.image': image }, ctx.opts.maxImageBytes);
    const record = loadRequest(ctx, body.requestId);

    if (body.otpCode !== undefined) {
      if (body.otpRequestId === undefined) {
        throw errors.validation([{ field: 'otpRequestId', message: 'is required with otpCode' }]);
      }
      // The image is mandatory only when step 1 said needsReValidate; without it the step is out of order.
      if (record.revalidationPending && decoded) revalidateLiveness(ctx, record, decoded, body.geoLocation);
      const paymentLink = validateOtp(ctx, record, body.otpRequestId, body.otpCode);
      return sendEnvelope(reply, 200, ok(data(record, { paymentLink, otpRequestId: body.otpRequestId })));
    }

    if (body.transactionId && record.otpValidated) {
      validatePayment(ctx, record);
      return sendEnvelope(reply, 200, ok(data(record, { isActive: true, isValidPayment: true })));
    }

    const { otp, needsReValidate } = requestOtpLegacy(ctx, record, body.geoLocation);
    return sendEnvelope(reply, 200, ok(data(record, { needsReValidate, otpRequestId: otp.otpRequestId })));
  });
}
