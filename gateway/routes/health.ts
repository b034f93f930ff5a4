// `/healthz` for load balancers and the local stack: 200 only when Temporal answers, because a gateway
// that cannot reach Temporal cannot do anything useful.
import type { FastifyInstance } from 'fastify';
import type { ActivationClient } from '../../client';
import { routeSchemas } from '../openapi';

export function healthRoutes(activations: ActivationClient) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/healthz', { schema: routeSchemas.health }, async (_request, reply) => {
      if (await activations.ping()) return reply.code(200).send({ status: 'ok', temporal: 'reachable' });
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: { code: 'temporal_unavailable', message: 'Temporal is not reachable' } });
    });
  };
}
