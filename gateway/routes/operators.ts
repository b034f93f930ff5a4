// The operators' routes (an operator key; the CLI's `ops` commands over HTTP): one route per operator action
// of client/update-table.ts, generated from its entry. Who and why go to status.events.
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ACTIONS, UPDATES } from '../../client';
import { updateRouteSchema } from '../openapi';
import { OPERATOR, type Audience } from './audience';
import { updateHandler } from './update-route';

/** The operators' plugin: every route behind an operator key (auth.ts). */
export function operatorRoutes(audience: Audience) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', audience.authenticate);
    for (const name of OPERATOR_ACTIONS) {
      const { path, counted } = UPDATES[name];
      app.post(
        `/v1/activations/:requestId/${path}`,
        {
          schema: updateRouteSchema(name),
          bodyLimit: audience.deps.bodyLimits.small,
          config: { access: OPERATOR },
          // `ops/new-otp` counts on `ops-new-otp`: the names the limits have always had.
          onRequest: [audience.limits.mutation(path.replaceAll('/', '-'), `${counted} for this activation`)],
        },
        updateHandler(audience, name),
      );
    }
  };
}
