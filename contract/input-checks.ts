// Plain, synchronous checks of every message payload. Update validators must be synchronous, and a
// schema library in the workflow bundle is rebuilt per cached workflow (docs/design.md, "Style to follow"),
// so the workflow validates with these small functions; the gateway validates the same shapes with zod
// before sending. Both read their patterns and limits from rules.ts.
import { ApplicationFailure } from '@temporalio/common';
import { BASE64, CURRENCY, FAILURE_TYPES, IMAGE_REF, ISO_UTC, LIMITS, OTP_CODE, SMS_PROVIDERS, UUID } from './rules';
import {
  PAYMENT_SOURCES,
  type ActivationInput,
  type AppMessage,
  type CancelInput,
  type ExtendDeadlineInput,
  type OperatorAction,
  type PaymentCompletedInput,
  type SubmitLivenessInput,
  type SubmitOtpInput,
} from './types';

export interface FieldProblem {
  field: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkDevice(device: unknown, problems: FieldProblem[], prefix = 'device'): void {
  if (!isObject(device)) {
    problems.push({ field: prefix, message: 'must be an object with geoLocation and userDeviceUtcTime' });
    return;
  }
  const geo = device.geoLocation;
  if (!isObject(geo)) {
    problems.push({ field: `${prefix}.geoLocation`, message: 'must be { latitude, longitude }' });
  } else {
    const { latitude, longitude } = LIMITS;
    if (!isFiniteNumber(geo.latitude) || geo.latitude < latitude.min || geo.latitude > latitude.max) {
      problems.push({
        field: `${prefix}.geoLocation.latitude`,
        message: `must be a number between ${latitude.min} and ${latitude.max}`,
      });
    }
    if (!isFiniteNumber(geo.longitude) || geo.longitude < longitude.min || geo.longitude > longitude.max) {
      problems.push({
        field: `${prefix}.geoLocation.longitude`,
        message: `must be a number between ${longitude.min} and ${longitude.max}`,
      });
    }
  }
  const time = device.userDeviceUtcTime;
  if (typeof time !== 'string' || !ISO_UTC.test(time) || Number.isNaN(Date.parse(time))) {
    problems.push({ field: `${prefix}.userDeviceUtcTime`, message: 'must be an ISO-8601 date-time' });
  }
}

function checkOptionalString(value: unknown, field: string, max: number, problems: FieldProblem[]): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > max)) {
    problems.push({ field, message: `must be a non-empty string of at most ${max} characters` });
  }
}

function checkAppMessage(payload: unknown, problems: FieldProblem[]): payload is AppMessage & Record<string, unknown> {
  if (!isObject(payload)) {
    problems.push({ field: '', message: 'must be an object' });
    return false;
  }
  checkDevice(payload.device, problems);
  checkOptionalString(payload.accessToken, 'accessToken', LIMITS.accessTokenChars, problems);
  return true;
}

function checkImage(value: unknown, field: string, problems: FieldProblem[]): number {
  if (typeof value !== 'string' || value.length === 0) {
    problems.push({ field, message: 'must be a base64 image or an image reference (blob:...)' });
    return 0;
  }
  if (IMAGE_REF.test(value)) return 0;
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    problems.push({ field, message: 'is not valid base64' });
    return 0;
  }
  if (value.length > LIMITS.inlineImageChars) {
    problems.push({
      field,
      message: `inline image over ${LIMITS.inlineImageChars} base64 characters; upload it and send a reference`,
    });
  }
  return value.length;
}

export function fail(problems: FieldProblem[], what: string): never {
  throw ApplicationFailure.create({
    type: FAILURE_TYPES.invalidInput,
    message: `invalid ${what}: ${problems.map((p) => (p.field ? `${p.field} ${p.message}` : p.message)).join('; ')}`,
    nonRetryable: true,
    details: [problems],
  });
}

export function checkActivationInput(input: unknown): asserts input is ActivationInput<unknown> {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) fail([{ field: '', message: 'must be an object' }], 'activation input');
  if (typeof input.requestId !== 'string' || !UUID.test(input.requestId)) {
    problems.push({ field: 'requestId', message: 'must be a UUID' });
  }
  for (const field of ['transactionId', 'contractStorageId'] as const) {
    if (input[field] !== undefined && (typeof input[field] !== 'string' || !UUID.test(input[field]))) {
      problems.push({ field, message: 'must be a UUID' });
    }
  }
  checkDevice(input.device, problems);
  checkOptionalString(input.paymentGateway, 'paymentGateway', LIMITS.paymentGatewayChars, problems);
  if (input.smsProvider !== undefined && !SMS_PROVIDERS.includes(input.smsProvider as never)) {
    problems.push({ field: 'smsProvider', message: 'must be 1, 2, 3 or 4' });
  }
  checkOptionalString(input.accessToken, 'accessToken', LIMITS.accessTokenChars, problems);
  if (input.webhooks !== undefined && typeof input.webhooks !== 'boolean') {
    problems.push({ field: 'webhooks', message: 'must be true or false' });
  }
  if (input.spent !== undefined) {
    if (!isObject(input.spent)) {
      problems.push({ field: 'spent', message: 'must be { otpSends, otpAttempts }' });
    } else {
      for (const field of ['otpSends', 'otpAttempts'] as const) {
        const value = input.spent[field];
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          problems.push({ field: `spent.${field}`, message: 'must be a non-negative integer' });
        }
      }
    }
  }
  const { continueAsNewAfterEvents: canAfter } = input;
  if (
    canAfter !== undefined &&
    (typeof canAfter !== 'number' || !Number.isSafeInteger(canAfter) || canAfter < 20 || canAfter > 40_000)
  ) {
    problems.push({ field: 'continueAsNewAfterEvents', message: 'must be an integer between 20 and 40000' });
  }
  if (
    input.carried !== undefined &&
    (!isObject(input.carried) || !isObject(input.carried.machine) || !isObject(input.carried.ctx))
  ) {
    problems.push({ field: 'carried', message: 'must be the state a previous run carried over' });
  }
  if (input.policy !== undefined && !isObject(input.policy)) {
    problems.push({ field: 'policy', message: 'must be an object' });
  }
  if (problems.length) fail(problems, 'activation input');
}

export function checkSubmitOtp(payload: unknown): asserts payload is SubmitOtpInput {
  const problems: FieldProblem[] = [];
  if (checkAppMessage(payload, problems) && (typeof payload.code !== 'string' || !OTP_CODE.test(payload.code))) {
    problems.push({ field: 'code', message: 'must be 4 to 8 digits' });
  }
  if (problems.length) fail(problems, 'OTP submission');
}

export function checkSubmitLiveness(payload: unknown): asserts payload is SubmitLivenessInput {
  const problems: FieldProblem[] = [];
  if (checkAppMessage(payload, problems)) {
    let inlineChars = checkImage(payload.image, 'image', problems);
    if (payload.faces !== undefined) {
      if (!Array.isArray(payload.faces) || payload.faces.length !== 3) {
        problems.push({ field: 'faces', message: 'must be exactly three images' });
      } else {
        payload.faces.forEach((face, i) => (inlineChars += checkImage(face, `faces[${i}]`, problems)));
      }
    }
    if (inlineChars > LIMITS.inlineImagesTotalChars) {
      problems.push({
        field: 'image',
        message: 'inline images together are too large; upload them and send references',
      });
    }
  }
  if (problems.length) fail(problems, 'liveness submission');
}

export function checkResendOtp(payload: unknown): asserts payload is AppMessage {
  const problems: FieldProblem[] = [];
  checkAppMessage(payload, problems);
  if (problems.length) fail(problems, 'resend request');
}

export function checkPaymentCompleted(payload: unknown): asserts payload is PaymentCompletedInput {
  const problems: FieldProblem[] = [];
  if (!isObject(payload)) fail([{ field: '', message: 'must be an object' }], 'payment notification');
  if (!PAYMENT_SOURCES.includes(payload.source as never)) {
    problems.push({ field: 'source', message: `must be one of ${PAYMENT_SOURCES.join(', ')}` });
  }
  if (
    typeof payload.eventId !== 'string' ||
    payload.eventId.length === 0 ||
    payload.eventId.length > LIMITS.eventIdChars
  ) {
    problems.push({
      field: 'eventId',
      message: `must be a non-empty string of at most ${LIMITS.eventIdChars} characters`,
    });
  }
  checkOptionalString(payload.reference, 'reference', LIMITS.referenceChars, problems);
  if (payload.amount !== undefined && (!isFiniteNumber(payload.amount) || payload.amount < 0)) {
    problems.push({ field: 'amount', message: 'must be a non-negative number' });
  }
  if (payload.currency !== undefined && (typeof payload.currency !== 'string' || !CURRENCY.test(payload.currency))) {
    problems.push({ field: 'currency', message: 'must be a three-letter ISO currency code' });
  }
  if (
    payload.paidAt !== undefined &&
    (typeof payload.paidAt !== 'string' || Number.isNaN(Date.parse(payload.paidAt)))
  ) {
    problems.push({ field: 'paidAt', message: 'must be an ISO-8601 date-time' });
  }
  if (problems.length) fail(problems, 'payment notification');
}

export function checkCancel(payload: unknown): asserts payload is CancelInput {
  if (
    !isObject(payload) ||
    typeof payload.reason !== 'string' ||
    payload.reason.length === 0 ||
    payload.reason.length > LIMITS.reasonChars
  ) {
    fail(
      [{ field: 'reason', message: `must be a non-empty string of at most ${LIMITS.reasonChars} characters` }],
      'cancel request',
    );
  }
}

export function checkOperatorAction(payload: unknown): asserts payload is OperatorAction {
  const problems: FieldProblem[] = [];
  if (!isObject(payload)) fail([{ field: '', message: 'must be an object' }], 'operator action');
  if (
    typeof payload.operator !== 'string' ||
    payload.operator.trim().length === 0 ||
    payload.operator.length > LIMITS.operatorChars
  ) {
    problems.push({
      field: 'operator',
      message: `must name the operator (at most ${LIMITS.operatorChars} characters)`,
    });
  }
  if (
    typeof payload.reason !== 'string' ||
    payload.reason.trim().length === 0 ||
    payload.reason.length > LIMITS.reasonChars
  ) {
    problems.push({ field: 'reason', message: `must say why (at most ${LIMITS.reasonChars} characters)` });
  }
  if (problems.length) fail(problems, 'operator action');
}

export function checkExtendDeadline(payload: unknown): asserts payload is ExtendDeadlineInput {
  checkOperatorAction(payload);
  const p = payload as unknown as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  if (p.step !== 'otp' && p.step !== 'payment') problems.push({ field: 'step', message: "must be 'otp' or 'payment'" });
  if (typeof p.extendBy !== 'string' && typeof p.extendBy !== 'number') {
    problems.push({ field: 'extendBy', message: "must be a duration such as '30m' or 1800000" });
  }
  if (problems.length) fail(problems, 'deadline extension');
}
