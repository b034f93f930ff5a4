// The app- and backend-facing routes of design §3. Each one validates its body with the shared zod
// schemas (via ActivationClient), calls the client library, and answers with the contract's shapes;
// failures are answered by the error handler (http-errors.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActivationClient, UpdateOptions } from '../../activation-client';
import { InvalidInput } from '../../errors';
import {
  activationInputSchema,
  cancelSchema,
  fieldProblems,
  idempotencyKeySchema,
  listQuerySchema,
  parseInput,
  paymentCompletedBodySchema,
} from '../../schemas';
import type { ApiKeyChecker } from '../auth';
import { requireApiKey } from '../auth';
import type { BodyLimits, RateLimits } from '../config';
import { FixedWindowLimiter, rateLimitHook } from '../rate-limit';

export interface ActivationRouteDeps {
  activations: ActivationClient;
  apiKeys: ApiKeyChecker;
  rateLimits: RateLimits;
  bodyLimits: BodyLimits;
}

type WithRequestId = { Params: { requestId: string } };

const MINUTE_MS = 60_000;

/** `Idempotency-Key` -> the update id suffix, so a retried HTTP call is the same update, not a second attempt. */
function updateOptions(request: FastifyRequest): UpdateOptions {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return {};
  const result = idempotencyKeySchema.safeParse(header);
  if (!result.success) {
    const problems = fieldProblems(result.error).map((p) => ({ ...p, field: 'Idempotency-Key' }));
    throw new InvalidInput('invalid Idempotency-Key header', problems);
  }
  return { idempotencyKey: result.data };
}

export function activationRoutes(deps: ActivationRouteDeps) {
  const { activations, rateLimits, bodyLimits } = deps;
  const small = { bodyLimit: bodyLimits.small };

  const perKey = new FixedWindowLimiter(rateLimits.perApiKey, MINUTE_MS);
  const otpPerActivation = new FixedWindowLimiter(rateLimits.otpPerActivation, MINUTE_MS);
  const resendPerActivation = new FixedWindowLimiter(rateLimits.resendPerActivation, MINUTE_MS);
  const keyLimit = rateLimitHook(perKey, 'OTP requests for this API key', (r) => `${r.apiKeyId}`);
  const activationOf = (r: FastifyRequest) => String((r.params as { requestId?: string }).requestId ?? '').toLowerCase();
  const otpLimit = rateLimitHook(otpPerActivation, 'OTP submissions for this activation', activationOf);
  const resendLimit = rateLimitHook(resendPerActivation, 'resend requests for this activation', activationOf);

  return async function register(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', requireApiKey(deps.apiKeys));

    app.post('/v1/activations', small, async (request, reply) => {
      const input = parseInput(activationInputSchema, request.body, 'activation input');
      const { status, created } = await activations.start(input);
      return reply
        .code(created ? 202 : 200)
        .header('location', `/v1/activations/${input.requestId}`)
        .send(status);
    });

    app.get('/v1/activations', async (request) => {
      const filter = parseInput(listQuerySchema, request.query, 'list filter');
      return { activations: await activations.list(filter) };
    });

    app.get<WithRequestId>('/v1/activations/:requestId', async (request) => activations.status(request.params.requestId));

    app.post<WithRequestId>('/v1/activations/:requestId/otp', { ...small, onRequest: [keyLimit, otpLimit] }, async (request) =>
      activations.submitOtp(request.params.requestId, request.body as never, updateOptions(request)),
    );

    app.post<WithRequestId>('/v1/activations/:requestId/otp/resend', { ...small, onRequest: [keyLimit, resendLimit] }, async (request) => {
      const { status } = await activations.resendOtp(request.params.requestId, request.body as never, updateOptions(request));
      return status;
    });

    app.post<WithRequestId>('/v1/activations/:requestId/liveness', { bodyLimit: bodyLimits.liveness }, async (request) =>
      activations.submitLiveness(request.params.requestId, request.body as never, updateOptions(request)),
    );

    app.post<WithRequestId>('/v1/activations/:requestId/payment-completed', small, async (request, reply) => {
      const payment = parseInput(paymentCompletedBodySchema, request.body, 'payment notification');
      await activations.paymentCompleted(request.params.requestId, payment);
      return reply.code(202).send({ accepted: true });
    });

    app.post<WithRequestId>('/v1/activations/:requestId/cancel', small, async (request, reply) => {
      const { reason } = parseInput(cancelSchema, request.body, 'cancel request');
      await activations.cancel(request.params.requestId, reason);
      return reply.code(202).send({ accepted: true });
    });
  };
}
