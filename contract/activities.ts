// The activity interface: what the workflow sees of Vlens (docs/design.md, "Components and layout"), of the
// image store and of the webhook delivery. Both Vlens API flavours implement VlensActivities, so the workflow
// never knows which runs. Workflows import these types only.
import type { DeviceContext, SmsProvider } from './types';

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

/** The claim-check image store's clean-up (activities/image-activities.ts). */
export interface ImageActivities {
  deleteActivationImages(requestId: string): Promise<number>;
}

/** One status change for the backends' webhooks (activities/webhook-activities.ts delivers it). */
export interface ActivationUpdate {
  activationId: string;
  tenant?: string;
  /** The status version; receivers drop a delivery older than one they already have. */
  version: number;
  /** When the change happened (workflow time, ISO 8601), so a redelivery carries the same event. */
  changedAt: string;
  status: unknown;
  /** The activation has closed: this is the last update its notifier will get. */
  final?: boolean;
}

export interface WebhookActivities {
  deliverActivationUpdate(update: ActivationUpdate): Promise<{ delivered: number }>;
}

/**
 * The ApplicationFailure types the activities throw: non-retryable for terminal Vlens outcomes (the
 * workflow maps them to failure reasons), retryable for the rest. Defined with every other failure type
 * of the service in contract/rules.ts.
 */
export { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from './rules';
