// The typed errors of the activation client. Every failure a caller can act on has its own class and a
// stable `code` (the same string the HTTP gateway puts in `{ error: { code } }`), so a backend can
// `catch (e) { if (e instanceof ResendCooldown) ... }` and an HTTP client can switch on `code`.
import type { FieldProblem } from '../contract/input-checks';
import type { ActivationState, FailureReason } from '../contract/types';

export type ActivationErrorCode =
  | 'not_found'
  | 'invalid_state'
  | 'resend_cooldown'
  | 'sends_exhausted'
  | 'otp_budget_exhausted'
  | 'already_activated'
  | 'invalid_request'
  | 'upload_quota_exceeded'
  | 'vlens_unavailable'
  | 'temporal_unavailable'
  | 'image_store_unavailable'
  | 'internal';

export abstract class ActivationError extends Error {
  abstract readonly code: ActivationErrorCode;
  /** Safe to show to the caller: never contains codes, images, tokens or positions. */
  readonly details?: unknown;

  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    if (details !== undefined) this.details = details;
  }
}

/** No activation with that requestId (never started, or its history was deleted by retention). */
export class ActivationNotFound extends ActivationError {
  readonly code = 'not_found';
  constructor(
    readonly requestId: string,
    options?: { cause?: unknown },
  ) {
    super(`no activation for request ${requestId}`, undefined, options);
  }
}

/** The message does not fit the activation's current state (e.g. an OTP while awaiting liveness). */
export class InvalidState extends ActivationError {
  readonly code = 'invalid_state' as const;
  readonly state?: ActivationState;
  constructor(
    message: string,
    details?: { state?: ActivationState; expected?: ActivationState[] } & Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
    if (details?.state) this.state = details.state;
  }
}

/**
 * The activation is over (activated, failed or cancelled): nothing can change it any more. A kind of
 * InvalidState, so callers that only care about "not now" need one catch.
 */
export class ActivationEnded extends InvalidState {
  readonly failureReason?: FailureReason;
  constructor(
    message: string,
    details?: { state?: ActivationState; failureReason?: FailureReason },
    options?: { cause?: unknown },
  ) {
    super(message, { ...details, ended: true }, options);
    if (details?.failureReason) this.failureReason = details.failureReason;
  }
}

/** A new OTP cannot be sent before `resendAvailableAt` (ISO-8601). */
export class ResendCooldown extends ActivationError {
  readonly code = 'resend_cooldown';
  constructor(
    readonly resendAvailableAt: string,
    options?: { cause?: unknown },
  ) {
    super(`a new OTP can be sent from ${resendAvailableAt}`, { resendAvailableAt }, options);
  }

  /** Whole seconds until a resend is allowed, at least 1 (for an HTTP `Retry-After`). */
  retryAfterSeconds(now = Date.now()): number {
    const at = Date.parse(this.resendAvailableAt);
    return Number.isNaN(at) ? 1 : Math.max(1, Math.ceil((at - now) / 1000));
  }
}

/** Every OTP send allowed for this activation has been used. */
export class SendsExhausted extends ActivationError {
  readonly code = 'sends_exhausted';
  constructor(message = 'all OTP sends for this activation are used', options?: { cause?: unknown }) {
    super(message, { sendsLeft: 0 }, options);
  }
}

/**
 * Earlier runs for this requestId (failed or cancelled) used up its OTP sends or wrong-code attempts: a new
 * run could not send or check a code, so none is started and no SMS goes out (client/otp-budget.ts).
 */
export class OtpBudgetExhausted extends ActivationError {
  readonly code = 'otp_budget_exhausted';
  constructor(
    readonly requestId: string,
    details: { otpSends: number; otpAttempts: number; maxOtpSends: number; maxOtpAttempts: number },
    options?: { cause?: unknown },
  ) {
    super(`the OTP budget of request ${requestId} is used up by earlier activations`, details, options);
  }
}

/** The request was activated already; an activated request cannot be started again. */
export class AlreadyActivated extends ActivationError {
  readonly code = 'already_activated';
  constructor(
    readonly requestId: string,
    options?: { cause?: unknown },
  ) {
    super(`request ${requestId} is already activated`, undefined, options);
  }
}

/** The payload is malformed; `problems` names each bad field. */
export class InvalidInput extends ActivationError {
  readonly code = 'invalid_request';
  readonly problems: FieldProblem[];
  constructor(message: string, problems: FieldProblem[], options?: { cause?: unknown }) {
    super(message, problems, options);
    this.problems = problems;
  }
}

/**
 * The request's `policy` tries to loosen the server's (contract/server-policy.ts): a kind of InvalidInput,
 * so it is a 422 naming each field (`policy.maxOtpSends`), refused before any workflow starts.
 */
export class PolicyNotAllowed extends InvalidInput {}

/** The activation already stored as many liveness images as it may (client/liveness-images.ts). */
export class UploadQuotaExceeded extends ActivationError {
  readonly code = 'upload_quota_exceeded';
}

/** Vlens did not answer in time; nothing was used up, so the same call can simply be retried. */
export class VlensUnavailable extends ActivationError {
  readonly code = 'vlens_unavailable';
}

/** Temporal could not be reached, or did not answer within the client's deadline. Retry later. */
export class TemporalUnavailable extends ActivationError {
  readonly code = 'temporal_unavailable';
}

/**
 * The claim-check image store (a bucket, codec/s3-image-store.ts) could not be reached while liveness
 * images were stored. Nothing reached the activation; images of the failed attempt are removed when the
 * store allows it, else swept as orphans. Retry later.
 */
export class ImageStoreUnavailable extends ActivationError {
  readonly code = 'image_store_unavailable';
}

/** Anything unexpected (a bug, a server-side misconfiguration). The message is generic on purpose. */
export class UnexpectedActivationError extends ActivationError {
  readonly code = 'internal';
}
