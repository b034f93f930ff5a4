// The external contract of the activation workflow (docs/design.md, "The workflow contract"): input,
// policy, messages and the status object. Plain types only, so clients, the gateway and the workflow
// bundle share them without pulling a schema library into the workflow sandbox; the rules a valid value
// follows, and the failure types, are in rules.ts.
import type { SMS_PROVIDERS } from './rules';

export interface GeoLocation {
  latitude: number;
  longitude: number;
}

/** Where the user's device is and what its clock says, sent with every app message. */
export interface DeviceContext {
  geoLocation: GeoLocation;
  userDeviceUtcTime: string;
}

// The policy (its type, defaults and bounds) is one table, contract/policy.ts; re-exported for the callers
// that read the rest of the contract from here.
export { DEFAULT_POLICY, type Duration, type Policy } from './policy';
import type { Duration, Policy } from './policy';

export type SmsProvider = (typeof SMS_PROVIDERS)[number];

/**
 * What earlier runs for the same requestId used of the OTP budget (issue 12: a start -> cancel -> start loop
 * must not reset it). Totals: a run's own status reports what it inherited plus what it spent itself.
 */
export interface OtpSpent {
  otpSends: number;
  /** Wrong codes submitted. */
  otpAttempts: number;
}

/**
 * The workflow's input. `Carried` is what a continue-as-new hands the next run: the workflow's own record
 * (workflows/record-data.ts, `CarriedRecord`), which no caller may set, so for everyone else it is `never`.
 */
export interface ActivationInput<Carried = never> {
  requestId: string;
  transactionId?: string;
  contractStorageId?: string;
  device: DeviceContext;
  paymentGateway?: string;
  smsProvider?: SmsProvider;
  /** The user's Vlens bearer token, when calls must be user-scoped. A secret. */
  accessToken?: string;
  policy?: Partial<Policy>;
  /** The tenant has a webhook endpoint: every change is also sent to it (workflows/activation-webhooks.ts). */
  webhooks?: boolean;
  /**
   * Set by the client library's start (client/otp-budget.ts) from the previous closed run of this requestId,
   * never by the caller (the gateway's schema has no such field): this run's OTP counters start there.
   */
  spent?: OtpSpent;
  /**
   * History length (events) at which the activation continues as new, carrying its state (the default is
   * DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS in workflows/history-bound.ts). For tests; the gateway's schema has no such field.
   */
  continueAsNewAfterEvents?: number;
  /** Set only by the activation itself when it continues as new: the previous run's state. */
  carried?: Carried;
}

export const ACTIVATION_STATES = [
  'requesting_otp',
  'awaiting_liveness',
  'awaiting_otp',
  'awaiting_payment',
  'activating',
  'activated',
  'failed',
  'cancelled',
] as const;
export type ActivationState = (typeof ACTIVATION_STATES)[number];

export const FAILURE_REASONS = [
  'otp_attempts_exhausted',
  'otp_sends_exhausted',
  'otp_expired',
  'liveness_timeout',
  'liveness_rejected',
  'payment_timeout',
  'deadline_exceeded',
  'request_not_approved',
  'vlens_rejected',
  'cancelled',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const TERMINAL_STATES: readonly ActivationState[] = ['activated', 'failed', 'cancelled'];

export type NextActionType = 'submit_otp' | 'submit_liveness' | 'pay' | 'wait' | 'none';

export interface NextAction {
  type: NextActionType;
  expiresAt?: string;
  attemptsLeft?: number;
  resendAvailableAt?: string;
  sendsLeft?: number;
  paymentLink?: string;
}

export interface StatusEvent {
  at: string;
  type: string;
  /** Never an OTP code, image, token or position. */
  detail?: string;
}

/**
 * Why an activation waits for an operator: Vlens gave an answer the client cannot read, so the step it
 * answered is neither retried nor taken as done until an operator retries it or cancels.
 */
export const ATTENTION_REASONS = { unrecognisedAnswer: 'vlens_unrecognised_answer' } as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[keyof typeof ATTENTION_REASONS];

/** The Vlens steps an unrecognised answer can hold. */
export type HeldStep = 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment';

export interface ActivationStatus {
  requestId: string;
  workflowId: string;
  state: ActivationState;
  failureReason?: FailureReason;
  needsAttention: boolean;
  /** Grows with every change to this status; `waitForChange` and the event stream are keyed by it. */
  version: number;
  /** Present while the activation waits for an operator (`ops retry-step` or `ops cancel`). */
  attention?: { reason: AttentionReason; step: HeldStep; since: string };
  nextAction: NextAction;
  otp?: { expiresAt: string; attemptsLeft: number; sendsLeft: number; resendAvailableAt: string };
  liveness?: { required: boolean; attemptsLeft: number };
  /** OTP sends and wrong codes of this requestId so far, earlier runs included (absent in older runs). */
  spent?: OtpSpent;
  payment?: { link?: string; deadline: string; gateway?: string; paidAt?: string };
  events: StatusEvent[];
}

// ---- message payloads -------------------------------------------------------------------------

/** Long poll: answers once the status moved past `afterVersion` (or left `whileState`), or at the timeout. */
export interface WaitForChangeInput {
  afterVersion?: number;
  whileState?: ActivationState;
  timeoutMs: number;
}

/** Fields every message from the app carries. */
export interface AppMessage {
  device: DeviceContext;
  accessToken?: string;
}

export interface SubmitOtpInput extends AppMessage {
  code: string;
}

/**
 * `liveness_rejected` happens only in the legacy API flavour, where the selfie travels with the OTP
 * and its verdict arrives with the OTP's: the app is sent back to the liveness step.
 *
 * `locked` is one word for two cases, kept for the clients that read it: the code used the last allowed
 * attempt and the activation failed (the status is `failed` with `otp_attempts_exhausted`), or Vlens locked
 * this code after too many tries on it and a resend gets a new one (the status is still `awaiting_otp`).
 * The workflow names them apart (workflows/otp/otp.ts, `CodeVerdict`).
 */
export type OtpOutcome = 'accepted' | 'wrong_code' | 'expired' | 'locked' | 'liveness_rejected';

export interface SubmitOtpResult {
  outcome: OtpOutcome;
  attemptsLeft: number;
  status: ActivationStatus;
}

/**
 * Liveness images: `image` plus optionally three `faces`, each either inline base64 or a reference
 * into the claim-check image store (so large selfies never enter workflow history).
 */
export interface SubmitLivenessInput extends AppMessage {
  image: string;
  faces?: [string, string, string];
}

export type LivenessOutcome = 'accepted' | 'rejected';

export interface SubmitLivenessResult {
  outcome: LivenessOutcome;
  attemptsLeft: number;
  status: ActivationStatus;
}

export type ResendOtpInput = AppMessage;

export interface ResendOtpResult {
  status: ActivationStatus;
}

export const PAYMENT_SOURCES = ['app', 'kashier', 'fawry', 'vlens', 'operator'] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

export interface PaymentCompletedInput {
  source: PaymentSource;
  eventId: string;
  reference?: string;
  amount?: number;
  currency?: string;
  paidAt?: string;
}

export interface CancelInput {
  reason: string;
}

// ---- identifiers ------------------------------------------------------------------------------

export const WORKFLOW_TYPE = 'activation';

/**
 * The activation workflow's signature (workflows/activation.ts checks that its function matches it), so
 * callers start it by type: `client.workflow.start<ActivationWorkflow>(WORKFLOW_TYPE, …)`.
 */
export type ActivationWorkflow = (input: ActivationInput) => Promise<ActivationStatus>;
export const DEFAULT_TASK_QUEUE = 'vlens-activation';

export function workflowIdFor(requestId: string): string {
  return `activation-${requestId}`;
}

/** Search attribute names registered on the server (both Keyword). */
export const SEARCH_ATTRIBUTES = {
  state: 'ActivationState',
  vlensRequestId: 'VlensRequestId',
} as const;

/** Error types an update validator or handler rejects with (ApplicationFailure.type): see rules.ts. */
export { REJECTION_TYPES } from './rules';

// ---- operator messages (repairs from the CLI `ops` commands) ------------------------------------

/** Who did it and why: recorded in `status.events` for the audit trail. */
export interface OperatorAction {
  operator: string;
  reason: string;
}

export interface ExtendDeadlineInput extends OperatorAction {
  step: 'otp' | 'payment';
  extendBy: Duration;
}

/** What every operator update answers (the same wire shape as a resend's answer). */
export interface OperatorUpdateResult {
  status: ActivationStatus;
}

export interface VerifyPaymentResult extends OperatorUpdateResult {
  activated: boolean;
}
