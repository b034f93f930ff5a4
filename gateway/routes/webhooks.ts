// Payment notifications from Kashier, Fawry and Vlens. No API key (providers cannot send one): the
// signature is the authentication. Bodies are taken raw, so the signature is checked over exactly what
// arrived, then parsed strictly (webhooks/providers.ts). Answers follow what providers need: 2xx for
// anything that must not be redelivered (verified duplicates, unknown activations, ignored statuses),
// non-2xx only when a redelivery could help (bad body 400, bad signature 401, Temporal or the dedup
// record down 503, another copy in progress 409, too many deliveries 429).
// Limits (issues 12 and 27): every request's signature is checked first (cheap: the body is at most
// 64 KB). Requests that fail it are counted per source on their own counter, so junk from anyone never
// delays a valid webhook; verified deliveries are counted per source and, because each signal is an event
// in the activation's history, per activation. The source is the client address, or the one a trusted
// load balancer names (GATEWAY_TRUST_PROXY). Each event is claimed in the dedup record in one atomic
// step before it is signalled, so concurrent copies of one event give one signal.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ActivationClient, ActivationEnded, ActivationNotFound } from '../../client';
import { uuidSchema } from '../../contract/request-schemas';
import type { EventDedupStore } from '../dedup/store';
import { GatewayError } from '../http-errors';
import type { WebhookOutcome } from '../metrics';
import { routeSchemas } from '../openapi';
import { createLimit, type Limit } from '../rate-limit';
import { readFawry, readKashier, readVlens, type WebhookProvider, type WebhookVerdict } from '../webhooks/providers';
import { secretsMatch } from '../webhooks/signatures';

export interface WebhookRouteDeps {
  activations: ActivationClient;
  dedup: EventDedupStore;
  kashierWebhookSecret: string;
  fawrySecureKey: string;
  vlensWebhookToken?: string;
  bodyLimit: number;
  /** Deliveries per source address (verified, and not) and per activation, per minute (config.ts RateLimits). */
  limits: { perSource: number; unverifiedPerSource: number; perActivation: number };
  /** Told what became of every delivery (the gateway counts them for /metrics). */
  onOutcome?: (provider: WebhookProvider, outcome: WebhookOutcome) => void;
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

/** Answers one verified webhook and says what became of it. */
async function act(
  verdict: WebhookVerdict,
  deps: WebhookRouteDeps,
  log: FastifyBaseLogger,
  reply: FastifyReply,
  perActivation: () => Promise<void>,
): Promise<WebhookOutcome> {
  if (verdict.kind === 'ignored') {
    log.info({ provider: verdict.provider, reason: verdict.reason }, 'webhook acknowledged and ignored');
    await reply.code(200).send({ received: true, ignored: verdict.reason });
    return 'ignored';
  }
  const { provider, providerEventId, requestId: sentRequestId } = verdict;
  // Providers echo the requestId as our app sent it; lowercased, it names the same workflow as the start.
  const requestId = sentRequestId.toLowerCase();
  const eventId = `${provider}:${providerEventId}`;
  const about = { provider, eventId, requestId };
  const claim = await deps.dedup.claim({ eventId, requestId });
  if (claim === 'duplicate') {
    log.info(about, 'duplicate payment webhook acknowledged; nothing signalled');
    await reply.code(200).send({ received: true, duplicate: true });
    return 'duplicate';
  }
  if (claim === 'in_progress') {
    // Not 2xx: if the copy in progress fails, this redelivery is what brings the event back.
    log.info(about, 'another copy of this payment webhook is being handled; asked to redeliver');
    throw new GatewayError(409, 'delivery_in_progress', 'this event is being handled; redeliver it later', {
      'retry-after': '5',
    });
  }
  try {
    return await signal(verdict, deps, log, reply, perActivation, about);
  } catch (error) {
    // Not signalled: a redelivery must be able to claim it again.
    await deps.dedup.release(eventId).catch(() => undefined);
    throw error;
  }
}

/** Signals the claimed event (after its per-activation limit) and records it as signalled. */
async function signal(
  verdict: Extract<WebhookVerdict, { kind: 'payment' }>,
  deps: WebhookRouteDeps,
  log: FastifyBaseLogger,
  reply: FastifyReply,
  perActivation: () => Promise<void>,
  about: { provider: WebhookProvider; eventId: string; requestId: string },
): Promise<WebhookOutcome> {
  const { provider, providerEventId: _id, requestId: _sent, kind: _kind, ...details } = verdict;
  const { eventId, requestId } = about;
  // Only deliveries that would signal count: redeliveries of a known event cost the activation nothing.
  await perActivation();
  try {
    if (!uuidSchema.safeParse(requestId).success) throw new ActivationNotFound(requestId);
    await deps.activations.paymentCompleted(requestId, { source: provider, eventId, ...details });
  } catch (error) {
    if (error instanceof ActivationNotFound) {
      // Providers retry non-2xx for days; an unknown activation will not appear by waiting.
      log.warn(about, 'verified payment webhook for an unknown activation; acknowledged with 202');
      await deps.dedup.release(eventId);
      await reply.code(202).send({ received: true, unknownActivation: true });
      return 'unknown_activation';
    }
    if (error instanceof ActivationEnded && error.state === 'activated') {
      // Typical for Vlens's CustomerSigned webhook: it follows the activation it reports.
      log.info(about, 'payment webhook for an activation that is already activated');
      await deps.dedup.add({ eventId, requestId });
      await reply.code(200).send({ received: true, alreadyActivated: true });
      return 'activation_ended';
    }
    if (error instanceof ActivationEnded) {
      log.error(about, 'payment webhook for an ended activation: needs a refund or a manual activation');
      await deps.dedup.release(eventId);
      await reply.code(202).send({ received: true, activationEnded: true });
      return 'activation_ended';
    }
    throw error;
  }
  await deps.dedup.add({ eventId, requestId });
  log.info(about, 'payment webhook signalled');
  await reply.code(200).send({ received: true });
  return 'verified';
}

/** What a refused or failed delivery counts as. */
function outcomeOfError(error: unknown): WebhookOutcome {
  if (error instanceof GatewayError && error.code === 'bad_signature') return 'bad_signature';
  if (error instanceof GatewayError && error.code === 'delivery_in_progress') return 'duplicate';
  if (error instanceof GatewayError && error.statusCode < 500) return 'bad_request';
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  // Fastify's own refusals (body too large, bad content length) carry a 4xx statusCode.
  return typeof status === 'number' && status >= 400 && status < 500 ? 'bad_request' : 'error';
}

interface WebhookLimits {
  perSource: Limit;
  unverifiedPerSource: Limit;
  perActivation: Limit;
}

/**
 * Sources count here when Redis is away (they protect this gateway); the per-activation limit guards
 * signals that make the workflow ask Vlens, so it is refused (503, providers redeliver) instead.
 */
function webhookLimits(app: FastifyInstance, limits: WebhookRouteDeps['limits']): WebhookLimits {
  const perSource = (name: string, max: number, what: string) =>
    createLimit(app, {
      name,
      max,
      timeWindowMs: 60_000,
      what,
      keyOf: (request) => request.ip,
      whenSharedStoreFails: 'count-here',
    });
  return {
    perSource: perSource('webhooks-per-source', limits.perSource, 'webhook deliveries from this address'),
    unverifiedPerSource: perSource(
      'unverified-webhooks-per-source',
      limits.unverifiedPerSource,
      'unverified webhook requests from this address',
    ),
    perActivation: createLimit(app, {
      name: 'webhooks-per-activation',
      max: limits.perActivation,
      timeWindowMs: 60_000,
      what: 'webhook deliveries for this activation',
      keyOf: (request) => (request as FastifyRequest & { webhookActivation?: string }).webhookActivation,
    }),
  };
}

type ReadWebhook = (request: FastifyRequest) => WebhookVerdict;

/**
 * The handler of one provider's route: the signature checked (a request that fails it is counted on the
 * unverified counter only), the source's limit, then the delivery answered (act), its outcome told.
 */
function webhookHandler(deps: WebhookRouteDeps, limits: WebhookLimits, provider: WebhookProvider, read: ReadWebhook) {
  const verified = async (request: FastifyRequest) => {
    try {
      return read(request);
    } catch (error) {
      if (error instanceof GatewayError && error.statusCode < 500) await limits.unverifiedPerSource(request);
      throw error;
    }
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    let outcome: WebhookOutcome = 'error';
    try {
      const verdict = await verified(request);
      await limits.perSource(request);
      const limitActivation = async () => {
        if (verdict.kind !== 'payment') return;
        (request as FastifyRequest & { webhookActivation?: string }).webhookActivation =
          verdict.requestId.toLowerCase();
        await limits.perActivation(request);
      };
      outcome = await act(verdict, deps, request.log, reply, limitActivation);
      return reply;
    } catch (error) {
      outcome = outcomeOfError(error);
      throw error;
    } finally {
      deps.onOutcome?.(provider, outcome);
    }
  };
}

// Headers are declared for the document only (openapi.ts validates bodies and queries alone).
const kashierHeaders = z.object({
  'x-kashier-signature': z
    .string()
    .describe("Kashier's signature, made with the webhook secret (webhooks/providers.ts)"),
});
const vlensHeaders = z.object({
  'x-webhook-token': z.string().optional().describe('The shared token, when configured (or query `token`)'),
});

/** The webhooks' plugin: no API key, each provider's signature (or token) is its authentication. */
export function webhookRoutes(deps: WebhookRouteDeps) {
  return async function register(app: FastifyInstance): Promise<void> {
    // Raw bytes for every content type: the signature covers what was sent, not a re-serialisation.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    const limits = webhookLimits(app, deps.limits);
    const options = { bodyLimit: deps.bodyLimit };
    app.post(
      '/v1/webhooks/kashier',
      { ...options, schema: routeSchemas.webhook('Kashier', kashierHeaders) },
      webhookHandler(deps, limits, 'kashier', (request) =>
        readKashier(rawBody(request), request.headers['x-kashier-signature'], deps.kashierWebhookSecret),
      ),
    );
    app.post(
      '/v1/webhooks/fawry',
      { ...options, schema: routeSchemas.webhook('Fawry') },
      webhookHandler(deps, limits, 'fawry', (request) => readFawry(rawBody(request), deps.fawrySecureKey)),
    );
    app.post(
      '/v1/webhooks/vlens',
      { ...options, schema: routeSchemas.webhook('Vlens', vlensHeaders) },
      webhookHandler(deps, limits, 'vlens', (request) => {
        checkVlensToken(request, deps.vlensWebhookToken);
        return readVlens(rawBody(request));
      }),
    );
  };
}
