// The Vlens response envelope, the one error type every handler throws, and the answer both become on the
// wire. Routes never build error bodies by hand; how an answer is worded per dialect is dialect.ts's job.

export interface FieldError {
  field: string;
  message: string;
}

export interface Envelope<T = unknown> {
  data: T | null;
  error_code: number | null;
  error_message: string | null;
  error_descriptions: FieldError[] | null;
}

/** The envelope as it leaves the server (`error_code` an integer or null, as the current seed types it). */
export type WireEnvelope<T = unknown> = Envelope<T>;

/** The legacy seed's envelope: three keys, `error_code` typed `<string>` (a number where it prints one). */
export interface LegacyWire<T = unknown> {
  data: T | null;
  error_code: number | string | null;
  error_message: string | null;
}

/** One answer on the wire, plus the code the call log records for it. */
export interface Answer {
  httpStatus: number;
  /** null: no body at all (how ASP.NET's JwtBearer refuses a token). */
  body: WireEnvelope | LegacyWire | null;
  /** The code `ours` sends for this outcome, whatever the wire says, so the log reads the same in both dialects. */
  logCode: number | null;
  headers?: Record<string, string>;
}

export function ok<T>(data: T, errorCode: number | null = null): Envelope<T> {
  return { data, error_code: errorCode, error_message: null, error_descriptions: null };
}

export function fail(errorCode: number, message: string, descriptions: FieldError[] | null = null): Envelope<null> {
  return { data: null, error_code: errorCode, error_message: message, error_descriptions: descriptions };
}

/** A success in `ours`: HTTP 200, the code as the log's. */
export function okAnswer(data: unknown, errorCode: number | null = null): Answer {
  return { httpStatus: 200, body: ok(data, errorCode), logCode: errorCode };
}

export class VlensError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: number,
    message: string,
    readonly descriptions: FieldError[] | null = null,
    readonly headers: Record<string, string> = {},
    /** Answer with no body at all: the envelope would be ours, not what the real server sends. */
    readonly emptyBody = false,
  ) {
    super(message);
    this.name = 'VlensError';
  }

  toEnvelope(): Envelope<null> {
    return fail(this.errorCode, this.message, this.descriptions);
  }

  toAnswer(): Answer {
    return this.emptyBody
      ? { httpStatus: this.httpStatus, body: null, logCode: null, headers: this.headers }
      : { httpStatus: this.httpStatus, body: this.toEnvelope(), logCode: this.errorCode, headers: this.headers };
  }
}

// Part B's codes, named so the dialects can recognise an outcome without repeating a number.
export const CODES = {
  validation: 4000,
  wrongOtp: 4001,
  otpExpired: 4002,
  otpAttemptsExceeded: 4003,
  locationChanged: 4010,
  livenessFailed: 4011,
  livenessRequired: 4012,
  otpNotValidated: 4013,
  paymentNotCompleted: 4020,
  // As the legacy seed prints it (an earlier revision invented 4030).
  notApproved: 403,
  rejected: 4031,
  alreadySigned: 4032,
  unknownRequest: 4040,
} as const;

export const PENDING_APPROVAL_MESSAGE = 'This request is pending approval form admin';

// ASP.NET's JwtBearer challenge: no error code when no token was sent, invalid_token when one was refused.
const BEARER_MISSING = { 'www-authenticate': 'Bearer' };
const BEARER_INVALID = { 'www-authenticate': 'Bearer error="invalid_token"' };

// Part B's error table in one place: http status, our code, message. The HTTP status is `ours`; the seed
// dialect re-words some of these (dialect.ts).
export const errors = {
  validation: (descriptions: FieldError[]) =>
    new VlensError(400, CODES.validation, 'One or more validation errors occurred.', descriptions),
  wrongOtp: () => new VlensError(200, CODES.wrongOtp, 'Invalid OTP code'),
  otpExpired: (detail = 'OTP expired') => new VlensError(200, CODES.otpExpired, detail),
  otpAttemptsExceeded: () => new VlensError(200, CODES.otpAttemptsExceeded, 'OTP attempts exceeded'),
  locationChanged: () =>
    new VlensError(200, CODES.locationChanged, 'Location changed, liveness revalidation required.'),
  livenessFailed: () => new VlensError(200, CODES.livenessFailed, 'Liveness re-validation failed'),
  livenessRequired: () => new VlensError(200, CODES.livenessRequired, 'Liveness re-validation required'),
  otpNotValidated: () => new VlensError(200, CODES.otpNotValidated, 'OTP not validated'),
  paymentNotCompleted: () => new VlensError(200, CODES.paymentNotCompleted, 'Payment not completed'),
  notApproved: () => new VlensError(403, CODES.notApproved, PENDING_APPROVAL_MESSAGE),
  rejected: () => new VlensError(200, CODES.rejected, 'Request is rejected'),
  alreadySigned: () => new VlensError(200, CODES.alreadySigned, 'Request already signed'),
  unknownRequest: () => new VlensError(404, CODES.unknownRequest, 'Business request not found'),
  // The message names the ApiKey: that is how a client tells this 401 from a refused token's.
  badApiKey: () => new VlensError(401, 401, 'Invalid or missing ApiKey'),
  badCredentials: (message = 'Invalid user name or password') => new VlensError(401, 401, message),
  bearerMissing: () => new VlensError(401, 401, 'Missing bearer token', null, BEARER_MISSING, true),
  badToken: () => new VlensError(401, 401, 'Invalid or expired access token', null, BEARER_INVALID, true),
  notFound: (what = 'Resource') => new VlensError(404, 404, `${what} not found`),
  conflict: (message: string) => new VlensError(409, 409, message),
} as const;
