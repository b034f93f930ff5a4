// The backends' routes (an API key of a tenant, docs/design.md §3): start an activation, list the tenant's
// activations, tell one its payment is done, cancel it. The app's steps a backend may send on the app's
// behalf are in apps.ts; the operators' repairs in operators.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ActivationInput } from '../../contract/types';
import { principalOf } from '../auth';
import { GatewayError } from '../http-errors';
import { routeSchemas } from '../openapi';
import { activationUrl } from '../../contract/client-secret';
import { REQUEST_GRANT_HEADER } from '../request-grants';
import { admit, BACKEND, READERS, type Audience, type ZodApp } from './audience';

/** The `Request-Grant` header as sent (one value), or undefined. */
function grantOf(request: FastifyRequest): string | undefined {
  const header = request.headers[REQUEST_GRANT_HEADER];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** POST /v1/activations: the start, answered with the app's client secret (and the page's link). */
async function start(audience: Audience, request: FastifyRequest, reply: FastifyReply, input: ActivationInput) {
  const { deps } = audience;
  const principal = principalOf(request);
  // Before any lookup, so the answer is the same whether or not the requestId exists anywhere.
  if (deps.requestGrants && !deps.requestGrants.verify(grantOf(request), input.requestId, principal.tenant)) {
    throw new GatewayError(
      403,
      'forbidden',
      `this requestId is not granted to your tenant: send its grant in the ${REQUEST_GRANT_HEADER} header`,
    );
  }
  const hasWebhooks = deps.webhookTenants.includes('*') || deps.webhookTenants.includes(principal.tenant);
  const started = await deps.activations.start(input, {
    tenant: principal.tenant,
    ...(deps.serverPolicy ? { serverPolicy: deps.serverPolicy } : {}),
    // The first answer says what the app must do next (OTP sent, or selfies first), not "wait".
    ...(deps.firstStepWaitMs > 0 ? { waitForFirstStep: { timeoutMs: deps.firstStepWaitMs } } : {}),
    ...(hasWebhooks ? { webhooks: true } : {}),
    // Counted only when the start creates a run (each sends an SMS): a start retried while its activation
    // runs (a timeout, a worker restarting) is answered with that activation and costs nothing here.
    beforeCreate: () => audience.limits.starts(request),
  });
  // The app's credential for this one activation (contract/client-secret.ts); never written to history.
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
}

function registerStartAndList(app: ZodApp, audience: Audience): void {
  const { deps, limits } = audience;
  app.post(
    '/v1/activations',
    {
      schema: routeSchemas.start,
      bodyLimit: deps.bodyLimits.small,
      config: { access: BACKEND },
    },
    async (request, reply) => start(audience, request, reply, request.body),
  );
  app.get(
    '/v1/activations',
    { schema: routeSchemas.list, config: { access: READERS }, onRequest: [limits.callerReads] },
    async (request) => {
      const principal = principalOf(request);
      const allTenants = principal.kind === 'api-key' && principal.allTenants;
      return {
        activations: await deps.activations.list({
          ...request.query,
          ...(allTenants ? {} : { tenant: principal.tenant }),
        }),
      };
    },
  );
}

function registerSignals(app: ZodApp, audience: Audience): void {
  const { deps, limits } = audience;
  app.post(
    '/v1/activations/:requestId/payment-completed',
    {
      schema: routeSchemas.paymentCompleted,
      bodyLimit: deps.bodyLimits.small,
      config: { access: BACKEND },
      onRequest: [limits.mutation('payment-completed', 'payment notifications for this activation')],
    },
    async (request, reply) => {
      const { requestId, body } = await admit(audience, request);
      await deps.activations.paymentCompleted(requestId, body);
      return reply.code(202).send({ accepted: true });
    },
  );
  app.post(
    '/v1/activations/:requestId/cancel',
    {
      schema: routeSchemas.cancel,
      bodyLimit: deps.bodyLimits.small,
      config: { access: BACKEND },
      onRequest: [limits.mutation('cancel', 'cancel requests for this activation')],
    },
    async (request, reply) => {
      const { requestId, body } = await admit(audience, request);
      await deps.activations.cancel(requestId, body.reason);
      return reply.code(202).send({ accepted: true });
    },
  );
}

/** The backends' plugin: every route behind an API key (auth.ts). */
export function backendRoutes(audience: Audience) {
  return async function register(app: FastifyInstance): Promise<void> {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.addHook('onRequest', audience.authenticate);
    registerStartAndList(typed, audience);
    registerSignals(typed, audience);
  };
}
