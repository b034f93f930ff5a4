// zod schemas of what the workflow answers (the status, each update's result) and of the long poll's input,
// the halves of the contract contract/request-schemas.ts does not describe because no caller sends them. Together they
// are the source of the JSON Schemas in contract/json-schema/ (contract/json-schema.ts). Each is checked
// against its type in contract/types.ts below, so a field added there fails the typecheck here.
import { z } from 'zod';
import { MAX_WAIT_MS } from './rules';
import {
  ACTIVATION_STATES,
  ATTENTION_REASONS,
  FAILURE_REASONS,
  type ActivationStatus,
  type HeldStep,
  type OperatorUpdateResult,
  type ResendOtpResult,
  type SubmitLivenessResult,
  type SubmitOtpResult,
  type VerifyPaymentResult,
  type WaitForChangeInput,
} from './types';

const HELD_STEPS = ['requestOtp', 'revalidateLiveness', 'validateOtp', 'validatePayment'] as const;
const dateTime = z.string().describe('ISO-8601 date-time (UTC)');
const count = z.number().int().min(0);

export const nextActionSchema = z
  .object({
    type: z.enum(['submit_otp', 'submit_liveness', 'pay', 'wait', 'none']),
    expiresAt: dateTime.optional(),
    attemptsLeft: count.optional(),
    resendAvailableAt: dateTime.optional(),
    sendsLeft: count.optional(),
    paymentLink: z.string().optional(),
  })
  .describe('What the app should do next');

export const activationStatusSchema = z
  .object({
    requestId: z.string(),
    workflowId: z.string().describe('activation-<requestId>'),
    state: z.enum(ACTIVATION_STATES),
    failureReason: z.enum(FAILURE_REASONS).optional(),
    needsAttention: z.boolean(),
    version: count.describe('Grows with every change; the long poll and webhooks are keyed by it'),
    attention: z
      .object({
        reason: z.enum([ATTENTION_REASONS.unrecognisedAnswer]),
        step: z.enum(HELD_STEPS),
        since: dateTime,
      })
      .optional()
      .describe('Present while the activation waits for an operator'),
    nextAction: nextActionSchema,
    otp: z
      .object({ expiresAt: dateTime, attemptsLeft: count, sendsLeft: count, resendAvailableAt: dateTime })
      .optional(),
    liveness: z.object({ required: z.boolean(), attemptsLeft: count }).optional(),
    spent: z.object({ otpSends: count, otpAttempts: count }).optional(),
    payment: z
      .object({
        link: z.string().optional(),
        deadline: dateTime,
        gateway: z.string().optional(),
        paidAt: dateTime.optional(),
      })
      .optional(),
    events: z
      .array(z.object({ at: dateTime, type: z.string(), detail: z.string().optional() }))
      .describe('Never an OTP code, image, token or position'),
  })
  .describe('The status object (docs/design.md)');

export const waitForChangeInputSchema = z
  .object({
    afterVersion: count.optional(),
    whileState: z.enum(ACTIVATION_STATES).optional(),
    timeoutMs: z.number().int().min(1).max(MAX_WAIT_MS),
  })
  .describe('Answers once the status moved past afterVersion or left whileState (give one), or at the timeout');

export const submitOtpResultSchema = z.object({
  outcome: z.enum(['accepted', 'wrong_code', 'expired', 'locked', 'liveness_rejected']),
  attemptsLeft: count,
  status: activationStatusSchema,
});

export const submitLivenessResultSchema = z.object({
  outcome: z.enum(['accepted', 'rejected']),
  attemptsLeft: count,
  status: activationStatusSchema,
});

export const withStatusResultSchema = z.object({ status: activationStatusSchema });

export const verifyPaymentResultSchema = withStatusResultSchema.extend({
  activated: z.boolean().describe('True only when Vlens confirmed the payment and the activation completed'),
});

// The schemas' output must be exactly the workflow contract's types; a drift fails the typecheck here. Keys
// makes every optional field required at every depth, so an optional field one side lacks is a difference too
// (plain assignability would let it pass).
type Keys<T> = T extends readonly (infer E)[]
  ? Keys<E>[]
  : T extends object
    ? { [K in keyof T]-?: Keys<NonNullable<T[K]>> }
    : T;
type Exact<A, B> = [Keys<A>] extends [Keys<B>] ? ([Keys<B>] extends [Keys<A>] ? true : false) : false;
const contractChecks: [
  Exact<z.output<typeof activationStatusSchema>, ActivationStatus>,
  Exact<(typeof HELD_STEPS)[number], HeldStep>,
  Exact<z.output<typeof waitForChangeInputSchema>, WaitForChangeInput>,
  Exact<z.output<typeof submitOtpResultSchema>, SubmitOtpResult>,
  Exact<z.output<typeof submitLivenessResultSchema>, SubmitLivenessResult>,
  Exact<z.output<typeof withStatusResultSchema>, ResendOtpResult>,
  Exact<z.output<typeof withStatusResultSchema>, OperatorUpdateResult>,
  Exact<z.output<typeof verifyPaymentResultSchema>, VerifyPaymentResult>,
] = [true, true, true, true, true, true, true, true];
void contractChecks;
