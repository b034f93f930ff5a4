// The app-, backend- and operator-facing routes of docs/design.md §3. Each one declares its body with the
// shared zod schemas (validated before the handler runs and described in /openapi.json, see openapi.ts),
// checks who may call it (auth.ts: role or client secret) and that the activation belongs to the caller's
// tenant (access.ts: 404 otherwise), calls the client library, and answers with the contract's shapes;
// failures are answered by the error handler (http-errors.ts).
//
// Who may do what (issue 12):
//   read-only   GET list, GET status
//   backend     + start, cancel, payment-completed, and the app steps on the app's behalf
//   operator    GET list, GET status, the operator repairs under /ops/
//   client secret (an app): OTP, resend, liveness and GET status of its one activation
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ActivationClient, UpdateOptions } from '../../client/activation-client';
import { InvalidInput } from '../../client/errors';
import { fieldProblems, idempotencyKeySchema } from '../../client/schemas';
import type { ActivationStatus, Policy } from '../../workflows/types';
import { appView, TenantGuard } from '../access';
import { requireAuth, type ApiKeyChecker, type Principal, type RouteAccess } from '../auth';
import type { ClientSecrets } from '../client-secret';
import type { BodyLimits, RateLimits } from '../config';
import type { EventDedupStore } from '../dedup/store';
import { GatewayError } from '../http-errors';
import { receivedBody, routeSchemas } from '../openapi';
import { activationUrl } from '../page/link';
import type { ChangeWatchers } from '../change-watchers';
import { createLimit, type LimitSpec } from '../rate-limit';
import { REQUEST_GRANT_HEADER, type RequestGrants } from '../request-grants';
import { longPollOf, streamStatus } from '../waiting';
import type { WaitingSlots } from '../waiting-slots';

export interface ActivationRouteDeps {
  activations: ActivationClient;
  apiKeys: ApiKeyChecker;
  clientSecrets: ClientSecrets;
  /** When set, a start must carry the grant of its requestId to the caller's tenant (request-grants.ts). */
  requestGrants?: RequestGrants;
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
  /** Long polls and streams open at once per caller (waiting-slots.ts). */
  waitingSlots: WaitingSlots;
  /** The one shared wait per activation that answers every long poll and stream (change-watchers.ts). */
  watchers: ChangeWatchers;
  /** Where the hosted activation page is reached (page/routes.ts); a start then answers `activationUrl`. */
  activationPageBaseUrl?: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const READERS: RouteAccess = { roles: ['backend', 'operator', 'read-only'] };
const READERS_AND_APP: RouteAccess = { ...READERS, clientSecret: true };
const STREAM_READERS: RouteAccess = { ...READERS_AND_APP, queryToken: true };
const BACKEND: RouteAccess = { roles: ['backend'] };
const BACKEND_AND_APP: RouteAccess = { roles: ['backend'], clientSecret: true };
const OPERATOR: RouteAccess = { roles: ['operator'] };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new GatewayError(401, 'unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
  return request.principal;
}

/** The `Request-Grant` header as sent (one value), or undefined. */
function grantOf(request: FastifyRequest): string | undefined {
  const header = request.headers[REQUEST_GRANT_HEADER];
  return typeof header === 'string' ? header.trim() : undefined;
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
  const { waitingSlots, watchers } = deps;
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
    // Hashed as it arrived, not as parsed, so a key bound before the schemas were declared still matches.
    const body = receivedBody(request.body) ?? null;
    const claim = await dedup.claimIdempotencyKey(sha256(scope), sha256(canonicalJson(intentOf(body))));
    if (claim === 'different') {
      throw new GatewayError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; send a new key for a new request',
      );
    }
    return { idempotencyKey: result.data, idempotencyScope: scope };
  }

  /** The body was validated by its route schema (422 before anything else); then the tenant (404). */
  async function admit<B>(
    request: FastifyRequest & { body: B; params: { requestId: string } },
  ): Promise<{ requestId: string; body: B }> {
    const requestId = await tenants.check(principalOf(request), request.params.requestId);
    return { requestId, body: request.body };
  }

  const forApp = <T extends { status: Parameters<typeof appView>[0] }>(request: FastifyRequest, result: T) =>
    principalOf(request).kind === 'client-secret' ? { ...result, status: appView(result.status) } : result;

  return async function register(untyped: FastifyInstance): Promise<void> {
    const app = untyped.withTypeProvider<ZodTypeProvider>();
    app.addHook('onRequest', requireAuth(deps.apiKeys, deps.clientSecrets));

    // Limits are keyed by the caller's tenant and the activation, so one tenant never uses up another's.
    const activationKey = (r: FastifyRequest) =>
      `${r.principal?.tenant ?? '-'}:${String((r.params as { requestId?: string }).requestId ?? '').toLowerCase()}`;
    const callerKey = (r: FastifyRequest) => r.principal?.id;
    const perMinute = (
      name: string,
      max: number,
      what: string,
      keyOf: (r: FastifyRequest) => string | undefined = activationKey,
      whenSharedStoreFails: LimitSpec['whenSharedStoreFails'] = 'refuse',
    ) => createLimit(app, { name, max, timeWindowMs: MINUTE_MS, what, keyOf, whenSharedStoreFails });
    const keyLimit = perMinute('otp-per-key', rateLimits.perApiKey, 'OTP requests for this API key', callerKey);
    const otpLimit = perMinute('otp', rateLimits.otpPerActivation, 'OTP submissions for this activation');
    const resendLimit = perMinute('resend', rateLimits.resendPerActivation, 'resend requests for this activation');
    const mutationLimit = (name: string, what: string) => perMinute(name, rateLimits.mutationsPerActivation, what);
    // Reads (issue 27): per caller and activation, and per caller overall. They protect this gateway and
    // Temporal's query load, not an SMS, so a Redis outage counts them here instead of refusing them.
    const readLimit = perMinute(
      'reads',
      rateLimits.readsPerActivation,
      'reads of this activation',
      (r) => `${r.principal?.id ?? '-'}|${activationKey(r)}`,
      'count-here',
    );
    const callerReadLimit = perMinute(
      'reads-per-caller',
      rateLimits.readsPerCaller,
      'reads by this caller',
      callerKey,
      'count-here',
    );
    // Starts are keyed by the requestId in the body (preValidation: the body is parsed by then, and the limit
    // still counts before the body is validated, as when validation ran in the handler). Each new run sends
    // an SMS, so a start -> cancel -> start loop is bounded here.
    const startLimit = createLimit(app, {
      name: 'starts',
      max: rateLimits.startsPerActivationPerHour,
      timeWindowMs: HOUR_MS,
      what: 'starts of this activation',
      keyOf: (r) => {
        const requestId = (r.body as { requestId?: unknown } | undefined)?.requestId;
        return typeof requestId === 'string' ? `${r.principal?.tenant ?? '-'}:${requestId.toLowerCase()}` : undefined;
      },
    });

    const startOptions = {
      schema: routeSchemas.start,
      bodyLimit: bodyLimits.small,
      config: { access: BACKEND },
      preValidation: [startLimit],
    };
    app.post('/v1/activations', startOptions, async (request, reply) => {
      const principal = principalOf(request);
      const input = request.body;
      // Before any lookup, so the answer is the same whether or not the requestId exists anywhere.
      if (deps.requestGrants && !deps.requestGrants.verify(grantOf(request), input.requestId, principal.tenant)) {
        throw new GatewayError(
          403,
          'forbidden',
          `this requestId is not granted to your tenant: send its grant in the ${REQUEST_GRANT_HEADER} header`,
        );
      }
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
        .send({
          ...started.status,
          clientSecret,
          clientSecretExpiresAt: expiresAt,
          ...(deps.activationPageBaseUrl
            ? { activationUrl: activationUrl(deps.activationPageBaseUrl, input.requestId, clientSecret) }
            : {}),
        });
    });

    app.get(
      '/v1/activations',
      { schema: routeSchemas.list, config: { access: READERS }, onRequest: [callerReadLimit] },
      async (request) => {
        const principal = principalOf(request);
        const filter = request.query;
        const allTenants = principal.kind === 'api-key' && principal.allTenants;
        return {
          activations: await activations.list({ ...filter, ...(allTenants ? {} : { tenant: principal.tenant }) }),
        };
      },
    );

    const viewFor = (request: FastifyRequest) => (status: ActivationStatus) =>
      principalOf(request).kind === 'client-secret' ? appView(status) : status;

    app.get(
      '/v1/activations/:requestId',
      { schema: routeSchemas.status, config: { access: READERS_AND_APP }, onRequest: [callerReadLimit, readLimit] },
      async (request) => {
        const longPoll = longPollOf(request.query);
        const requestId = await tenants.check(principalOf(request), request.params.requestId);
        if (!longPoll) return viewFor(request)(await activations.status(requestId));
        const slot = await waitingSlots.take(principalOf(request).id);
        try {
          return viewFor(request)(await watchers.next(requestId, longPoll.afterVersion, longPoll.timeoutMs));
        } finally {
          // Also when the caller went away meanwhile: the slot is held until its wait has ended.
          slot.release();
        }
      },
    );

    app.get(
      '/v1/activations/:requestId/events',
      { schema: routeSchemas.events, config: { access: STREAM_READERS }, onRequest: [callerReadLimit, readLimit] },
      async (request, reply) => {
        const requestId = await tenants.check(principalOf(request), request.params.requestId);
        const slot = await waitingSlots.take(principalOf(request).id);
        await streamStatus(request, reply, activations, watchers, requestId, viewFor(request), slot);
      },
    );

    const appStep = { bodyLimit: bodyLimits.small, config: { access: BACKEND_AND_APP } };

    app.post(
      '/v1/activations/:requestId/otp',
      { schema: routeSchemas.otp, ...appStep, onRequest: [keyLimit, otpLimit] },
      async (request) => {
        const { requestId, body } = await admit(request);
        return forApp(
          request,
          await activations.submitOtp(requestId, body, await updateOptions(request, 'otp', requestId)),
        );
      },
    );

    app.post(
      '/v1/activations/:requestId/otp/resend',
      { schema: routeSchemas.resend, ...appStep, onRequest: [keyLimit, resendLimit] },
      async (request) => {
        const { requestId, body } = await admit(request);
        const { status } = forApp(
          request,
          await activations.resendOtp(requestId, body, await updateOptions(request, 'resend', requestId)),
        );
        return status;
      },
    );

    app.post(
      '/v1/activations/:requestId/liveness',
      {
        schema: routeSchemas.liveness,
        bodyLimit: bodyLimits.liveness,
        config: { access: BACKEND_AND_APP },
        onRequest: [mutationLimit('liveness', 'liveness submissions for this activation')],
      },
      async (request) => {
        // Tenant first, then the client library checks the activation's state before storing an image.
        const { requestId, body } = await admit(request);
        return forApp(
          request,
          await activations.submitLiveness(requestId, body, await updateOptions(request, 'liveness', requestId)),
        );
      },
    );

    app.post(
      '/v1/activations/:requestId/payment-completed',
      {
        schema: routeSchemas.paymentCompleted,
        bodyLimit: bodyLimits.small,
        config: { access: BACKEND },
        onRequest: [mutationLimit('payment-completed', 'payment notifications for this activation')],
      },
      async (request, reply) => {
        const { requestId, body } = await admit(request);
        await activations.paymentCompleted(requestId, body);
        return reply.code(202).send({ accepted: true });
      },
    );

    app.post(
      '/v1/activations/:requestId/cancel',
      {
        schema: routeSchemas.cancel,
        bodyLimit: bodyLimits.small,
        config: { access: BACKEND },
        onRequest: [mutationLimit('cancel', 'cancel requests for this activation')],
      },
      async (request, reply) => {
        const { requestId, body } = await admit(request);
        await activations.cancel(requestId, body.reason);
        return reply.code(202).send({ accepted: true });
      },
    );

    // ---- operator repairs (the CLI's `ops` commands over HTTP): who and why go to status.events ----
    const ops = (path: string, what: string) => ({
      path: `/v1/activations/:requestId/ops/${path}`,
      options: {
        bodyLimit: bodyLimits.small,
        config: { access: OPERATOR },
        onRequest: [mutationLimit(`ops-${path}`, what)],
      },
    });
    const extend = ops('extend-deadline', 'deadline extensions for this activation');
    app.post(extend.path, { ...extend.options, schema: routeSchemas.extendDeadline }, async (request) => {
      const { requestId, body } = await admit(request);
      return activations.extendDeadline(requestId, body, await updateOptions(request, 'ops-extend', requestId));
    });
    const newOtp = ops('new-otp', 'forced OTPs for this activation');
    app.post(
      newOtp.path,
      { ...newOtp.options, schema: routeSchemas.operatorAction('Operator: send a new OTP') },
      async (request) => {
        const { requestId, body } = await admit(request);
        return activations.forceNewOtp(requestId, body, await updateOptions(request, 'ops-new-otp', requestId));
      },
    );
    const verify = ops('verify-payment', 'payment checks for this activation');
    app.post(verify.path, { ...verify.options, schema: routeSchemas.verifyPayment }, async (request) => {
      const { requestId, body } = await admit(request);
      return activations.verifyPayment(requestId, body, await updateOptions(request, 'ops-verify', requestId));
    });
    const retry = ops('retry-step', 'step retries for this activation');
    app.post(
      retry.path,
      { ...retry.options, schema: routeSchemas.operatorAction('Operator: retry the held step') },
      async (request) => {
        const { requestId, body } = await admit(request);
        return activations.retryStep(requestId, body, await updateOptions(request, 'ops-retry-step', requestId));
      },
    );
    const cancel = ops('cancel', 'operator cancels for this activation');
    app.post(
      cancel.path,
      { ...cancel.options, schema: routeSchemas.operatorAction('Operator: cancel the activation') },
      async (request) => {
        const { requestId, body } = await admit(request);
        return activations.operatorCancel(requestId, body, await updateOptions(request, 'ops-cancel', requestId));
      },
    );
  };
}
