// The current Vlens flow: four `CustomerSign/Step*` endpoints. Each success is read positively: `data` must
// have a shape the table of activities/positive-answers.ts lists for the step, or the answer is a business
// outcome that the data itself names, or unrecognised.
import type {
  LivenessImages,
  RequestOtpResult,
  RevalidateLivenessResult,
  ValidateOtpArgs,
  ValidateOtpResult,
  ValidatePaymentResult,
  VlensActivities,
  VlensCallContext,
} from '../../contract/activities';
import { z } from 'zod';
import { resolveLivenessImages } from '../images';
import { settle } from '../outcomes';
import { isPositiveData } from '../positive-answers';
import { stepRequestOtpDataSchema, stepValidatePaymentDataSchema } from '../schemas';
import { authOf, baseBody, paymentLinkFrom, provePayment, readNotPositive, type FlavorDeps } from './common';

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
      if (!isPositiveData('customer-sign', 'requestOtp', settled.data, config)) {
        // A "success" without an otpRequestId is a re-validation demand only if it says so.
        return readNotPositive('requestOtp', reply, settled.data, config).value;
      }
      const { otpRequestId, transactionId } = stepRequestOtpDataSchema.parse(settled.data);
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
      const settled = settle('revalidateLiveness', reply, z.unknown(), config);
      if (settled.kind === 'outcome') return settled.value;
      if (isPositiveData('customer-sign', 'revalidateLiveness', settled.data, config)) return { outcome: 'accepted' };
      return readNotPositive('revalidateLiveness', reply, settled.data, config).value;
    },

    // `args.images` is ignored here: in this flavour liveness has its own step.
    async validateOtp(ctx: VlensCallContext, args: ValidateOtpArgs): Promise<ValidateOtpResult> {
      const body = { ...baseBody(ctx), otpRequestId: args.otpRequestId, otpCode: args.code };
      const reply = await http.post('validateOtp', P.validateOtp, body, authOf(ctx));
      const settled = settle('validateOtp', reply, z.unknown(), config);
      if (settled.kind === 'outcome') return settled.value;
      // Only a link, or nothing at all, proves the signature (activities/positive-answers.ts).
      if (!isPositiveData('customer-sign', 'validateOtp', settled.data, config))
        return readNotPositive('validateOtp', reply, settled.data, config).value;
      const paymentLink = paymentLinkFrom(settled.data);
      return paymentLink ? { outcome: 'accepted', paymentLink } : { outcome: 'accepted' };
    },

    async validatePayment(ctx: VlensCallContext): Promise<ValidatePaymentResult> {
      const reply = await http.post('validatePayment', P.validatePayment, baseBody(ctx), authOf(ctx));
      return provePayment(deps, ctx, reply, stepValidatePaymentDataSchema);
    },
  };
}
