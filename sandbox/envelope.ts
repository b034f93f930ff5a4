// The Vlens response envelope, and the one error type every handler throws (the error handler turns it
// into an envelope), so no route builds error bodies by hand.

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

export function ok<T>(data: T, errorCode: number | null = null): Envelope<T> {
  return { data, error_code: errorCode, error_message: null, error_descriptions: null };
}

export function fail(errorCode: number, message: string, descriptions: FieldError[] | null = null): Envelope<null> {
  return { data: null, error_code: errorCode, error_message: message, error_descriptions: descriptions };
}

export class VlensError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: number,
    message: string,
    readonly descriptions: FieldError[] | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'VlensError';
  }

  toEnvelope(): Envelope<null> {
    return fail(this.errorCode, this.message, this.descriptions);
  }
}

// Part B's error table in one place: http status, our code, message.
export const errors = {
  validation: (descriptions: FieldError[]) =>
    new VlensError(400, 4000, 'One or more validation errors occurred.', descriptions),
  wrongOtp: () => new VlensError(200, 4001, 'Invalid OTP code'),
  otpExpired: (detail = 'OTP expired') => new VlensError(200, 4002, detail),
  otpAttemptsExceeded: () => new VlensError(200, 4003, 'OTP attempts exceeded'),
  locationChanged: () => new VlensError(200, 4010, 'Location changed, liveness revalidation required.'),
  livenessFailed: () => new VlensError(200, 4011, 'Liveness re-validation failed'),
  livenessRequired: () => new VlensError(200, 4012, 'Liveness re-validation required'),
  otpNotValidated: () => new VlensError(200, 4013, 'OTP not validated'),
  paymentNotCompleted: () => new VlensError(200, 4020, 'Payment not completed'),
  notApproved: () => new VlensError(403, 4030, 'This request is pending approval form admin'),
  rejected: () => new VlensError(200, 4031, 'Request is rejected'),
  alreadySigned: () => new VlensError(200, 4032, 'Request already signed'),
  unknownRequest: () => new VlensError(404, 4040, 'Business request not found'),
  badApiKey: () => new VlensError(401, 401, 'Invalid or missing ApiKey'),
  badCredentials: (message = 'Invalid user name or password') => new VlensError(401, 401, message),
  badToken: (message = 'Invalid or expired access token') => new VlensError(403, 403, message),
  notFound: (what = 'Resource') => new VlensError(404, 404, `${what} not found`),
  conflict: (message: string) => new VlensError(409, 409, message),
} as const;
