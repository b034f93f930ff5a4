// Every update a caller sends an activation, one entry each: the app's steps and the operator's repairs.
// ActivationClient's update methods send them through one body (updates.ts), and the gateway's routes for
// them come from the same entries (gateway/routes/operators.ts generates the operator routes; the app
// routes, gateway/routes/apps.ts, take their path and answer from here). Adding an operator action is one
// entry here, its message in contract/messages.ts, and its method on ActivationClient.
import type { UpdateDefinition } from '@temporalio/client';
import type { z } from 'zod';
import {
  operatorCancelUpdate,
  operatorExtendDeadlineUpdate,
  operatorForceNewOtpUpdate,
  operatorRetryStepUpdate,
  operatorVerifyPaymentUpdate,
  resendOtpUpdate,
  submitLivenessUpdate,
  submitOtpUpdate,
} from '../contract/messages';
import type { Role } from './tenancy';
import {
  extendDeadlineSchema,
  operatorActionSchema,
  resendOtpSchema,
  submitLivenessSchema,
  submitOtpSchema,
} from '../contract/request-schemas';

/**
 * What the gateway answers with (result mapping): the update's result as it is, the result with the status
 * an app may see (gateway/access.ts, appView) when a client secret calls, or that status alone.
 */
export type HttpAnswer = 'result' | 'result-for-app' | 'status-for-app';

export interface UpdateAction<Input, Result> {
  /**
   * The update id's prefix (`otp-<key>`, updates.ts) and the gateway's Idempotency-Key scope. Recorded in
   * running activations' histories and in the idempotency record: never rename one.
   */
  step: string;
  /** The workflow's message. */
  definition: UpdateDefinition<Result, [Input]>;
  /** Checks the input before anything is sent (InvalidInput otherwise). */
  schema: z.ZodType<NoInfer<Input>>;
  /** What the input is called in an InvalidInput message ("invalid OTP submission: ..."). */
  label: string;
  /** Who sends it over HTTP: the app (its client secret, or a backend on its behalf) or an operator key. */
  role: Extract<Role, 'operator'> | 'app';
  /** Its route, under /v1/activations/:requestId/. */
  path: string;
  /** One line for the OpenAPI document. */
  summary: string;
  /** What one call is, in the plural, for the per-activation rate limit's message ("... for this activation"). */
  counted: string;
  answer: HttpAnswer;
}

const action = <Input, Result>(entry: UpdateAction<Input, Result>) => entry;

export const UPDATES = {
  submitOtp: action({
    step: 'otp',
    definition: submitOtpUpdate,
    schema: submitOtpSchema,
    label: 'OTP submission',
    role: 'app',
    path: 'otp',
    summary: 'Submit the OTP code',
    counted: 'OTP submissions',
    answer: 'result-for-app',
  }),
  resendOtp: action({
    step: 'resend',
    definition: resendOtpUpdate,
    schema: resendOtpSchema,
    label: 'resend request',
    role: 'app',
    path: 'otp/resend',
    summary: 'Send a new OTP',
    counted: 'resend requests',
    answer: 'status-for-app',
  }),
  submitLiveness: action({
    step: 'liveness',
    definition: submitLivenessUpdate,
    schema: submitLivenessSchema,
    label: 'liveness submission',
    role: 'app',
    path: 'liveness',
    summary: 'Submit liveness images',
    counted: 'liveness submissions',
    answer: 'result-for-app',
  }),
  extendDeadline: action({
    step: 'ops-extend',
    definition: operatorExtendDeadlineUpdate,
    schema: extendDeadlineSchema,
    label: 'deadline extension',
    role: 'operator',
    path: 'ops/extend-deadline',
    summary: 'Operator: extend the OTP or payment deadline',
    counted: 'deadline extensions',
    answer: 'result',
  }),
  forceNewOtp: action({
    step: 'ops-new-otp',
    definition: operatorForceNewOtpUpdate,
    schema: operatorActionSchema,
    label: 'operator action',
    role: 'operator',
    path: 'ops/new-otp',
    summary: 'Operator: send a new OTP',
    counted: 'forced OTPs',
    answer: 'result',
  }),
  verifyPayment: action({
    step: 'ops-verify',
    definition: operatorVerifyPaymentUpdate,
    schema: operatorActionSchema,
    label: 'operator action',
    role: 'operator',
    path: 'ops/verify-payment',
    summary: 'Operator: ask the payment gateway whether the payment went through',
    counted: 'payment checks',
    answer: 'result',
  }),
  retryStep: action({
    step: 'ops-retry-step',
    definition: operatorRetryStepUpdate,
    schema: operatorActionSchema,
    label: 'operator action',
    role: 'operator',
    path: 'ops/retry-step',
    summary: 'Operator: retry the held step',
    counted: 'step retries',
    answer: 'result',
  }),
  operatorCancel: action({
    step: 'ops-cancel',
    definition: operatorCancelUpdate,
    schema: operatorActionSchema,
    label: 'operator action',
    role: 'operator',
    path: 'ops/cancel',
    summary: 'Operator: cancel the activation',
    counted: 'operator cancels',
    answer: 'result',
  }),
};

export type UpdateName = keyof typeof UPDATES;
export type InputOf<N extends UpdateName> = (typeof UPDATES)[N] extends UpdateAction<infer I, infer _R> ? I : never;
export type ResultOf<N extends UpdateName> = (typeof UPDATES)[N] extends UpdateAction<infer _I, infer R> ? R : never;

/** The operator's actions, in the table's order (the gateway's operator routes, one each). */
export const OPERATOR_ACTIONS = (Object.keys(UPDATES) as UpdateName[]).filter(
  (name) => UPDATES[name].role === 'operator',
);
