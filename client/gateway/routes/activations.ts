// The app-, backend- and operator-facing routes of design §3. Each one validates its body with the
// shared zod schemas, checks who may call it (auth.ts: role or client secret) and that the activation
// belongs to the caller's tenant (access.ts: 404 otherwise), calls the client library, and answers with
// the contract's shapes; failures are answered by the error handler (http-errors.ts).
//
// Who may do what (issue 12):
//   read-only   GET list, GET status
//   backend     + start, cancel, payment-completed, and the app steps on the app's behalf
//   operator    GET list, GET status, the operator repairs under /ops/
//   client secret (an app): OTP, resend, liveness and GET status of its one activation
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ActivationClient, UpdateOptions } from '../../activation-client';
import { InvalidInput } from '../../errors';
import {
  activationInputSchema,
  cancelSchema,
  extendDeadlineSchema,
  fieldProblems,
  idempotencyKeySchema,
  listQuerySchema,
  livenessUploadSchema,
  operatorActionSchema,
  parseInput,
  paymentCompletedBodySchema,
  resendOtpSchema,
  submitOtpSchema,
} from '../../schemas';
import type { ActivationStatus, Policy } from '../../../workflows/types';
import { appView, TenantGuard } from '../access';
import { requireAuth, type ApiKeyChecker, type Principal, type RouteAccess } from '../auth';
import type { ClientSecrets } from '../client-secret';
import type { BodyLimits, RateLimits } from '../config';
import type { EventDedupStore } from '../dedup/store';
import { GatewayError } from '../http-errors';
import { createLimit } from '../rate-limit';
import { longPollOf, streamStatus, WaitingSlots } from '../waiting';

export interface ActivationRouteDeps {
  activations: ActivationClient;
  apiKeys: ApiKeyChecker;
  clientSecrets: ClientSecrets;
  /** The policy requests may only tighten; undefined: requests are taken as they are (development). */
  serverPolicy?: Policy;
  /** Where Idempotency-Key bindings are recorded (the same record as webhook dedup). */
  dedup: EventDedupStore;
  rateLimits: RateLimits;
  bodyLimits: BodyLimits;
  /** Tenants with a webhook endpoint ('*' = all): their activations are started with webhooks on. */
  webhookTenants: readonly string[];
  /** How long a start waits for the first Vlens step (0: answer at once). */
  firstStepWaitMs: number;
  maxWaitingPerCaller: number;
}

type WithRequestId = { Params: { requestId: string } };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const READERS: RouteAccess = { roles: ['backend', 'operator', 'read-only'] };
const READERS_AND_APP: RouteAccess = { ...READERS, clientSecret: true };
const STREAM_READERS: RouteAccess = { ...READERS_AND_APP, queryToken: true };
const BACKEND: RouteAccess = { roles: ['backend'] };
const BACKEND_AND_APP: RouteAccess = { roles: ['backend'], clientSecret: true };
const OPERATOR: RouteAccess = { roles: ['operator'] };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new GatewayError(401, 'unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
  return request.principal;
}

/** JSON with sorted keys: the same body hashes the same whatever order its fields were sent in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

/**
 * What makes two requests "the same request" for an Idempotency-Key: the body without the context every
 * app message carries (`device`: a fresh clock reading and position on each try; `accessToken`: renewed
 * by the app at any time). A retry that rebuilds its context is still the same OTP code, the same images;
 * a different code or image under the same key is a different request.
 */
function intentOf(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { device: _device, accessToken: _accessToken, ...intent } = body as Record<string, unknown>;
  return intent;
}

export function activationRoutes(deps: ActivationRouteDeps) {
  const { activations, rateLimits, bodyLimits, dedup } = deps;
  const tenants = new TenantGuard(activations);
  const waiting = new WaitingSlots(deps.maxWaitingPerCaller);
  const hasWebhooks = (tenant: string) => deps.webhookTenants.includes('*') || deps.webhookTenants.includes(tenant);

  /**
   * `Idempotency-Key` -> the update id, bound to (caller, route, activation) and to the body's hash: a
   * retried HTTP call with the same body is the same update (the first answer), a reuse of the key with
   * another body is 422 idempotency_key_reused instead of silently answering the first body's result,
   * and two callers choosing the same key never share an answer. Called after the body was validated
   * and the tenant checked, so a refused request binds nothing.
   */
  async function updateOptions(request: FastifyRequest, route: string, requestId: string): Promise<UpdateOptions> {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return {};
    const result = idempotencyKeySchema.safeParse(header);
    if (!result.success) {
      const problems = fieldProblems(result.error).map((p) => ({ ...p, field: 'Idempotency-Key' }));
      throw new InvalidInput('invalid Idempotency-Key header', problems);
    }
    const principal = principalOf(request);
    const scope = `${principal.id}|${principal.tenant}|${route}|${requestId}|${result.data}`;
    const claim = await dedup.claimIdempotencyKey(sha256(scope), sha256(canonicalJson(intentOf(request.body ?? null))));
    if (claim === 'different') {
      throw new GatewayError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; send a new key for a new request',
      );
    }
    return { idempotencyKey: result.data, idempotencyScope: scope };
  }

  /** Validates the body (422 before anything else), then checks the tenant (404). */
  async function admit<S extends z.ZodType>(
    request: FastifyRequest<WithRequestId>,
    schema: S,
    what: string,
  ): Promise<{ requestId: string; body: z.output<S> }> {
    const body = parseInput(schema, request.body, what);
    const requestId = await tenants.check(principalOf(request), request.params.requestId);
    return { requestId, body };
  }

  const forApp = <T extends { status: Parameters<typeof appView>[0] }>(request: FastifyRequest, result: T) =>
    principalOf(request).kind === 'client-secret' ? { ...result, status: appView(result.status) } : result;

  return async function register(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', requireAuth(deps.apiKeys, deps.clientSecrets));

    // Limits are keyed by the caller's tenant and the activation, so one tenant never uses up another's.
    const activationKey = (r: FastifyRequest) =>
      `${r.principal?.tenant ?? '-'}:${String((r.params as { requestId?: string }).requestId ?? '').toLowerCase()}`;
    const perMinute = (max: number, what: string, keyOf: (r: FastifyRequest) => string | undefined = activationKey) => createLimit(app, { max, timeWindowMs: MINUTE_MS, what, keyOf });
    const keyLimit = perMinute(rateLimits.perApiKey, 'OTP requests for this API key', (r) => r.principal?.id);
    const otpLimit = perMinute(rateLimits.otpPerActivation, 'OTP submissions for this activation');
    const resendLimit = perMinute(rateLimits.resendPerActivation, 'resend requests for this activation');
    const mutationLimit = (what: string) => perMinute(rateLimits.mutationsPerActivation, what);
    // Starts are keyed by the requestId in the body (a preHandler: the body is parsed by then). Each new
    // run sends an SMS, so a start -> cancel -> start loop is bounded here.
    const startLimit = createLimit(app, {
      max: rateLimits.startsPerActivationPerHour,
      timeWindowMs: HOUR_MS,
      what: 'starts of this activation',
      keyOf: (r) => {
        const requestId = (r.body as { requestId?: unknown } | undefined)?.requestId;
        return typeof requestId === 'string' ? `${r.principal?.tenant ?? '-'}:${requestId.toLowerCase()}` : undefined;
      },
    });

    app.post('/v1/activations', { bodyLimit: bodyLimits.small, config: { access: BACKEND }, preHandler: [startLimit] }, async (request, reply) => {
      const principal = principalOf(request);
      const input = parseInput(activationInputSchema, request.body, 'activation input');
      const started = await activations.start(input, {
        tenant: principal.tenant,
        ...(deps.serverPolicy ? { serverPolicy: deps.serverPolicy } : {}),
        // The first answer says what the app must do next (OTP sent, or selfies first), not "wait".
        ...(deps.firstStepWaitMs > 0 ? { waitForFirstStep: { timeoutMs: deps.firstStepWaitMs } } : {}),
        ...(hasWebhooks(principal.tenant) ? { webhooks: true } : {}),
      });
      // The app's credential for this one activation (client-secret.ts); never written to history.
      const { clientSecret, expiresAt } = deps.clientSecrets.issue(input.requestId, started.tenant, started.maxLifeMs);
      return reply
        .code(started.created ? 202 : 200)
        .header('location', `/v1/activations/${input.requestId}`)
        .header('cache-control', 'no-store')
        .send({ ...started.status, clientSecret, clientSecretExpiresAt: expiresAt });
    });

    app.get('/v1/activations', { config: { access: READERS } }, async (request) => {
      const principal = principalOf(request);
      const filter = parseInput(listQuerySchema, request.query, 'list filter');
      const allTenants = principal.kind === 'api-key' && principal.allTenants;
      return { activations: await activations.list({ ...filter, ...(allTenants ? {} : { tenant: principal.tenant }) }) };
    });

    const viewFor = (request: FastifyRequest) => (status: ActivationStatus) =>
      principalOf(request).kind === 'client-secret' ? appView(status) : status;

    app.get<WithRequestId>('/v1/activations/:requestId', { config: { access: READERS_AND_APP } }, async (request) => {
      const longPoll = longPollOf(request.query);
      const requestId = await tenants.check(principalOf(request), request.params.requestId);
      if (!longPoll) return viewFor(request)(await activations.status(requestId));
      const release = waiting.take(principalOf(request).id);
      try {
        return viewFor(request)(await activations.waitForChange(requestId, longPoll));
      } finally {
        release();
      }
    });

    app.get<WithRequestId>('/v1/activations/:requestId/events', { config: { access: STREAM_READERS } }, async (request, reply) => {
      const requestId = await tenants.check(principalOf(request), request.params.requestId);
      const release = waiting.take(principalOf(request).id);
      await streamStatus(request, reply, activations, requestId, viewFor(request), release);
    });

    const appStep = { bodyLimit: bodyLimits.small, config: { access: BACKEND_AND_APP } };

    app.post<WithRequestId>('/v1/activations/:requestId/otp', { ...appStep, onRequest: [keyLimit, otpLimit] }, async (request) => {
      const { requestId, body } = await admit(request, submitOtpSchema, 'OTP submission');
      return forApp(request, await activations.submitOtp(requestId, body, await updateOptions(request, 'otp', requestId)));
    });

    app.post<WithRequestId>('/v1/activations/:requestId/otp/resend', { ...appStep, onRequest: [keyLimit, resendLimit] }, async (request) => {
      const { requestId, body } = await admit(request, resendOtpSchema, 'resend request');
      const { status } = forApp(request, await activations.resendOtp(requestId, body, await updateOptions(request, 'resend', requestId)));
      return status;
    });

    app.post<WithRequestId>(
      '/v1/activations/:requestId/liveness',
      { bodyLimit: bodyLimits.liveness, config: { access: BACKEND_AND_APP }, onRequest: [mutationLimit('liveness submissions for this activation')] },
      async (request) => {
        // Tenant first, then the client library checks the activation's state before storing an image.
        const { requestId, body } = await admit(request, livenessUploadSchema, 'liveness submission');
        return forApp(request, await activations.submitLiveness(requestId, body, await updateOptions(request, 'liveness', requestId)));
      },
    );

    app.post<WithRequestId>(
      '/v1/activations/:requestId/payment-completed',
      { bodyLimit: bodyLimits.small, config: { access: BACKEND }, onRequest: [mutationLimit('payment notifications for this activation')] },
      async (request, reply) => {
        const { requestId, body } = await admit(request, paymentCompletedBodySchema, 'payment notification');
        await activations.paymentCompleted(requestId, body);
        return reply.code(202).send({ accepted: true });
      },
    );

    app.post<WithRequestId>(
      '/v1/activations/:requestId/cancel',
      { bodyLimit: bodyLimits.small, config: { access: BACKEND }, onRequest: [mutationLimit('cancel requests for this activation')] },
      async (request, reply) => {
        const { requestId, body } = await admit(request, cancelSchema, 'cancel request');
        await activations.cancel(requestId, body.reason);
        return reply.code(202).send({ accepted: true });
      },
    );

    // ---- operator repairs (the CLI's `ops` commands over HTTP): who and why go to status.events ----
    const ops = (path: string, what: string) => ({
      path: `/v1/activations/:requestId/ops/${path}`,
      options: { bodyLimit: bodyLimits.small, config: { access: OPERATOR }, onRequest: [mutationLimit(what)] },
    });
    const extend = ops('extend-deadline', 'deadline extensions for this activation');
    app.post<WithRequestId>(extend.path, extend.options, async (request) => {
      const { requestId, body } = await admit(request, extendDeadlineSchema, 'deadline extension');
      return activations.extendDeadline(requestId, body, await updateOptions(request, 'ops-extend', requestId));
    });
    const newOtp = ops('new-otp', 'forced OTPs for this activation');
    app.post<WithRequestId>(newOtp.path, newOtp.options, async (request) => {
      const { requestId, body } = await admit(request, operatorActionSchema, 'operator action');
      return activations.forceNewOtp(requestId, body, await updateOptions(request, 'ops-new-otp', requestId));
    });
    const verify = ops('verify-payment', 'payment checks for this activation');
    app.post<WithRequestId>(verify.path, verify.options, async (request) => {
      const { requestId, body } = await admit(request, operatorActionSchema, 'operator action');
      return activations.verifyPayment(requestId, body, await updateOptions(request, 'ops-verify', requestId));
    });
    const retry = ops('retry-step', 'step retries for this activation');
    app.post<WithRequestId>(retry.path, retry.options, async (request) => {
      const { requestId, body } = await admit(request, operatorActionSchema, 'operator action');
      return activations.retryStep(requestId, body, await updateOptions(request, 'ops-retry-step', requestId));
    });
    const cancel = ops('cancel', 'operator cancels for this activation');
    app.post<WithRequestId>(cancel.path, cancel.options, async (request) => {
      const { requestId, body } = await admit(request, operatorActionSchema, 'operator action');
      return activations.operatorCancel(requestId, body, await updateOptions(request, 'ops-cancel', requestId));
    });
  };
}
