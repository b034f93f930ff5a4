// The contract's rules and its failure vocabulary, in one place: the workflow's own checks
// (input-checks.ts, workflows/policy.ts), the client's zod schemas (contract/request-schemas.ts), the CLI, the activities and
// the client's error mapping all read them from here, so a limit or a failure type cannot drift between
// sender and receiver. It runs inside the workflow sandbox, so it imports nothing but Temporal's own
// duration parser (the same one every timer and timeout uses).
import { msToNumber } from '@temporalio/common/lib/time';

// ---- what a valid message looks like ---------------------------------------------------------------

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
export const OTP_CODE = /^\d{4,8}$/;
export const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A claim-check reference into the image store: images themselves never enter history. */
export const IMAGE_REF = /^blob:[A-Za-z0-9_-]{8,200}$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const SMS_PROVIDERS = [1, 2, 3, 4] as const;

export const LIMITS = {
  latitude: { min: -90, max: 90 },
  longitude: { min: -180, max: 180 },
  accessTokenChars: 8192,
  paymentGatewayChars: 50,
  eventIdChars: 200,
  referenceChars: 200,
  reasonChars: 500,
  operatorChars: 100,
  /** Inline images must stay small: several of them must fit one Temporal payload (2 MB limit). */
  inlineImageChars: 700_000,
  inlineImagesTotalChars: 1_500_000,
  /** Every attempt and send count of a policy. */
  policyCount: { min: 1, max: 100 },
  /** The longest extension an operator may give one step at a time. */
  extensionMs: 7 * 24 * 3_600_000,
} as const;

/** A long poll (`waitForChange`) never holds an update open longer than this; the gateway asks again. */
export const MAX_WAIT_MS = 60_000;

// ---- durations ------------------------------------------------------------------------------------

/** A Temporal duration ('5m', '30 seconds', or milliseconds) in milliseconds; undefined when it is not one. */
export function durationMs(value: unknown): number | undefined {
  try {
    const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

const DAY_MS = 24 * 3_600_000;

/** A ceiling as text for error messages ('1d', '7d'). */
export function describeCeiling(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : `${ms}ms`;
}

/** A policy duration: any duration of zero or more (tests shrink them all). */
export function policyDurationMs(value: unknown): number | undefined {
  const ms = durationMs(value);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

export function isPolicyCount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= LIMITS.policyCount.min &&
    value <= LIMITS.policyCount.max
  );
}

/** An operator's deadline extension: positive and at most LIMITS.extensionMs. */
export function extensionMs(value: unknown): number | undefined {
  const ms = durationMs(value);
  return ms !== undefined && ms > 0 && ms <= LIMITS.extensionMs ? ms : undefined;
}

// ---- failure types ---------------------------------------------------------------------------------

/**
 * Every ApplicationFailure `type` the service throws or reads. A failed activation run itself fails with
 * its FailureReason as the type (contract/types.ts).
 */
export const FAILURE_TYPES = {
  // The workflow refuses a message (update validators and handlers); the client maps each to an error class.
  invalidInput: 'InvalidInput',
  invalidState: 'InvalidState',
  resendCooldown: 'ResendCooldown',
  sendsExhausted: 'SendsExhausted',
  activationEnded: 'ActivationEnded',

  // Terminal Vlens answers: the activities throw them non-retryable and the workflow maps them to failure reasons.
  /** Pending approval (the seed prints error_code 403 with "pending approval"). */
  vlensRequestNotApproved: 'VlensRequestNotApproved',
  /** 4031 rejected, 4040 unknown request. */
  vlensRequestRejected: 'VlensRequestRejected',
  /** 4032: already Customer Signed (on StepValidatePayment this is success, not a failure). */
  vlensAlreadySigned: 'VlensAlreadySigned',
  /** 4013 and similar: Vlens says a step came out of order; retrying the same call cannot help. */
  vlensStepOutOfOrder: 'VlensStepOutOfOrder',
  /** 401 on the user's own bearer token: it is expired, invalid or another request's; a fresh one is needed. */
  vlensUserTokenRejected: 'VlensUserTokenRejected',
  /** 400 validation error: our request is malformed; retrying the same body cannot help. */
  vlensInvalidRequest: 'VlensInvalidRequest',

  // Transient Vlens answers: the activity retry policy retries them; a worker or operator may alert on them.
  /**
   * 5xx, connection refused/reset/dropped. Also what an update answers when its user-facing Vlens call
   * gave up: nothing was used up, so the caller may simply try again.
   */
  vlensUnavailable: 'VlensUnavailable',
  /** 429; the failure carries `nextRetryDelay` from `Retry-After`. */
  vlensRateLimited: 'VlensRateLimited',
  /** No answer within VLENS_HTTP_TIMEOUT_MS (or a 408). */
  vlensTimeout: 'VlensTimeout',
  /**
   * An answer no rule reads (not an envelope, no error_code, an unmapped code, a success without the data
   * the step needs): retried a bounded number of times, then the activation waits for an operator.
   */
  vlensUnrecognisedAnswer: 'VlensUnrecognisedAnswer',
  /** 401 naming the ApiKey: an operator fixes VLENS_API_KEY and the retries carry on. */
  vlensApiKeyRejected: 'VlensApiKeyRejected',
  /** The service login failed, or its fresh token was rejected too. */
  vlensServiceAuthFailed: 'VlensServiceAuthFailed',

  // The claim-check image store, as the activities meet it.
  /** A `blob:` reference arrived but the worker has no image store: a deployment error. */
  imageStoreNotConfigured: 'ImageStoreNotConfigured',
  /** The store failed with a plain error (it throws its own ApplicationFailure when it knows better). */
  imageResolveFailed: 'ImageResolveFailed',
  /** The reference names no stored image (never written, swept, or malformed). */
  imageNotFound: 'ImageNotFound',
} as const;
export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];

const F = FAILURE_TYPES;

// The groups below are views of FAILURE_TYPES, for code that reads one kind.

/** What update validators and handlers reject with. */
export const REJECTION_TYPES = {
  invalidInput: F.invalidInput,
  invalidState: F.invalidState,
  resendCooldown: F.resendCooldown,
  sendsExhausted: F.sendsExhausted,
  alreadyEnded: F.activationEnded,
  vlensUnavailable: F.vlensUnavailable,
} as const;

/** Non-retryable: terminal Vlens outcomes. */
export const VLENS_FAILURE_TYPES = {
  requestNotApproved: F.vlensRequestNotApproved,
  requestRejected: F.vlensRequestRejected,
  alreadySigned: F.vlensAlreadySigned,
  outOfOrder: F.vlensStepOutOfOrder,
  userTokenRejected: F.vlensUserTokenRejected,
  invalidRequest: F.vlensInvalidRequest,
} as const;

/** Retryable: the activity retry policy retries them. */
export const VLENS_TRANSIENT_FAILURE_TYPES = {
  unavailable: F.vlensUnavailable,
  rateLimited: F.vlensRateLimited,
  timeout: F.vlensTimeout,
  unrecognised: F.vlensUnrecognisedAnswer,
  apiKeyRejected: F.vlensApiKeyRejected,
  serviceAuthFailed: F.vlensServiceAuthFailed,
} as const;

export const IMAGE_FAILURE_TYPES = {
  storeNotConfigured: F.imageStoreNotConfigured,
  resolveFailed: F.imageResolveFailed,
  notFound: F.imageNotFound,
} as const;
