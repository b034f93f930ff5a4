// Prometheus metrics of the gateway (prom-client), served at GET /metrics on the gateway's own listener:
// requests and their latency by route pattern (never a raw URL, so no requestId ever becomes a label),
// method and status code; webhook outcomes by provider; and the default Node process metrics.
// `GATEWAY_METRICS` decides whether /metrics exists (on, default), is gone (off), or needs an API key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ApiKeyChecker } from './auth';
import { requireApiKey } from './auth';
import type { WebhookProvider } from './webhooks/providers';

/** `on`: open (bound to the gateway's host, like everything else); `api-key`: needs a gateway API key; `off`: no route. */
export type MetricsMode = 'on' | 'off' | 'api-key';
export const METRICS_MODES: readonly MetricsMode[] = ['on', 'off', 'api-key'];

/** What became of a webhook delivery. */
export type WebhookOutcome =
  | 'verified' // signature good, payment signalled to the activation
  | 'duplicate' // a redelivery of an event already signalled: acknowledged, nothing signalled
  | 'unknown_activation' // verified, but no such activation: acknowledged with 202
  | 'activation_ended' // verified, the activation had already ended
  | 'ignored' // verified, but not a successful payment (other events and statuses)
  | 'bad_signature'
  | 'bad_request'
  | 'error'; // Temporal unavailable or unexpected: the provider will redeliver

/** Where no route matched (404s, URLs refused before routing): one label value, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface GatewayMetrics {
  readonly registry: Registry;
  observeRequest(request: FastifyRequest, reply: FastifyReply): void;
  webhook(provider: WebhookProvider, outcome: WebhookOutcome): void;
}

/** A registry per gateway (tests run several in one process; the global registry would refuse duplicates). */
export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'vlens_gateway_http_requests_total',
    help: 'HTTP requests answered by the gateway, by route pattern, method and status code',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vlens_gateway_http_request_duration_seconds',
    help: 'Time from request to response, by route pattern, method and status code',
    labelNames,
    // Reads are milliseconds; updates wait for Vlens inside the workflow (seconds, up to a minute).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'vlens_gateway_webhooks_total',
    help: 'Webhook deliveries by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeRequest(request, reply) {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
    },
    webhook(provider, outcome) {
      webhooks.inc({ provider, outcome });
    },
  };
}

/** Counts every answered request (registered at the root, so it sees every route and every 404). */
export function registerRequestMetrics(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request, reply);
  });
}

/** `GET /metrics` in the Prometheus text format; in `api-key` mode behind the gateway's API keys. */
export function metricsRoutes(metrics: GatewayMetrics, mode: Exclude<MetricsMode, 'off'>, apiKeys: ApiKeyChecker) {
  return async function register(app: FastifyInstance): Promise<void> {
    if (mode === 'api-key') app.addHook('onRequest', requireApiKey(apiKeys));
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(text);
    });
  };
}
