// The gateway's OpenAPI document (issue 13 item 4). Routes declare their bodies and queries with the zod
// schemas of contract/request-schemas.ts through fastify-type-provider-zod; this file adds the response shapes, the
// compilers that keep the gateway's answers what they were before schemas were declared, and the
// unauthenticated, read-only GET /openapi.json and /docs (Swagger UI, served from node_modules).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  activationInputSchema,
  cancelSchema,
  extendDeadlineSchema,
  listQuerySchema,
  livenessUploadSchema,
  operatorActionSchema,
  paymentCompletedBodySchema,
  resendOtpSchema,
  submitOtpSchema,
} from '../contract/request-schemas';
import { parseInput, UPDATES, type ResultOf, type UpdateName } from '../client';
import { ACTIVATION_STATES, FAILURE_REASONS } from '../contract/types';

/**
 * What each schema is called in a 422 message ("invalid OTP submission: code must be 4 to 8 digits"),
 * the words the routes passed to `parseInput` before the schemas moved into the route declarations.
 */
const INPUT_NAMES = new Map<z.ZodType, string>([
  [activationInputSchema, 'activation input'],
  [listQuerySchema, 'list filter'],
  [submitOtpSchema, 'OTP submission'],
  [resendOtpSchema, 'resend request'],
  [livenessUploadSchema, 'liveness submission'],
  [paymentCompletedBodySchema, 'payment notification'],
  [cancelSchema, 'cancel request'],
  [extendDeadlineSchema, 'deadline extension'],
  [operatorActionSchema, 'operator action'],
]);

/** The body exactly as it arrived, by the parsed body that replaced it (Idempotency-Key hashing). */
const RECEIVED = new WeakMap<object, unknown>();

/** What the caller sent for a validated body; the body itself when it was not validated here. */
export function receivedBody(body: unknown): unknown {
  return body && typeof body === 'object' ? (RECEIVED.has(body) ? RECEIVED.get(body) : body) : body;
}

/**
 * Bodies and queries are parsed with `parseInput`, so a refusal is the same InvalidInput the routes threw
 * themselves (422 invalid_request with field problems, http-errors.ts), not the provider's 400. Params and
 * headers are declared for the document only: the routes check them (access.ts, webhooks/providers.ts)
 * with their own answers (404 for a malformed requestId, 401 for a bad signature).
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  // Plugins' own JSON-schema routes (/docs static files) declare nothing this gateway needs checked.
  if (!(schema instanceof z.ZodType) || (httpPart !== 'body' && httpPart !== 'querystring'))
    return (data) => ({ value: data });
  const what = INPUT_NAMES.get(schema) ?? httpPart;
  return (data) => {
    try {
      const value = parseInput(schema, data, what) as unknown;
      if (value && typeof value === 'object') RECEIVED.set(value, data);
      return { value };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

/** Responses are sent as JSON.stringify sends them, as before: the response schemas describe, they do not filter. */
export const serializerCompiler = () => (data: unknown) => JSON.stringify(data);

// ---- response shapes (documentation; test/gateway/openapi.test.ts checks real answers against them) ----

const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('invalid_request, not_found, invalid_state, rate_limited, ... (http-errors.ts)'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('Every refusal and failure');

// Full shapes, not loose ones: the document says exactly which fields an answer has, and the routes'
// return types are checked against them (a field added to contract/types.ts fails the typecheck here).
const nextActionSchema = z.object({
  type: z.enum(['submit_otp', 'submit_liveness', 'pay', 'wait', 'none']),
  expiresAt: z.string().optional(),
  attemptsLeft: z.number().optional(),
  resendAvailableAt: z.string().optional(),
  sendsLeft: z.number().optional(),
  paymentLink: z.string().optional(),
});

/** ActivationStatus (contract/types.ts); an app's client secret sees it without `events` and `attention`. */
export const activationStatusSchema = z.object({
  requestId: z.string(),
  workflowId: z.string(),
  state: z.enum(ACTIVATION_STATES),
  failureReason: z.enum(FAILURE_REASONS).optional(),
  needsAttention: z.boolean(),
  version: z.number().int(),
  attention: z.object({ reason: z.string(), step: z.string(), since: z.string() }).optional(),
  nextAction: nextActionSchema,
  otp: z
    .object({ expiresAt: z.string(), attemptsLeft: z.number(), sendsLeft: z.number(), resendAvailableAt: z.string() })
    .optional(),
  liveness: z.object({ required: z.boolean(), attemptsLeft: z.number() }).optional(),
  spent: z.object({ otpSends: z.number(), otpAttempts: z.number() }).optional(),
  payment: z
    .object({
      link: z.string().optional(),
      deadline: z.string(),
      gateway: z.string().optional(),
      paidAt: z.string().optional(),
    })
    .optional(),
  events: z.array(z.object({ at: z.string(), type: z.string(), detail: z.string().optional() })).optional(),
});

const startedSchema = activationStatusSchema.extend({
  clientSecret: z.string().describe("The app's credential for this one activation"),
  clientSecretExpiresAt: z.string(),
  activationUrl: z
    .string()
    .optional()
    .describe(
      'The hosted activation page for the customer (when ACTIVATION_PAGE_BASE_URL is set); the secret is in its #fragment',
    ),
});

const withStatusSchema = z.object({ status: activationStatusSchema });

const stepResultSchema = (outcomes: readonly [string, ...string[]]) =>
  z.object({ outcome: z.enum(outcomes), attemptsLeft: z.number(), status: activationStatusSchema });

const summarySchema = z.object({
  requestId: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  state: z.enum(ACTIVATION_STATES).optional(),
  tenant: z.string(),
  executionStatus: z.string(),
  startTime: z.string(),
  closeTime: z.string().optional(),
});

const acceptedSchema = z.object({ accepted: z.literal(true) });

const webhookAnswerSchema = z.object({
  received: z.literal(true),
  ignored: z.string().optional(),
  duplicate: z.literal(true).optional(),
  unknownActivation: z.literal(true).optional(),
  alreadyActivated: z.literal(true).optional(),
  activationEnded: z.literal(true).optional(),
});

/** The refusals every authenticated route may answer with. */
const refusals = {
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  413: errorBodySchema,
  415: errorBodySchema,
  422: errorBodySchema,
  429: errorBodySchema,
  503: errorBodySchema,
};

const requestIdParams = z.object({ requestId: z.string().describe('The activation (a UUID)') });

/** Route schemas, by route; the route files spread them into their declarations. */
export const routeSchemas = {
  start: {
    summary: 'Start an activation (or answer the running one for this requestId)',
    tags: ['activations'],
    body: activationInputSchema,
    response: { 200: startedSchema, 202: startedSchema, ...refusals },
  },
  list: {
    summary: "List the caller's activations",
    tags: ['activations'],
    querystring: listQuerySchema,
    response: { 200: z.object({ activations: z.array(summarySchema) }), ...refusals },
  },
  status: {
    summary: 'Status of one activation; waitForChange/afterVersion/whileState make it a long poll (waiting.ts)',
    tags: ['activations'],
    params: requestIdParams,
    response: { 200: activationStatusSchema, ...refusals },
  },
  events: {
    summary: 'Server-sent events: the status at every change',
    tags: ['activations'],
    params: requestIdParams,
  },
  paymentCompleted: {
    summary: 'Tell the activation its payment is done',
    tags: ['activations'],
    params: requestIdParams,
    body: paymentCompletedBodySchema,
    response: { 202: acceptedSchema, ...refusals },
  },
  cancel: {
    summary: 'Cancel an activation',
    tags: ['activations'],
    params: requestIdParams,
    body: cancelSchema,
    response: { 202: acceptedSchema, ...refusals },
  },
  webhook: (provider: string, headers?: z.ZodObject) => ({
    summary: `${provider} payment notification (raw body; authenticated by its signature, no API key)`,
    tags: ['webhooks'],
    security: [],
    ...(headers ? { headers } : {}),
    response: {
      200: webhookAnswerSchema,
      202: webhookAnswerSchema,
      400: errorBodySchema,
      401: errorBodySchema,
      413: errorBodySchema,
      429: errorBodySchema,
      503: errorBodySchema,
    },
  }),
  health: {
    summary: 'Ready when Temporal answers',
    tags: ['health'],
    security: [],
    response: { 200: z.object({ status: z.literal('ok'), temporal: z.string() }), 503: errorBodySchema },
  },
};

/** Each update's answer (client/update-table.ts; the apps' steps and the operators' repairs). */
const UPDATE_ANSWERS = {
  submitOtp: stepResultSchema(['accepted', 'wrong_code', 'expired', 'locked', 'liveness_rejected']),
  resendOtp: activationStatusSchema,
  submitLiveness: stepResultSchema(['accepted', 'rejected']),
  extendDeadline: withStatusSchema,
  forceNewOtp: withStatusSchema,
  verifyPayment: withStatusSchema.extend({ activated: z.boolean() }),
  retryStep: withStatusSchema,
  operatorCancel: withStatusSchema,
} satisfies Record<UpdateName, z.ZodType>;

// The update routes share one handler (routes/update-route.ts), so the compiler checks here instead that what
// each one answers (its result, or the status alone for a resend) has the documented shape.
type AnswerOf<N extends UpdateName> = N extends 'resendOtp' ? ResultOf<'resendOtp'>['status'] : ResultOf<N>;
type Documented = {
  [N in UpdateName]: AnswerOf<N> extends z.output<(typeof UPDATE_ANSWERS)[N]> ? N : never;
}[UpdateName];
export const _everyUpdateAnswerDocumented: UpdateName extends Documented ? true : never = true;

/** The schema of an update's route, from its table entry; `body` when the route takes another than the update. */
export const updateRouteSchema = (name: UpdateName, body: unknown = UPDATES[name].schema) => ({
  summary: UPDATES[name].summary,
  tags: [UPDATES[name].role],
  params: requestIdParams,
  body,
  response: { 200: UPDATE_ANSWERS[name], ...refusals },
});

/**
 * The compilers, and GET /openapi.json and /docs; registered before the routes so every route is collected.
 * `serve`: GET /docs and /openapi.json exist (config.ts: off in production unless GATEWAY_DOCS=on).
 */
export async function registerOpenApi(app: FastifyInstance, serve = true): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'vlens-activation gateway', version: '0.1.0' },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key, or an app client secret on the routes that take one',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  if (!serve) return;
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
