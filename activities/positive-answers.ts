// What a POSITIVE answer is, step by step and flavour by flavour: the one table the client reads success
// by (docs/vlens-answers.md, "The positive answers"). An answer is positive only when the envelope rule
// holds AND its `data` has one of the shapes listed for the step, field by field. Every other answer is a
// known business outcome (a configured code or message pattern, activities/reading-table.ts) or unrecognised,
// held for an operator. The property test (test/activities/vlens-answers.test.ts) reads this table as data
// and checks each field itself, so it does not share the code below.
import type { VlensApiFlavor } from './config';

/** What one field of `data` must hold. Fields the table does not name are not read. */
export type FieldRule =
  /** A non-empty string. */
  | 'text'
  /** An http(s) URL. */
  | 'httpUrl'
  /** The boolean `true` (never the string "true" or the number 1). */
  | 'true'
  /** Absent or null. */
  | 'none'
  /** Absent, null or the boolean `false`. */
  | 'noneOrFalse'
  /** Absent, null or the empty string. */
  | 'noneOrEmpty'
  /** Absent, null or a non-empty string. */
  | 'noneOrText'
  /** Absent, null or a boolean. */
  | 'noneOrBoolean'
  /** Absent, null or any string. */
  | 'noneOrString'
  /** An integer equal to the configured Customer Signed status (VLENS_CUSTOMER_SIGNED_STATUS). */
  | 'customerSignedStatus'
  /** Absent, null, or a name matching VLENS_CUSTOMER_SIGNED_STATUS_NAME. */
  | 'noneOrCustomerSignedName';

/** One shape `data` may have in a positive answer. */
export type DataShape =
  /** `data` absent or null. */
  | { type: 'none' }
  /** `data` a string that is an http(s) URL. */
  | { type: 'httpUrl' }
  /** `data` a string matching the step's success message patterns (VLENS_SUCCESS_MESSAGE_PATTERNS). */
  | { type: 'successMessage' }
  /** `data` an object (not an array) whose named fields follow their rules. */
  | { type: 'object'; fields: Readonly<Record<string, FieldRule>> };

/** The steps whose success the table defines. `requestStatus` is GetBusinessRequestById saying Customer Signed. */
export type PositiveStep =
  'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment' | 'paymentClaim' | 'requestStatus';

export interface PositiveAnswer {
  /** What this answer proves, in words. */
  proves: string;
  /** `data` must have one of these shapes. */
  data: readonly DataShape[];
}

/**
 * The envelope rule, the same for every step: HTTP 2xx; a JSON object; `error_code` present and in
 * VLENS_SUCCESS_CODES (a numeric string read as its number); `error_message` absent, null, "" or matching
 * VLENS_SUCCESS_MESSAGE_PATTERNS (and naming no condition); `error_descriptions` absent, null, [] or {};
 * inside an object `data`, `errorMessage` absent, null or "".
 */
export const ENVELOPE_RULE = {
  httpStatus: '2xx',
  error_code: 'successCodes',
  error_message: 'noneOrEmptyOrSuccessMessage',
  error_descriptions: 'noneOrEmpty',
  dataErrorMessage: 'noneOrEmpty',
} as const;

/**
 * Flags read only as real booleans: an answer whose object `data` carries one of these as anything but a
 * boolean or null (the string "true", the number 1) is unrecognised at every step.
 */
export const BOOLEAN_FLAGS = ['isActive', 'isValidPayment', 'needsReValidate'] as const;

// The legacy `/Activate` model carries a step's failure in these; a positive answer has none.
const LEGACY_CLEAN = { errorMessage: 'noneOrEmpty', needsReValidate: 'noneOrFalse' } as const;

const CUSTOMER_SIGN: Readonly<Record<PositiveStep, PositiveAnswer>> = {
  requestOtp: {
    proves: 'an SMS was sent: Vlens names the OTP it sent',
    data: [{ type: 'object', fields: { otpRequestId: 'text', transactionId: 'noneOrText', ...LEGACY_CLEAN } }],
  },
  revalidateLiveness: {
    proves: 'the faces passed: no error, no refusal, at most the success sentence',
    data: [{ type: 'none' }, { type: 'successMessage' }],
  },
  validateOtp: {
    proves: 'the customer signed with the OTP: Vlens answers the payment link, or nothing at all',
    data: [
      { type: 'httpUrl' },
      { type: 'object', fields: { paymentLink: 'httpUrl', ...LEGACY_CLEAN } },
      { type: 'none' },
    ],
  },
  validatePayment: {
    proves: 'the contract is active',
    // isValidPayment may be false: a request type without a payment check activates without paying.
    data: [{ type: 'object', fields: { isActive: 'true', isValidPayment: 'noneOrBoolean', ...LEGACY_CLEAN } }],
  },
  paymentClaim: {
    proves: 'nothing yet: Vlens says paid, or no more than OK; only GetBusinessRequestById can prove it',
    data: [
      { type: 'object', fields: { isValidPayment: 'true', isActive: 'noneOrFalse', ...LEGACY_CLEAN } },
      { type: 'object', fields: { isValidPayment: 'none', isActive: 'none', ...LEGACY_CLEAN } },
      { type: 'none' },
      { type: 'successMessage' },
    ],
  },
  requestStatus: {
    proves: 'the request is Customer Signed',
    data: [
      {
        type: 'object',
        fields: { requeststatus: 'customerSignedStatus', requestStatusName: 'noneOrCustomerSignedName' },
      },
    ],
  },
};

// The legacy model's other fields, typed as the model is (docs/vlens-api.md:75): a step that reads the model
// reads all of it, so a field of the wrong type keeps the answer from being positive.
const LEGACY_MODEL = {
  requestId: 'noneOrText',
  otpRequestId: 'noneOrText',
  transactionId: 'noneOrText',
  paymentLink: 'noneOrString',
} as const;

const LEGACY: Readonly<Record<PositiveStep, PositiveAnswer>> = {
  ...CUSTOMER_SIGN,
  requestOtp: {
    proves:
      'an SMS was sent: Vlens names the OTP it sent (needsReValidate may be true: the image then goes with step 2)',
    data: [
      {
        type: 'object',
        fields: { ...LEGACY_MODEL, otpRequestId: 'text', errorMessage: 'noneOrEmpty' },
      },
    ],
  },
  // No legacy endpoint: the image travels with step 2, which proves it.
  revalidateLiveness: { proves: 'nothing is called', data: [] },
  validateOtp: {
    proves: 'the customer signed with the OTP: Vlens answers the payment link',
    data: [{ type: 'object', fields: { ...LEGACY_MODEL, paymentLink: 'httpUrl', ...LEGACY_CLEAN } }],
  },
};

export const POSITIVE_ANSWERS: Readonly<Record<VlensApiFlavor, Readonly<Record<PositiveStep, PositiveAnswer>>>> = {
  'customer-sign': CUSTOMER_SIGN,
  'legacy-activate': LEGACY,
};

// ---- reading the table ---------------------------------------------------------------------------------

/** What the table's rules need from the configuration. */
export interface PositiveConfig {
  /** A text is a success message when it matches every pattern of one of these lists. */
  successMessagePatterns: readonly (readonly RegExp[])[];
  customerSignedStatus: number;
  customerSignedStatusName: RegExp;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.trim() !== value || value === '') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function isSuccessMessage(text: string, config: Pick<PositiveConfig, 'successMessagePatterns'>): boolean {
  return config.successMessagePatterns.some((all) => all.length > 0 && all.every((p) => p.test(text)));
}

function fieldHolds(rule: FieldRule, value: unknown, config: PositiveConfig): boolean {
  const none = value === undefined || value === null;
  switch (rule) {
    case 'text':
      return typeof value === 'string' && value.trim() !== '';
    case 'httpUrl':
      return isHttpUrl(value);
    case 'true':
      return value === true;
    case 'none':
      return none;
    case 'noneOrFalse':
      return none || value === false;
    case 'noneOrEmpty':
      return none || value === '';
    case 'noneOrText':
      return none || (typeof value === 'string' && value.trim() !== '');
    case 'noneOrBoolean':
      return none || typeof value === 'boolean';
    case 'noneOrString':
      return none || typeof value === 'string';
    case 'customerSignedStatus':
      return value === config.customerSignedStatus;
    case 'noneOrCustomerSignedName':
      return none || (typeof value === 'string' && config.customerSignedStatusName.test(value.trim()));
  }
}

function shapeHolds(shape: DataShape, data: unknown, config: PositiveConfig): boolean {
  switch (shape.type) {
    case 'none':
      return data === undefined || data === null;
    case 'httpUrl':
      return isHttpUrl(data);
    case 'successMessage':
      return typeof data === 'string' && isSuccessMessage(data, config);
    case 'object':
      return (
        isRecord(data) && Object.entries(shape.fields).every(([name, rule]) => fieldHolds(rule, data[name], config))
      );
  }
}

/** True when `data` (of an answer whose envelope is already positive) has a positive shape for the step. */
export function isPositiveData(
  flavor: VlensApiFlavor,
  step: PositiveStep,
  data: unknown,
  config: PositiveConfig,
): boolean {
  return POSITIVE_ANSWERS[flavor][step].data.some((shape) => shapeHolds(shape, data, config));
}
