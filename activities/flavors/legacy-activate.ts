// The legacy Vlens flow: one endpoint, `/api/BusinessRequest/Activate`, whose step is chosen by the body
// (otpCode present -> validate OTP; transactionId without otpCode after a validated OTP -> validate
// payment; otherwise request OTP). Bodies carry only the documented legacy fields. Errors may come inside
// a success envelope as `data.errorMessage` (outcomes.ts reads them), and `data.needsReValidate` is the
// re-validation demand.
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../contract/rules';
import {
  type LivenessImages,
  type RequestOtpResult,
  type RevalidateLivenessResult,
  type ValidateOtpArgs,
  type ValidateOtpResult,
  type ValidatePaymentResult,
  type VlensActivities,
  type VlensCallContext,
} from '../../contract/activities';
import { resolveImage as resolveOne } from '../images';
import { dataErrorMessage } from '../classify';
import { settle } from '../outcomes';
import { unrecognisedData } from '../vlens-failures';
import { isPositiveData } from '../positive-answers';
import { activateDataSchema, stepValidatePaymentDataSchema } from '../schemas';
import { authOf, geoAndTime, paymentLinkFrom, provePayment, readNotPositive, type FlavorDeps } from './common';

export const LEGACY_ACTIVATE_PATH = '/api/BusinessRequest/Activate';

function legacyBase(ctx: VlensCallContext) {
  return { ...geoAndTime(ctx), requestId: ctx.requestId };
}

export function createLegacyActivate(deps: FlavorDeps): VlensActivities {
  const { config, http, resolveImage } = deps;
  const path = LEGACY_ACTIVATE_PATH;
  return {
    async requestOtp(ctx: VlensCallContext): Promise<RequestOtpResult> {
      const reply = await http.post('requestOtp', path, legacyBase(ctx), authOf(ctx));
      const settled = settle('requestOtp', reply, activateDataSchema, config);
      if (settled.kind === 'outcome') return settled.value;
      const { otpRequestId, transactionId, needsReValidate } = settled.data;
      // Unlike customer-sign, the legacy API sends the OTP even when re-validation is needed; the image
      // then travels with validateOtp. So the otpRequestId is returned in both cases.
      if (isPositiveData('legacy-activate', 'requestOtp', settled.data, config)) {
        return {
          otpRequestId: otpRequestId!,
          ...(transactionId ? { transactionId } : {}),
          livenessRequired: needsReValidate === true,
        };
      }
      if (needsReValidate === true && dataErrorMessage(settled.data) === undefined) return { livenessRequired: true };
      throw unrecognisedData('requestOtp', reply, 'data.otpRequestId missing and needsReValidate not true');
    },

    /**
     * No legacy endpoint exists: the image is sent with validateOtp (`args.images`), and whether it passed
     * is only known then (validateOtp answers `liveness_rejected`). So this accepts without a call.
     */
    revalidateLiveness(_ctx: VlensCallContext, _images: LivenessImages): Promise<RevalidateLivenessResult> {
      return Promise.resolve({ outcome: 'accepted' });
    },

    async validateOtp(ctx: VlensCallContext, args: ValidateOtpArgs): Promise<ValidateOtpResult> {
      const image = args.images ? await resolveOne(args.images.image, resolveImage) : undefined;
      const body = {
        ...legacyBase(ctx),
        transactionId: ctx.transactionId ?? null,
        otpRequestId: args.otpRequestId,
        otpCode: args.code,
        ...(image !== undefined ? { scanTransaction: { image } } : {}),
      };
      const reply = await http.post('validateOtp', path, body, authOf(ctx));
      const settled = settle('validateOtp', reply, activateDataSchema, config);
      if (settled.kind === 'outcome') return settled.value;
      // A success that still asks for re-validation is not an accepted OTP: without an image the image is
      // missing; with one, it did not pass.
      if (settled.data.needsReValidate === true)
        return { outcome: image === undefined ? 'liveness_required' : 'liveness_rejected' };
      // Only the payment link proves step 2 (`{}` with a success code does not).
      if (!isPositiveData('legacy-activate', 'validateOtp', settled.data, config))
        return readNotPositive('validateOtp', reply, settled.data, config).value;
      return { outcome: 'accepted', paymentLink: paymentLinkFrom(settled.data)! };
    },

    async validatePayment(ctx: VlensCallContext): Promise<ValidatePaymentResult> {
      if (!ctx.transactionId) {
        // Without transactionId the legacy endpoint reads the body as "request OTP" and texts the user.
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.vlensInvalidRequest,
          message: 'Legacy validatePayment needs the transactionId that requestOtp returned',
          nonRetryable: true,
        });
      }
      const body = { ...legacyBase(ctx), transactionId: ctx.transactionId };
      const reply = await http.post('validatePayment', path, body, authOf(ctx));
      // Any data: only its flags (or the request's status) can prove the payment.
      return provePayment(deps, ctx, reply, stepValidatePaymentDataSchema);
    },
  };
}
