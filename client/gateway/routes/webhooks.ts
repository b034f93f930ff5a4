// Payment notifications from Kashier, Fawry and Vlens. No API key (providers cannot send one): the
// signature is the authentication. Bodies are taken raw, so the signature is checked over exactly what
// arrived, then parsed strictly (webhooks/providers.ts). Answers follow what providers need: 2xx for
// anything that must not be redelivered (verified duplicates, unknown activations, ignored statuses),
// non-2xx only when a redelivery could help (bad body 400, bad signature 401, Temporal down 503).
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActivationClient } from '../../activation-client';
import { ActivationEnded, ActivationNotFound } from '../../errors';
import { uuidSchema } from '../../schemas';
import type { EventDedupStore } from '../dedup/store';
import { GatewayError } from '../http-errors';
import { readFawry, readKashier, readVlens, type WebhookVerdict } from '../webhooks/providers';
import { secretsMatch } from '../webhooks/signatures';

export interface WebhookRouteDeps {
  activations: ActivationClient;
  dedup: EventDedupStore;
  kashierWebhookSecret: string;
  fawrySecureKey: string;
  vlensWebhookToken?: string;
  bodyLimit: number;
}

/** The optional shared token of the Vlens webhook (query `token` or header `x-webhook-token`). */
function checkVlensToken(request: FastifyRequest, expected: string | undefined): void {
  if (expected === undefined) return;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  const header = request.headers['x-webhook-token'];
  const given = typeof query === 'string' ? query : typeof header === 'string' ? header : '';
  if (!secretsMatch(expected, given)) throw new GatewayError(401, 'bad_signature', 'missing or wrong webhook token');
}

function rawBody(request: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
    throw new GatewayError(400, 'bad_request', 'the body is empty; send the provider JSON');
  }
  return request.body;
}

async function act(verdict: WebhookVerdict, deps: WebhookRouteDeps, log: FastifyBaseLogger, reply: FastifyReply) {
  if (verdict.kind === 'ignored') {
    log.info({ provider: verdict.provider, reason: verdict.reason }, 'webhook acknowledged and ignored');
    return reply.code(200).send({ received: true, ignored: verdict.reason });
  }
  const { provider, providerEventId, requestId, kind: _kind, ...details } = verdict;
  const eventId = `${provider}:${providerEventId}`;
  const about = { provider, eventId, requestId };
  if (await deps.dedup.has(eventId)) {
    log.info(about, 'duplicate payment webhook acknowledged; nothing signalled');
    return reply.code(200).send({ received: true, duplicate: true });
  }
  try {
    if (!uuidSchema.safeParse(requestId).success) throw new ActivationNotFound(requestId);
    await deps.activations.paymentCompleted(requestId, { source: provider, eventId, ...details });
  } catch (error) {
    if (error instanceof ActivationNotFound) {
      // Providers retry non-2xx for days; an unknown activation will not appear by waiting.
      log.warn(about, 'verified payment webhook for an unknown activation; acknowledged with 202');
      return reply.code(202).send({ received: true, unknownActivation: true });
    }
    if (error instanceof ActivationEnded && error.state === 'activated') {
      // Typical for Vlens's CustomerSigned webhook: it follows the activation it reports.
      log.info(about, 'payment webhook for an activation that is already activated');
      await deps.dedup.add({ eventId, requestId });
      return reply.code(200).send({ received: true, alreadyActivated: true });
    }
    if (error instanceof ActivationEnded) {
      log.error(about, 'payment webhook for an ended activation: needs a refund or a manual activation');
      return reply.code(202).send({ received: true, activationEnded: true });
    }
    throw error;
  }
  await deps.dedup.add({ eventId, requestId });
  log.info(about, 'payment webhook signalled');
  return reply.code(200).send({ received: true });
}

export function webhookRoutes(deps: WebhookRouteDeps) {
  return async function register(app: FastifyInstance): Promise<void> {
    // Raw bytes for every content type: the signature covers what was sent, not a re-serialisation.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_request, body, done) => done(null, body));
    const options = { bodyLimit: deps.bodyLimit };

    app.post('/v1/webhooks/kashier', options, async (request, reply) =>
      act(readKashier(rawBody(request), request.headers['x-kashier-signature'], deps.kashierWebhookSecret), deps, request.log, reply),
    );
    app.post('/v1/webhooks/fawry', options, async (request, reply) =>
      act(readFawry(rawBody(request), deps.fawrySecureKey), deps, request.log, reply),
    );
    app.post('/v1/webhooks/vlens', options, async (request, reply) => {
      checkVlensToken(request, deps.vlensWebhookToken);
      return act(readVlens(rawBody(request)), deps, request.log, reply);
    });
  };
}
