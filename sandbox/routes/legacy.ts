// The legacy flavour: one `/api/BusinessRequest/Activate` endpoint whose step is chosen by the body
// (part B): otpCode -> validate OTP; transactionId without otpCode after a validated OTP -> validate
// payment; otherwise -> request OTP. Every step answers with the legacy object; the dialect words it.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { loadRequest, requestOtpLegacy, revalidateLiveness, validateOtp, validatePayment } from '../activation';
import { answerStep } from '../call-context';
import type { SandboxContext } from '../context';
import type { LegacyActivateData } from '../dialect';
import { errors } from '../envelope';
import { decodeImages } from '../liveness';
import { legacyActivateSchema, parseBody } from '../schemas';
import type { BusinessRequestRecord } from '../state';

type ActivateBody = z.output<typeof legacyActivateSchema>;

function legacyData(request: BusinessRequestRecord, fields: Partial<LegacyActivateData> = {}): LegacyActivateData {
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

/** Runs the step the body selects; throws `VlensError` for every rule it breaks. */
function activate(
  ctx: SandboxContext,
  record: BusinessRequestRecord,
  body: ActivateBody,
  image: Map<string, Buffer> | null,
): LegacyActivateData {
  if (body.otpCode !== undefined) {
    if (body.otpRequestId === undefined) {
      throw errors.validation([{ field: 'otpRequestId', message: 'is required with otpCode' }]);
    }
    // The image is mandatory only when step 1 said needsReValidate; without it the step is out of order.
    if (record.revalidationPending && image) revalidateLiveness(ctx, record, image, body.geoLocation);
    const paymentLink = validateOtp(ctx, record, body.otpRequestId, body.otpCode);
    return legacyData(record, { paymentLink, otpRequestId: body.otpRequestId });
  }

  if (body.transactionId && record.otpValidated) {
    validatePayment(ctx, record);
    return legacyData(record, { isActive: true, isValidPayment: true });
  }

  const { otp, needsReValidate } = requestOtpLegacy(ctx, record, body.geoLocation);
  return legacyData(record, { needsReValidate, otpRequestId: otp.otpRequestId });
}

export function legacyRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const say = ctx.dialect.legacy;

  app.post('/api/BusinessRequest/Activate', async (request, reply) => {
    const body = parseBody(legacyActivateSchema, request.body);
    const image = body.scanTransaction?.image;
    const decoded =
      image === undefined ? null : decodeImages({ 'scanTransaction.image': image }, ctx.opts.maxImageBytes);
    const record = loadRequest(ctx, body.requestId);
    // A refused step 2 names the OTP it was about, as its success would.
    const otpRequestId = body.otpCode === undefined ? null : (body.otpRequestId ?? null);
    return answerStep(
      reply,
      () => say.answered(activate(ctx, record, body, decoded)),
      (error) => say.refused(error, legacyData(record, { otpRequestId })),
    );
  });
}
