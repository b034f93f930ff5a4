// The outcome table: what each Vlens condition other than success means for each operation (the second
// half of activities/outcomes.ts). A rule is a typed business result, a claim to confirm, or a failure
// (its ApplicationFailure type, whether retrying can help, and what happened in words).
import { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from '../contract/rules';
import type {
  RequestOtpResult,
  RevalidateLivenessResult,
  ValidateOtpResult,
  ValidatePaymentResult,
} from '../contract/activities';
import type { VlensCondition } from './classify';
import type { VlensOp } from './vlens-reply';

export interface OpResults {
  requestOtp: RequestOtpResult;
  revalidateLiveness: RevalidateLivenessResult;
  validateOtp: ValidateOtpResult;
  validatePayment: ValidatePaymentResult;
  requestStatus: never;
  serviceLogin: never;
}

export interface FailureRule {
  type: string;
  nonRetryable: boolean;
  /** What happened, for the failure message. */
  what: string;
}

/** The answer claims the work is done, which only GetBusinessRequestById can prove. */
export interface ConfirmRule {
  confirm: true;
}

type Rule<O extends VlensOp> = { result: OpResults[O] } | ConfirmRule | FailureRule;
type Row = { [O in VlensOp]?: Rule<O> } & { otherwise: FailureRule };

const T = { ...VLENS_FAILURE_TYPES, ...VLENS_TRANSIENT_FAILURE_TYPES };
const fatal = (type: string, what: string): FailureRule => ({ type, nonRetryable: true, what });
const transient = (type: string, what: string): FailureRule => ({ type, nonRetryable: false, what });
const outOfOrder = (what: string) => fatal(T.outOfOrder, what);

/** Every Vlens answer other than success, per operation. Read a row as "when Vlens says X during op Y". */
export const OUTCOME_TABLE: { readonly [C in Exclude<VlensCondition, 'success'>]: Row } = {
  revalidationRequired: {
    requestOtp: { result: { livenessRequired: true } },
    validateOtp: { result: { outcome: 'liveness_required' } },
    otherwise: outOfOrder('liveness re-validation required'),
  },
  livenessRequired: {
    requestOtp: { result: { livenessRequired: true } },
    validateOtp: { result: { outcome: 'liveness_required' } },
    otherwise: outOfOrder('liveness re-validation pending'),
  },
  wrongOtp: {
    validateOtp: { result: { outcome: 'wrong_code' } },
    otherwise: outOfOrder('wrong OTP code outside OTP validation'),
  },
  otpExpired: {
    validateOtp: { result: { outcome: 'expired' } },
    otherwise: outOfOrder('OTP expired outside OTP validation'),
  },
  otpAttemptsExceeded: {
    validateOtp: { result: { outcome: 'locked' } },
    otherwise: outOfOrder('OTP attempts exceeded outside OTP validation'),
  },
  livenessFailed: {
    revalidateLiveness: { result: { outcome: 'rejected' } },
    // Legacy flavour: the image travels with the OTP.
    validateOtp: { result: { outcome: 'liveness_rejected' } },
    otherwise: outOfOrder('liveness failed outside liveness re-validation'),
  },
  otpNotValidated: { otherwise: outOfOrder('OTP not validated yet') },
  paymentNotCompleted: {
    // Safe to call again later (reconciliation polls it).
    validatePayment: { result: { activated: false } },
    otherwise: outOfOrder('payment not completed outside payment validation'),
  },
  notApproved: { otherwise: fatal(T.requestNotApproved, 'business request not approved') },
  rejected: { otherwise: fatal(T.requestRejected, 'business request rejected') },
  unknownRequest: { otherwise: fatal(T.requestRejected, 'business request unknown') },
  alreadySigned: {
    // What the workflow wanted, if true: the request's status decides.
    validatePayment: { confirm: true },
    otherwise: fatal(T.alreadySigned, 'business request already signed'),
  },
  validation: { otherwise: fatal(T.invalidRequest, 'request rejected as invalid') },
  // A wrong ApiKey is an operator's fix; retrying keeps the activation alive until it is fixed.
  apiKeyRejected: { otherwise: transient(T.apiKeyRejected, 'ApiKey rejected (check VLENS_API_KEY)') },
  // The workflow needs a fresh token from the app; retrying the same token cannot help.
  userTokenRejected: { otherwise: fatal(T.userTokenRejected, "the user's bearer token was rejected") },
  serviceTokenRejected: {
    otherwise: transient(
      T.serviceAuthFailed,
      'service token rejected (check VLENS_SERVICE_AUTH, VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)',
    ),
  },
  rateLimited: { otherwise: transient(T.rateLimited, 'rate limited') },
  unavailable: { otherwise: transient(T.unavailable, 'server error') },
  requestTimeout: { otherwise: transient(T.timeout, 'request timed out at the server') },
  // Retried a bounded number of times (activities/index.ts), then an operator decides.
  unrecognised: {
    otherwise: transient(
      T.unrecognised,
      'answer the client cannot read (check VLENS_CODES, VLENS_MESSAGE_PATTERNS, VLENS_API_FLAVOR)',
    ),
  },
};

/** Service login failures are all the operator's to fix, except the transient ones. */
const SERVICE_LOGIN_FAILED = transient(
  T.serviceAuthFailed,
  'service login failed (check VLENS_TENANCY/VLENS_USERNAME/VLENS_PASSWORD)',
);

export function ruleFor<O extends VlensOp>(op: O, condition: Exclude<VlensCondition, 'success'>): Rule<O> {
  const row = OUTCOME_TABLE[condition];
  const rule = (row[op] as Rule<O> | undefined) ?? row.otherwise;
  // A refused login is the operator's to fix whatever its shape; only outages stay what they are.
  if (op === 'serviceLogin' && 'type' in rule && (rule.nonRetryable || condition === 'unrecognised'))
    return SERVICE_LOGIN_FAILED;
  return rule;
}
