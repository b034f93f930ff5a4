// zod schemas for every body the sandbox accepts, and the one function that turns a zod failure into the
// 400/4000 envelope with field-level descriptions.
import { z } from 'zod';
import { errors, type FieldError } from './envelope';

const uuid = z.guid({ error: 'must be a UUID' }).transform((v) => v.toLowerCase());
const nullableUuid = uuid.nullish();

export const geoPointSchema = z.object({
  latitude: z.number().finite().min(-90).max(90),
  longitude: z.number().finite().min(-180).max(180),
});

// The base body of every activation call (part A). Unknown keys are ignored, as ASP.NET does.
export const baseBodySchema = z.object({
  geoLocation: geoPointSchema,
  userDeviceUtcTime: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }),
  requestId: uuid,
  transactionId: nullableUuid,
  contractStorageId: nullableUuid,
  paymentGateway: z.string().max(64).nullish(),
});

export const requestOtpSchema = baseBodySchema.extend({
  smsProviders: z.number().int().min(1).max(4).nullish(),
});

// Size is checked after decoding (liveness.ts); this cap only keeps absurd strings out of the regex.
const image = z.string().max(2_000_000);

export const revalidateLivenessSchema = baseBodySchema.extend({
  scanTransaction: z.object({ image, face_1: image, face_2: image, face_3: image }),
});

const otpCode = z.string().min(1).max(32);

export const validateOtpSchema = baseBodySchema.extend({
  otpRequestId: uuid,
  otpCode,
});

export const validatePaymentSchema = baseBodySchema;

// Legacy `/Activate`: one body for all steps; which step runs depends on which fields are present.
export const legacyActivateSchema = baseBodySchema.extend({
  otpRequestId: uuid.optional(),
  otpCode: otpCode.optional(),
  scanTransaction: z.object({ image }).nullish(),
});

export const credentialsLoginSchema = z.object({
  tenancyName: z.string().min(1).max(256),
  userNameOrEmailAddress: z.string().min(1).max(256),
  password: z.string().min(1).max(256),
});

export const refreshTokenSchema = z.object({ refreshToken: z.string().min(1).max(512) });

/** Our choice for `/api/DigitalIdentity/Login`: identify the end user by the KYC transaction or the request. */
export const digitalIdentityLoginSchema = z
  .object({ transactionId: uuid.optional(), requestId: uuid.optional() })
  .refine((b) => b.transactionId !== undefined || b.requestId !== undefined, {
    message: 'transactionId or requestId is required',
    path: ['transactionId'],
  });

export const seedRequestSchema = z.object({
  requestId: uuid.optional(),
  transactionId: uuid.optional(),
  status: z.enum(['approved', 'pending_approval', 'rejected', 'customer_signed']).default('approved'),
  lastLocation: geoPointSchema.default({ latitude: 30.0444, longitude: 31.2357 }),
  hasPayment: z.boolean().default(true),
  amount: z.number().finite().positive().max(1e9).default(1500),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code')
    .default('EGP'),
  livenessOutcome: z.enum(['pass', 'fail']).default('pass'),
  paymentGateway: z.enum(['kashier', 'fawry']).default('kashier'),
});

export const paymentOutcomeSchema = z.object({
  outcome: z.enum(['paid', 'declined']),
  /** Fawry only: the payment method reported in the notification. */
  paymentMethod: z.enum(['PayAtFawry', 'CARD']).optional(),
});

export const faultSchema = z
  .object({
    path: z.string().min(1).max(512),
    status: z.union([z.literal(500), z.literal(503), z.literal(429)]).optional(),
    answer: z
      .object({
        status: z.number().int().min(200).max(599),
        body: z.string().max(64 * 1024),
        contentType: z.string().min(1).max(100).optional(),
      })
      .strict()
      .optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    drop: z.literal(true).optional(),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
  })
  .refine((f) => f.status !== undefined || f.answer !== undefined || f.delayMs !== undefined || f.drop === true, {
    message: 'a fault needs status, answer, delayMs or drop',
    path: ['status'],
  })
  .refine((f) => [f.drop === true, f.status !== undefined, f.answer !== undefined].filter(Boolean).length <= 1, {
    message: 'drop, status and answer are mutually exclusive',
    path: ['drop'],
  });

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : 'body',
    message: issue.message,
  }));
}

/** Parses a body or throws the 400/4000 validation error. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw errors.validation(toFieldErrors(result.error));
  return result.data;
}
