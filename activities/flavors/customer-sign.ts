// The current Vlens flow: four `CustomerSign/Step*` endpoints. Each success is read positively: the data
// the step needs must be there (an OTP request id, a link or nothing), or the answer is unrecognised.
import type {
  LivenessImages,
  RequestOtpResult,
  RevalidateLivenessResult,
  ValidateOtpArgs,
  ValidateOtpResult,
  ValidatePaymentResult,
  VlensActivities,
  VlensCallContext,
} from '../contract';
import { z } from 'zod';
import { resolveLivenessImages } from '../images';
import { settle, unrecognisedData } from '../outcomes';
import {
  stepReValidateLivenessDataSchema,
  stepRequestOtpDataSchema,
  stepValidateOtpDataSchema,
  stepValidatePaymentDataSchema,
} from '../schemas';
import { authOf, baseBody, paymentLinkFrom, provePayment, type FlavorDeps } from './common';
import { asksForRevalidation } from './revalidation';

export const CUSTOMER_SIGN_PATHS = {
  requestOtp: '/api/BusinessRequest/CustomerSign/StepRequestOtp',
  revalidateLiveness: '/api/BusinessRequest/CustomerSign/StepReValidateLiveness',
  validateOtp: '/api/BusinessRequest/CustomerSign/StepValidateOtp',
  validatePayment: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
} as const;

export function createCustomerSign(deps: FlavorDeps): VlensActivities {
  const { config, http, resolveImage, logger } = deps;
  const P = CUSTOMER_SIGN_PATHS;
  return {
    async requestOtp(ctx: VlensCallContext): Promise<RequestOtpResult> {
      const body = { ...baseBody(ctx), smsProviders: ctx.smsProvider ?? null };
      const reply = await http.post('requestOtp', P.requestOtp, body, authOf(ctx));
      const settled = settle('requestOtp', reply, z.unknown(), config);
      // Re-validation: no OTP was sent; the workflow collects liveness, then asks again.
      if (settled.kind === 'outcome') return settled.value;
      const sent = stepRequestOtpDataSchema.safeParse(settled.data);
      if (!sent.success) {
        // A "success" without an otpRequestId is a re-validation demand only if it says so.
        if (asksForRevalidation(settled.data, config)) return { livenessRequired: true };
        throw unrecognisedData('requestOtp', reply, 'data.otpRequestId missing and no re-validation demand');
      }
      const { otpRequestId, transactionId } = sent.data;
      return { otpRequestId, ...(transactionId ? { transactionId } : {}), livenessRequired: false };
    },

    async revalidateLiveness(ctx: VlensCallContext, images: LivenessImages): Promise<RevalidateLivenessResult> {
      if (!images.faces) {
        // The endpoint needs three faces. Counting it as a rejected attempt lets the user send them,
        // where a non-retryable failure would end the whole activation over a client mistake.
        logger.warn('Liveness submitted without the three faces the customer-sign flow needs; rejecting', {
          requestId: ctx.requestId,
        });
        return { outcome: 'rejected' };
      }
      const resolved = await resolveLivenessImages(images, resolveImage);
      const [face1, face2, face3] = resolved.faces ?? images.faces;
      const body = {
        ...baseBody(ctx),
        scanTransaction: { image: resolved.image, face_1: face1, face_2: face2, face_3: face3 },
      };
      const reply = await http.post('revalidateLiveness', P.revalidateLiveness, body, authOf(ctx));
      const settled = settle('revalidateLiveness', reply, stepReValidateLivenessDataSchema, config);
      return settled.kind === 'outcome' ? settled.value : { outcome: 'accepted' };
    },

    // `args.images` is ignored here: in this flavour liveness has its own step.
    async validateOtp(ctx: VlensCallContext, args: ValidateOtpArgs): Promise<ValidateOtpResult> {
      const body = { ...baseBody(ctx), otpRequestId: args.otpRequestId, otpCode: args.code };
      const reply = await http.post('validateOtp', P.validateOtp, body, authOf(ctx));
      const settled = settle('validateOtp', reply, stepValidateOtpDataSchema, config);
      if (settled.kind === 'outcome') return settled.value;
      if (asksForRevalidation(settled.data, config)) return { outcome: 'liveness_required' };
      const paymentLink = paymentLinkFrom(settled.data);
      return paymentLink ? { outcome: 'accepted', paymentLink } : { outcome: 'accepted' };
    },

    async validatePayment(ctx: VlensCallContext): Promise<ValidatePaymentResult> {
      const reply = await http.post('validatePayment', P.validatePayment, baseBody(ctx), authOf(ctx));
      return provePayment(deps, ctx, reply, stepValidatePaymentDataSchema);
    },
  };
}
