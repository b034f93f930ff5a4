// What the workflow sees of Vlens (design.md §1). Both API flavours implement this one interface, so
// the workflow never knows which runs. Workflows import these types only (`import type`).
import type { DeviceContext, SmsProvider } from '../workflows/types';

/** Everything a Vlens activation call needs besides the step's own fields. */
export interface VlensCallContext {
  requestId: string;
  transactionId?: string;
  contractStorageId?: string;
  paymentGateway?: string;
  smsProvider?: SmsProvider;
  device: DeviceContext;
  /**
   * Background calls (no app waiting) send the time of the call as `userDeviceUtcTime`, so a payment check
   * hours later does not carry a stale clock; the last known position stays.
   */
  deviceTimeNow?: boolean;
  /** The user's bearer token; when absent the worker's service token is used. */
  accessToken?: string;
}

/**
 * Liveness images. Each entry is either inline base64 or a claim-check reference (`blob:<id>`)
 * that the activity resolves from the image store, so large selfies never enter history.
 */
export interface LivenessImages {
  image: string;
  faces?: [string, string, string];
}

export interface RequestOtpResult {
  /** Absent when re-validation is required (no OTP was sent). */
  otpRequestId?: string;
  transactionId?: string;
  livenessRequired: boolean;
}

export interface RevalidateLivenessResult {
  outcome: 'accepted' | 'rejected';
}

export interface ValidateOtpArgs {
  otpRequestId: string;
  code: string;
  /** Legacy flavour only: the image travels with OTP validation when re-validation was required. */
  images?: LivenessImages;
}

export type ValidateOtpResult =
  | { outcome: 'accepted'; paymentLink?: string }
  | { outcome: 'wrong_code' | 'expired' | 'locked' }
  /** Legacy flavour: the image sent with the OTP failed liveness. */
  | { outcome: 'liveness_rejected' }
  /** Vlens says re-validation is pending (4012): liveness must come first. */
  | { outcome: 'liveness_required' };

export interface ValidatePaymentResult {
  /** True only when Vlens proved it: the payment answer's flags, or the request's Customer Signed status. */
  activated: boolean;
}

export interface VlensActivities {
  requestOtp(ctx: VlensCallContext): Promise<RequestOtpResult>;
  revalidateLiveness(ctx: VlensCallContext, images: LivenessImages): Promise<RevalidateLivenessResult>;
  validateOtp(ctx: VlensCallContext, args: ValidateOtpArgs): Promise<ValidateOtpResult>;
  validatePayment(ctx: VlensCallContext): Promise<ValidatePaymentResult>;
}

/**
 * Non-retryable ApplicationFailure types the activities throw for terminal Vlens outcomes. The
 * workflow maps them to failure reasons; everything else is retried by the activity retry policy.
 */
export const VLENS_FAILURE_TYPES = {
  /** Pending approval (the seed prints error_code 403 with "pending approval"). */
  requestNotApproved: 'VlensRequestNotApproved',
  /** 4031 rejected, 4040 unknown request. */
  requestRejected: 'VlensRequestRejected',
  /** 4032: already Customer Signed (on StepValidatePayment this is success, not a failure). */
  alreadySigned: 'VlensAlreadySigned',
  /** 4013 and similar: Vlens says a step came out of order; retrying the same call cannot help. */
  outOfOrder: 'VlensStepOutOfOrder',
  /** 401 on the user's own bearer token: it is expired, invalid or another request's; a fresh one is needed. */
  userTokenRejected: 'VlensUserTokenRejected',
  /** 400 validation error: our request is malformed; retrying the same body cannot help. */
  invalidRequest: 'VlensInvalidRequest',
} as const;

/**
 * Retryable ApplicationFailure types (the activity retry policy retries them; a worker or operator may
 * alert on them). Added next to the non-retryable ones so dashboards and tests share one spelling.
 */
export const VLENS_TRANSIENT_FAILURE_TYPES = {
  /** 5xx, connection refused/reset/dropped. */
  unavailable: 'VlensUnavailable',
  /** 429; the failure carries `nextRetryDelay` from `Retry-After`. */
  rateLimited: 'VlensRateLimited',
  /** No answer within VLENS_HTTP_TIMEOUT_MS (or a 408). */
  timeout: 'VlensTimeout',
  /**
   * An answer no rule reads (not an envelope, no error_code, an unmapped code, a success without the data
   * the step needs): retried a bounded number of times, then the activation waits for an operator.
   */
  unrecognised: 'VlensUnrecognisedAnswer',
  /** 401 naming the ApiKey: an operator fixes VLENS_API_KEY and the retries carry on. */
  apiKeyRejected: 'VlensApiKeyRejected',
  /** The service login failed, or its fresh token was rejected too. */
  serviceAuthFailed: 'VlensServiceAuthFailed',
} as const;
