// The public API of the installable client package (packages/client/README.md): what a TypeScript backend
// in another repository may import. It only re-exports the repository's own modules, so the package and the
// in-repo code can never differ; scripts/build-client-package.ts bundles it into dist/ with one .d.ts.
// Anything not named here (the gateway, the worker, the codec server, internal helpers) is not reachable.

// The client library: start, updates, signals, long poll, operator repairs, list, ping.
export {
  ActivationClient,
  DEFAULT_IMAGES_PER_ACTIVATION,
  type ActivationClientOptions,
  type ActivationSummary,
  type StartOptions,
  type StartResult,
  type UpdateOptions,
} from '../../../client';
export {
  createTemporalClient,
  loadTemporalClientSettings,
  type TemporalClientHandle,
  type TemporalClientOptions,
  type TemporalClientSettings,
} from '../../../client';
export type { ImageStore } from '../../../codec';

// Its typed errors: each has a stable `code`, the same string the HTTP gateway answers with.
export {
  ActivationEnded,
  ActivationError,
  ActivationNotFound,
  AlreadyActivated,
  InvalidInput,
  InvalidState,
  OtpBudgetExhausted,
  PolicyNotAllowed,
  ResendCooldown,
  SendsExhausted,
  TemporalUnavailable,
  UnexpectedActivationError,
  UploadQuotaExceeded,
  VlensUnavailable,
  type ActivationErrorCode,
} from '../../../client';
export type { FieldProblem } from '../../../contract/input-checks';

// Outbound webhooks: the signature verifier (and the signer, for a receiver's own tests).
export {
  DEFAULT_TOLERANCE_SECONDS,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookSignatureError,
  signWebhookPayload,
  verifyWebhook,
  type VerifyOptions,
} from '../../../contract/webhook-signature';
export type { ActivationWebhookEvent } from './webhook-event';

// The contract: the workflow's input, status and message payloads (docs/design.md, "The workflow contract").
export {
  ACTIVATION_STATES,
  DEFAULT_POLICY,
  DEFAULT_TASK_QUEUE,
  FAILURE_REASONS,
  PAYMENT_SOURCES,
  SEARCH_ATTRIBUTES,
  TERMINAL_STATES,
  WORKFLOW_TYPE,
  workflowIdFor,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type AppMessage,
  type AttentionReason,
  type CancelInput,
  type DeviceContext,
  type Duration,
  type ExtendDeadlineInput,
  type FailureReason,
  type GeoLocation,
  type HeldStep,
  type LivenessOutcome,
  type NextAction,
  type NextActionType,
  type OperatorAction,
  type OperatorUpdateResult,
  type OtpOutcome,
  type OtpSpent,
  type PaymentCompletedInput,
  type PaymentSource,
  type Policy,
  type ResendOtpInput,
  type ResendOtpResult,
  type SmsProvider,
  type StatusEvent,
  type SubmitLivenessInput,
  type SubmitLivenessResult,
  type SubmitOtpInput,
  type SubmitOtpResult,
  type VerifyPaymentResult,
  type WaitForChangeInput,
} from '../../../contract/types';
export { CONTRACT_VERSION } from '../../../contract/version';
