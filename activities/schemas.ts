// zod schemas for every Vlens response. The envelope is tolerant in what it parses (keys may be missing,
// error_code may be a numeric string) and keeps what is missing visible, so outcomes.ts can refuse to read
// it as success; the per-endpoint `data` schemas are checked only on success (errors carry `data: null`).
import { z } from 'zod';

/**
 * `error_code` as sent: a number, a numeric string (read as its number: the legacy model types it as a
 * string), some other string, null, or absent. Absent stays `undefined`: an answer without an error_code
 * is not a success (fail closed), so it must not look like `null`.
 */
const errorCode = z
  .union([z.number(), z.string(), z.null()])
  .optional()
  .transform((v): number | string | null | undefined => {
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
    return v;
  });

export const envelopeSchema = z
  .object({
    data: z.unknown().optional(),
    error_code: errorCode,
    error_message: z.unknown().optional(),
    error_descriptions: z.unknown().optional(),
  })
  .transform(({ error_message, ...rest }) => ({
    ...rest,
    // A message of another type (a number, an object) is kept out of logs and failure texts, but
    // remembered: such an answer is never positive (activities/positive-answers.ts).
    error_message: typeof error_message === 'string' || error_message == null ? error_message : null,
    messageMalformed: !(typeof error_message === 'string' || error_message == null),
  }));

export type VlensEnvelope = z.output<typeof envelopeSchema>;

const uuidish = z.string().min(1);

// ---- service credentials -------------------------------------------------------------------------

export const loginDataSchema = z.object({
  accessToken: z.string().min(1),
  expireInSeconds: z.number().positive().optional(),
  refreshToken: z.string().min(1).nullish(),
  refreshTokenExpireInSeconds: z.number().positive().nullish(),
});
export type LoginData = z.output<typeof loginDataSchema>;

/** RefreshToken's answer is undocumented; we need a new access token and accept the rest if present. */
export const refreshDataSchema = loginDataSchema;

// ---- customer-sign flavour -----------------------------------------------------------------------

export const stepRequestOtpDataSchema = z.object({
  otpRequestId: uuidish,
  transactionId: uuidish.nullish(),
});

/**
 * StepValidatePayment's success `data`: whatever it is, only its flags can prove activation; without
 * them the client asks GetBusinessRequestById.
 */
export const stepValidatePaymentDataSchema = z.unknown();

// What a positive answer of each step must hold is the table of activities/positive-answers.ts; the
// schemas here only type what a flavour reads once the table said yes.

// ---- legacy flavour ------------------------------------------------------------------------------

/** `/api/BusinessRequest/Activate` answers every step with the same object; every field may be absent. */
export const activateDataSchema = z.object({
  isActive: z.boolean().nullish(),
  needsReValidate: z.boolean().nullish(),
  errorMessage: z.string().nullish(),
  paymentLink: z.string().nullish(),
  isValidPayment: z.boolean().nullish(),
  requestId: uuidish.nullish(),
  otpRequestId: uuidish.nullish(),
  transactionId: uuidish.nullish(),
});
export type ActivateData = z.output<typeof activateDataSchema>;

/**
 * Describes zod issues by path and code only: issue messages can quote received values, and a response
 * body may echo secrets (OTP codes, tokens), so no value ever reaches a failure message or a log line.
 */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.code}`);
  if (error.issues.length > 5) parts.push(`+${error.issues.length - 5} more`);
  return parts.join('; ');
}
