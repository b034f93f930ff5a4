// The table the client reads Vlens answers by: the conditions it recognises besides success, their
// error-code numbers and message patterns, the success sentences, and how often an answer it cannot read
// is tried again. These are guesses about the real Vlens server (docs/vlens-answers.md says where each
// comes from); every one can be replaced from env without a code change (activities/config.ts).

/**
 * The conditions the client recognises in a Vlens answer besides success. Each has configured codes
 * (our numbering where Vlens documents none) and message patterns; both live in this one table.
 */
export const READING_CONDITIONS = [
  'notApproved',
  'otpAttemptsExceeded',
  'otpExpired',
  'wrongOtp',
  'livenessFailed',
  'livenessRequired',
  'revalidationRequired',
  'otpNotValidated',
  'paymentNotCompleted',
  'rejected',
  'alreadySigned',
  'unknownRequest',
  'validation',
] as const;
export type ReadingCondition = (typeof READING_CONDITIONS)[number];

/** error_code values per condition; several codes may mean the same thing. */
export type VlensCodes = { [C in ReadingCondition]: number[] };

/**
 * Message patterns per condition: a message (envelope `error_message`, legacy `data.errorMessage`)
 * means the condition when it matches ALL patterns. Checked in READING_CONDITIONS order, so the more
 * specific "re-validation failed" is read before "re-validation required".
 */
export type VlensMessagePatterns = { [C in ReadingCondition]?: RegExp[] };

/** The Vlens steps that can meet an unrecognised answer, and how often each may be tried before an operator decides. */
export type VlensStep = 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment';
export type UnrecognisedAttempts = { [S in VlensStep]: number };

export const DEFAULT_VLENS_CODES: Readonly<VlensCodes> = Object.freeze({
  // The legacy seed prints pending approval as error_code 403; 4030 was our earlier guess.
  notApproved: [403, 4030],
  otpAttemptsExceeded: [4003],
  otpExpired: [4002],
  wrongOtp: [4001],
  livenessFailed: [4011],
  livenessRequired: [4012],
  revalidationRequired: [4010],
  otpNotValidated: [4013],
  paymentNotCompleted: [4020],
  rejected: [4031],
  alreadySigned: [4032],
  unknownRequest: [4040],
  validation: [4000],
});

/** Regex sources, compiled case-insensitive. */
export const DEFAULT_MESSAGE_PATTERNS: Readonly<{ [C in ReadingCondition]?: readonly string[] }> = Object.freeze({
  notApproved: ['pending approval'],
  otpAttemptsExceeded: ['attempt', 'exceed|too many|maximum'],
  otpExpired: ['otp|code', 'expired'],
  wrongOtp: ['otp|code', 'invalid|wrong|incorrect'],
  livenessFailed: ['liveness', 'fail|not match|mismatch'],
  // A demand, not the "re-validation successful" of a liveness success.
  revalidationRequired: ['liveness', 're-?validat', 'requir|need|must'],
  paymentNotCompleted: ['payment', 'not (completed|paid|valid)|unpaid|incomplete'],
  rejected: ['request', 'rejected'],
  alreadySigned: ['already signed'],
});

/**
 * Success sentences: "Liveness re-validation successful. Proceed to OTP request." (the sentence
 * docs/vlens-api.md Part A quotes), "Payment validated successfully.", "OK". A word of refusal anywhere
 * ("not successful", "unsuccessful", "failed") keeps a sentence out.
 */
export const DEFAULT_SUCCESS_MESSAGE_PATTERNS: readonly (readonly string[])[] = Object.freeze([
  ['success', '^(?!.*\\b(not|no|never|un\\w*|fail\\w*|error|invalid|denied|required)\\b)'],
  ['^\\s*ok\\s*[.!]?\\s*$'],
]);

/** validateOtp may spend an OTP attempt: never more than one automatic retry, whatever the configuration says. */
export const MAX_OTP_VALIDATION_ATTEMPTS = 2;

export const DEFAULT_UNRECOGNISED_ATTEMPTS: Readonly<UnrecognisedAttempts> = Object.freeze({
  requestOtp: 3,
  revalidateLiveness: 2,
  validateOtp: MAX_OTP_VALIDATION_ATTEMPTS,
  validatePayment: 5,
});
