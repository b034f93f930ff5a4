// zod schemas for everything a caller sends, shared by ActivationClient, the CLI and the HTTP gateway.
// They mirror the workflow's own plain checks (contract/input-checks.ts; both read their patterns and
// limits from contract/rules.ts) so a bad payload is refused here, with field-level details, before
// anything reaches Temporal; the workflow still checks again,
// because not every sender goes through this library. Unknown keys are stripped, so nothing the
// contract does not name (prototype-pollution keys included) ever enters workflow history.
import { z } from 'zod';
import type { FieldProblem } from './input-checks';
import {
  BASE64,
  CURRENCY,
  IMAGE_REF,
  ISO_UTC,
  LIMITS,
  OTP_CODE,
  SMS_PROVIDERS,
  UUID,
  describeCeiling,
  extensionMs,
  policyDurationMs,
} from './rules';
import {
  POLICY_DURATION_CEILINGS_MS,
  POLICY_FIELDS,
  isCountField,
  type PolicyCountField,
  type PolicyDurationField,
  type PolicyField,
} from './policy';
import {
  ACTIVATION_STATES,
  PAYMENT_SOURCES,
  type ActivationInput,
  type CancelInput,
  type ExtendDeadlineInput,
  type OperatorAction,
  type PaymentCompletedInput,
  type ResendOtpInput,
  type SubmitLivenessInput,
  type SubmitOtpInput,
} from './types';

export const uuidSchema = z.string().regex(UUID, 'must be a UUID');

/**
 * A requestId names a workflow (`activation-<requestId>`), webhook lookups and rate-limit windows, so it
 * is lowercased at the boundary: `81F4…` and `81f4…` are one activation, not two with fresh counters
 * (issue 12). Vlens treats its ids case-insensitively; providers send them lowercase.
 */
export const requestIdSchema = uuidSchema.transform((id) => id.toLowerCase());

const isoDateTime = z
  .string()
  .max(64)
  .refine((s) => ISO_UTC.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time');

const boundedString = (max: number) => z.string().min(1).max(max, `must be at most ${max} characters`);

export const deviceSchema = z.object({
  geoLocation: z.object({
    latitude: z.number().min(LIMITS.latitude.min).max(LIMITS.latitude.max),
    longitude: z.number().min(LIMITS.longitude.min).max(LIMITS.longitude.max),
  }),
  userDeviceUtcTime: isoDateTime,
});

const accessToken = boundedString(LIMITS.accessTokenChars).optional();

/**
 * A Temporal duration: milliseconds, or text such as '5m' / '30 seconds' (what the workflow's policy
 * accepts), at most the field's ceiling (contract/policy.ts): a value a Date cannot hold never starts a
 * workflow (issue 27).
 */
const duration = (field: PolicyDurationField) => {
  const ceiling = POLICY_DURATION_CEILINGS_MS[field];
  return z.union([z.number().min(0), z.string().min(1).max(50)]).superRefine((value, ctx) => {
    const ms = policyDurationMs(value);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: "must be a duration such as 300000 or '5m'" });
    else if (ms > ceiling) ctx.addIssue({ code: 'custom', message: `must be at most ${describeCeiling(ceiling)}` });
  });
};

const count = z.number().int().min(LIMITS.policyCount.min).max(LIMITS.policyCount.max);

type PolicyShape = { [F in PolicyField]: F extends PolicyCountField ? typeof count : ReturnType<typeof duration> };

/** One field per setting of the policy table (contract/policy.ts), each optional: a request names what it tightens. */
export const policySchema = z
  .object(
    Object.fromEntries(
      POLICY_FIELDS.map((field) => [field, isCountField(field) ? count : duration(field)]),
    ) as PolicyShape,
  )
  .partial();

export const activationInputSchema = z.object({
  requestId: requestIdSchema,
  transactionId: uuidSchema.optional(),
  contractStorageId: uuidSchema.optional(),
  device: deviceSchema,
  paymentGateway: boundedString(LIMITS.paymentGatewayChars).optional(),
  smsProvider: z.literal([...SMS_PROVIDERS]).optional(),
  accessToken,
  policy: policySchema.optional(),
});

export const submitOtpSchema = z.object({
  code: z.string().regex(OTP_CODE, 'must be 4 to 8 digits'),
  device: deviceSchema,
  accessToken,
});

/** Base64 of the image store's largest image (700 KB decoded): what may be uploaded to the claim-check store. */
export const MAX_UPLOAD_IMAGE_CHARS = 960_000;

/** A base64 image of at most `maxChars`, or a claim-check reference (`blob:...`). */
const imageSchema = (maxChars: number, tooLarge: string) =>
  z
    .string()
    .min(1, 'must be a base64 image or an image reference (blob:...)')
    .superRefine((value, ctx) => {
      if (IMAGE_REF.test(value)) return;
      if (value.length > maxChars) ctx.addIssue({ code: 'custom', message: tooLarge });
      else if (value.length % 4 !== 0 || !BASE64.test(value))
        ctx.addIssue({ code: 'custom', message: 'is not valid base64' });
    });

const inlineImage = imageSchema(
  LIMITS.inlineImageChars,
  `inline image over ${LIMITS.inlineImageChars} base64 characters; upload it and send a reference`,
);
const uploadableImage = imageSchema(MAX_UPLOAD_IMAGE_CHARS, 'image over 700 KB');

const inlineChars = (image: string) => (IMAGE_REF.test(image) ? 0 : image.length);

/** Liveness as the workflow receives it: references, or inline images small enough for one payload. */
export const submitLivenessSchema = z
  .object({
    image: inlineImage,
    faces: z.tuple([inlineImage, inlineImage, inlineImage]).optional(),
    device: deviceSchema,
    accessToken,
  })
  .superRefine((value, ctx) => {
    const total = [value.image, ...(value.faces ?? [])].reduce((sum, image) => sum + inlineChars(image), 0);
    if (total > LIMITS.inlineImagesTotalChars) {
      ctx.addIssue({
        code: 'custom',
        path: ['image'],
        message: 'inline images together are too large; upload them and send references',
      });
    }
  });

/** Liveness as an app sends it when a claim-check store is configured: full-size images, stored before sending. */
export const livenessUploadSchema = z.object({
  image: uploadableImage,
  faces: z.tuple([uploadableImage, uploadableImage, uploadableImage]).optional(),
  device: deviceSchema,
  accessToken,
});

export const resendOtpSchema = z.object({ device: deviceSchema, accessToken });

export const paymentCompletedSchema = z.object({
  source: z.enum(PAYMENT_SOURCES),
  eventId: boundedString(LIMITS.eventIdChars),
  reference: boundedString(LIMITS.referenceChars).optional(),
  amount: z.number().min(0).optional(),
  currency: z.string().regex(CURRENCY, 'must be a three-letter ISO currency code').optional(),
  paidAt: isoDateTime.optional(),
});

/** What an app or operator posts to the gateway: the source defaults to the app. */
export const paymentCompletedBodySchema = paymentCompletedSchema.extend({
  source: z.enum(['app', 'operator']).default('app'),
});

export const cancelSchema = z.object({ reason: boundedString(LIMITS.reasonChars) });

/** Who does an operator repair and why; both end up in the activation's audit trail (`status.events`). */
export const operatorActionSchema = z.object({
  operator: z
    .string()
    .trim()
    .min(1, 'must name the operator')
    .max(LIMITS.operatorChars, `must be at most ${LIMITS.operatorChars} characters`),
  reason: z
    .string()
    .trim()
    .min(1, 'must say why')
    .max(LIMITS.reasonChars, `must be at most ${LIMITS.reasonChars} characters`),
});

export const extendDeadlineSchema = operatorActionSchema.extend({
  step: z.enum(['otp', 'payment']),
  extendBy: z
    .union([z.number(), z.string().min(1).max(50)])
    .refine(
      (value) => extensionMs(value) !== undefined,
      "must be a positive duration of at most 7 days, such as '30m' or 1800000",
    ),
});

export const listQuerySchema = z.object({
  state: z.enum(ACTIVATION_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** An `Idempotency-Key`: becomes part of a Temporal update id, so keep it short and plain. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

// The schemas' output must be exactly the workflow contract's types; a drift fails the typecheck here.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractChecks: [
  Exact<z.output<typeof activationInputSchema>, ActivationInput>,
  Exact<z.output<typeof submitOtpSchema>, SubmitOtpInput>,
  Exact<z.output<typeof submitLivenessSchema>, SubmitLivenessInput>,
  Exact<z.output<typeof resendOtpSchema>, ResendOtpInput>,
  Exact<z.output<typeof paymentCompletedSchema>, PaymentCompletedInput>,
  Exact<z.output<typeof cancelSchema>, CancelInput>,
  Exact<z.output<typeof operatorActionSchema>, OperatorAction>,
  Exact<z.output<typeof extendDeadlineSchema>, ExtendDeadlineInput>,
] = [true, true, true, true, true, true, true, true];
void contractChecks;

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => {
    if (typeof key === 'number') return `${name}[${key}]`;
    return name ? `${name}.${String(key)}` : String(key);
  }, '');
}

/** zod issues as the `{ field, message }` list the workflow and the gateway use. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ field: fieldName(issue.path), message: issue.message }));
}
