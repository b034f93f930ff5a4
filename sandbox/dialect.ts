// How the sandbox words what happened. `ours`: Part B's numbered codes in the envelope. `seed`: the shapes
// the Vlens seed documents print or describe (docs/vlens-api.md Part A), which a client that only ever met
// `ours` misreads (an error inside a success envelope's `data`, the legacy error_code as a string, a
// re-validation demand worded as a success, a payment success without flags). activation.ts decides what
// happened; only this module decides how it is said. What no seed prints is the sandbox's own choice,
// each marked so in sandbox/README.md ("Dialects").
import { CODES, okAnswer, type Answer, type LegacyWire, type VlensError, type WireEnvelope } from './envelope';

export const DIALECTS = ['ours', 'seed'] as const;
export type DialectName = (typeof DIALECTS)[number];

/** The legacy `/Activate` model: one object for every step. */
export interface LegacyActivateData {
  isActive: boolean;
  needsReValidate: boolean;
  errorMessage: string | null;
  paymentLink: string | null;
  isValidPayment: boolean;
  requestId: string;
  otpRequestId: string | null;
  transactionId: string;
}

export interface Dialect {
  readonly name: DialectName;
  readonly customerSign: {
    otpSent: (otpRequestId: string) => Answer;
    livenessPassed: () => Answer;
    /** `paymentLink` is null when the request needs no payment. */
    otpValidated: (paymentLink: string | null) => Answer;
    paymentValidated: (requestId: string) => Answer;
    /** A rule a step broke (a `VlensError` from activation.ts). */
    refused: (error: VlensError) => Answer;
  };
  readonly legacy: {
    answered: (data: LegacyActivateData) => Answer;
    /** `data` is the request's legacy object as it stands after the refusal. */
    refused: (error: VlensError, data: LegacyActivateData) => Answer;
  };
}

export const LIVENESS_OK = 'Liveness re-validation successful. Proceed to OTP request.';

const ours: Dialect = {
  name: 'ours',
  customerSign: {
    otpSent: (otpRequestId) => okAnswer({ otpRequestId }),
    // The documented success uses error_code 0, not null.
    livenessPassed: () => okAnswer(LIVENESS_OK, 0),
    otpValidated: (paymentLink) => okAnswer(paymentLink),
    paymentValidated: (requestId) => okAnswer({ isActive: true, isValidPayment: true, requestId }),
    refused: (error) => error.toAnswer(),
  },
  legacy: {
    answered: (data) => okAnswer(data),
    refused: (error) => error.toAnswer(),
  },
};

/** The current seed's envelope: four keys, `error_code` an integer or null (docs/vlens-api.md:15-16). */
const envelope = (data: unknown, errorCode: number | null, message: string | null): WireEnvelope => ({
  data,
  error_code: errorCode,
  error_message: message,
  error_descriptions: null,
});

/**
 * The legacy seed's envelope: the three keys its printed answer has (docs/vlens-api.md:36), `error_code`
 * typed `<string>`, except where the seed prints a number (pending approval, 403).
 */
const legacyEnvelope = (data: unknown, errorCode: number | string | null, message: string | null): LegacyWire => ({
  data,
  error_code: errorCode,
  error_message: message,
});

/** An answer in the legacy seed's three keys: `error_descriptions` dropped (an empty 401 stays empty). */
function inLegacyKeys(answer: Answer): Answer {
  if (answer.body === null) return answer;
  const { data, error_code, error_message } = answer.body;
  return { ...answer, body: legacyEnvelope(data, error_code, error_message) };
}

/** An HTTP 200 answer the log records under our code, however the wire words it. */
const at200 = (body: WireEnvelope | LegacyWire, logCode: number | null): Answer => ({ httpStatus: 200, body, logCode });

// The legacy seed carries a step's failure in `data.errorMessage` beside a success envelope.
const LEGACY_DATA_ERRORS: Partial<Record<number, Partial<LegacyActivateData>>> = {
  [CODES.wrongOtp]: { errorMessage: 'Invalid OTP code' },
  [CODES.otpExpired]: { errorMessage: 'OTP expired' },
  [CODES.otpAttemptsExceeded]: { errorMessage: 'OTP attempts exceeded' },
  [CODES.livenessFailed]: { errorMessage: 'Liveness re-validation failed' },
  [CODES.livenessRequired]: { errorMessage: 'Liveness re-validation is required', needsReValidate: true },
  [CODES.paymentNotCompleted]: { errorMessage: 'Payment not completed', isValidPayment: false, isActive: false },
};

/** Pending approval: the legacy seed's printed body (three keys) at HTTP 200. */
const pendingApproval = (error: VlensError): Answer => inLegacyKeys({ ...error.toAnswer(), httpStatus: 200 });

const seed: Dialect = {
  name: 'seed',
  customerSign: {
    // As the current seed prints it: error_code 0 (logged as the success it is, like `ours`).
    otpSent: (otpRequestId) => at200(envelope({ otpRequestId }, 0, null), null),
    livenessPassed: ours.customerSign.livenessPassed,
    // The legacy model's shape: the link inside an object.
    otpValidated: (paymentLink) => okAnswer(paymentLink === null ? null : { paymentLink }),
    // A bare message and no flags: only GetBusinessRequestById (Customer Signed) proves the activation.
    paymentValidated: () => okAnswer('Payment validated successfully.'),
    refused: (error) => {
      switch (error.errorCode) {
        case CODES.locationChanged:
          // A "success" without an otpRequestId: only its message says that re-validation is needed.
          return at200(envelope(null, null, 'Location changed, liveness re-validation is required.'), error.errorCode);
        case CODES.paymentNotCompleted:
          return at200(envelope({ isActive: false, isValidPayment: false }, null, null), error.errorCode);
        case CODES.notApproved:
          return pendingApproval(error);
      }
      // Other business errors keep our codes (the sandbox's choice: no seed prints them), as integers: the
      // current seed types error_code integer-or-null.
      return error.toAnswer();
    },
  },
  legacy: {
    // The legacy seed types error_code as `<string>`: its successes say "0" (the "0" is the sandbox's choice).
    answered: (data) => at200(legacyEnvelope(data, '0', null), null),
    refused: (error, data) => {
      const inData = LEGACY_DATA_ERRORS[error.errorCode];
      if (inData) return at200(legacyEnvelope({ ...data, ...inData }, null, null), error.errorCode);
      if (error.errorCode === CODES.notApproved) return pendingApproval(error);
      // Rejected, already signed, unknown request, validation: our codes as the model types them (strings).
      const answer = inLegacyKeys(error.toAnswer());
      return answer.body === null
        ? answer
        : { ...answer, body: { ...answer.body, error_code: String(error.errorCode) } };
    },
  },
};

const BY_NAME: Record<DialectName, Dialect> = { ours, seed };

const isDialectName = (name: string): name is DialectName => (DIALECTS as readonly string[]).includes(name);

export function dialectFor(name: string): Dialect {
  if (isDialectName(name)) return BY_NAME[name];
  throw new Error(`Unknown sandbox dialect "${name}" (SANDBOX_DIALECT / dialect): use ${DIALECTS.join(' or ')}`);
}
