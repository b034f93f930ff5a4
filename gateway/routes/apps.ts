// The apps' routes: what the app's client secret may call for its one activation (the OTP, a resend, the
// liveness images, its status and its event stream), each also open to a backend acting on the app's
// behalf, and the status to readers. An app sees its status without the audit trail (access.ts, appView).
// The three steps are updates of client/update-table.ts, handled by update-route.ts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { UPDATES, type UpdateName } from '../../client';
import { livenessUploadSchema } from '../../contract/request-schemas';
import { principalOf } from '../auth';
import { routeSchemas, updateRouteSchema } from '../openapi';
import type { Limit } from '../rate-limit';
import { longPollOf, streamStatus } from '../waiting';
import { BACKEND_AND_APP, READERS_AND_APP, viewFor, type Audience, type ZodApp } from './audience';
import { updateHandler } from './update-route';

function registerReads(app: ZodApp, audience: Audience): void {
  const { deps, limits, tenants } = audience;
  app.get(
    '/v1/activations/:requestId',
    {
      schema: routeSchemas.status,
      config: { access: READERS_AND_APP },
      onRequest: [limits.callerReads, limits.reads],
    },
    async (request) => {
      const longPoll = longPollOf(request.query);
      const requestId = await tenants.check(principalOf(request), request.params.requestId);
      if (!longPoll) return viewFor(request)(await deps.activations.status(requestId));
      const slot = await deps.waitingSlots.take(principalOf(request).id);
      try {
        return viewFor(request)(await deps.watchers.next(requestId, longPoll.afterVersion, longPoll.timeoutMs));
      } finally {
        // Also when the caller went away meanwhile: the slot is held until its wait has ended.
        slot.release();
      }
    },
  );
  app.get(
    '/v1/activations/:requestId/events',
    {
      schema: routeSchemas.events,
      config: { access: READERS_AND_APP },
      onRequest: [limits.callerReads, limits.reads],
    },
    async (request, reply) => {
      const requestId = await tenants.check(principalOf(request), request.params.requestId);
      const slot = await deps.waitingSlots.take(principalOf(request).id);
      await streamStatus(request, reply, deps.activations, deps.watchers, requestId, viewFor(request), slot);
    },
  );
}

function registerSteps(app: FastifyInstance, audience: Audience): void {
  const { deps, limits } = audience;
  const step = (name: UpdateName, onRequest: Limit[], options: { bodyLimit?: number; body?: unknown } = {}) =>
    app.post(
      `/v1/activations/:requestId/${UPDATES[name].path}`,
      {
        schema: updateRouteSchema(name, options.body),
        bodyLimit: options.bodyLimit ?? deps.bodyLimits.small,
        config: { access: BACKEND_AND_APP },
        onRequest,
      },
      updateHandler(audience, name),
    );
  step('submitOtp', [limits.perKey, limits.otp]);
  step('resendOtp', [limits.perKey, limits.resend]);
  // The body takes images inline or as references (the client library stores them before the update).
  step('submitLiveness', [limits.mutation('liveness', `${UPDATES.submitLiveness.counted} for this activation`)], {
    bodyLimit: deps.bodyLimits.liveness,
    body: livenessUploadSchema,
  });
}

/** The apps' plugin: a client secret, or an API key of the roles each route names (auth.ts). */
export function appRoutes(audience: Audience) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', audience.authenticate);
    registerReads(app.withTypeProvider<ZodTypeProvider>(), audience);
    registerSteps(app, audience);
  };
}
