// Assembles the HTTP gateway (docs/design.md §3): logging with secrets redacted and a request id on every
// line (fastify-options.ts), one error handler, one plugin per audience (routes/apps.ts, backends.ts,
// operators.ts, and webhooks.ts with its raw-body parser), /healthz, GET /openapi.json and /docs
// (openapi.ts), Prometheus /metrics (metrics.ts), and a span per request while tracing (tracing.ts).
// `startGateway` is what main.ts and the tests call.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { activeTracing } from '../telemetry/state';
import { DEFAULT_POLICY, type Policy } from '../contract/types';
import type { ActivationClient } from '../client';
import { createApiKeyChecker } from './auth';
import { createClientSecrets, DEV_CLIENT_SECRET_KEY } from '../contract/client-secret';
import { DEFAULT_BODY_LIMITS, DEFAULT_RATE_LIMITS, type BodyLimits, type RateLimits } from './config';
import { ChangeWatchers } from './change-watchers';
import { guardDedupStore } from './dedup/guarded-store';
import { openDedupStore } from './dedup/open-store';
import type { EventDedupStore } from './dedup/store';
import { fastifyOptions, type FastifySettings } from './fastify-options';
import { handleError, sendNotFoundRoute } from './http-errors';
import { registerOpenApi } from './openapi';
import {
  createGatewayMetrics,
  metricsRoutes,
  registerRequestMetrics,
  type GatewayMetrics,
  type MetricsMode,
} from './metrics';
import { registerRateLimits } from './rate-limit';
import { connectRedis } from './shared-counters';
import { LocalWaitingSlots, RedisWaitingSlots } from './waiting-slots';
import { registerRequestTracing } from './tracing';
import { pageRoutes } from './page/routes';
import type { TenantBranding } from './page/branding';
import { createRequestGrants } from './request-grants';
import { appRoutes } from './routes/apps';
import { createAudience } from './routes/audience';
import { backendRoutes } from './routes/backends';
import { healthRoutes } from './routes/health';
import { operatorRoutes } from './routes/operators';
import { webhookRoutes, type WebhookRouteDeps } from './routes/webhooks';

export interface GatewayOptions extends FastifySettings {
  activations: ActivationClient;
  /** Default 127.0.0.1: never reachable from the network by accident. */
  host?: string;
  /** Default 3000; 0 picks a free port (tests). */
  port?: number;
  /** GATEWAY_API_KEYS entries: `key` (tenant `default`, role backend) or `tenant:role:key`. Default ['dev-key']. */
  apiKeys?: string[];
  /** HMAC keys of the apps' client secrets (contract/client-secret.ts); default the development key. */
  clientSecretKeys?: string[];
  /**
   * HMAC keys of request grants (request-grants.ts): when given, a start must carry the `Request-Grant`
   * that gives its requestId to the caller's tenant. Default: none, any tenant may start any requestId.
   */
  requestGrantKeys?: string[];
  /**
   * The policy a request may only tighten (contract/server-policy.ts). Default: the workflow's
   * DEFAULT_POLICY, enforced. 'unbounded' takes requests' policies as they are (development only;
   * config.ts refuses it in production).
   */
  serverPolicy?: Policy | 'unbounded';
  kashierWebhookSecret?: string;
  fawrySecureKey?: string;
  /** When set, the Vlens webhook must carry it (see config.ts). */
  vlensWebhookToken?: string;
  /** A ready dedup record; otherwise one is opened from `databaseUrl` or `dataDir` and closed with the gateway. */
  dedupStore?: EventDedupStore;
  dataDir?: string;
  databaseUrl?: string;
  rateLimits?: Partial<RateLimits>;
  bodyLimits?: Partial<BodyLimits>;
  /** GET /metrics: 'on' (default, no API key), 'api-key' (behind the API keys) or 'off'. */
  metrics?: MetricsMode;
  /** GET /docs and /openapi.json (default true; production turns them off unless GATEWAY_DOCS=on). */
  docs?: boolean;
  /** A span per request (the parent of the Temporal calls it makes). Default: when this process traces. */
  tracing?: boolean;
  /** Tenants whose activations tell a webhook endpoint every change (ACTIVATION_WEBHOOKS); '*' = every tenant. */
  webhookTenants?: readonly string[];
  /** How long POST /v1/activations waits for the first Vlens step (default 10 s; 0 answers at once). */
  firstStepWaitMs?: number;
  /** Long polls and event streams open at once per caller (default 10). */
  maxWaitingPerCaller?: number;
  /**
   * ACTIVATION_PAGE_BASE_URL: where customers reach this gateway's /activate/ page; when set, a start
   * answers `activationUrl` (issue 26).
   */
  activationPageBaseUrl?: string;
  /** ACTIVATION_PAGE_TENANTS: each tenant's name, logo and colour on the activation page (page/branding.ts). */
  pageBranding?: Record<string, TenantBranding>;
  /** REDIS_URL: limits, start limits, webhook limits and open-stream caps counted there (shared-counters.ts). */
  redisUrl?: string;
  /** A ready Redis connection instead of `redisUrl` (not closed with the gateway). */
  redis?: Redis;
}

export interface RunningGateway {
  url: string;
  port: number;
  app: FastifyInstance;
  /** The gateway's Prometheus registry (also when /metrics is off). */
  metrics: GatewayMetrics;
  close(): Promise<void>;
}

/** A long poll's wait (at most 60 s) plus a margin: a replica that dies gives its stream slots back after this. */
const WAITING_SLOT_LEASE_MS = 90_000;

/** What every route has: its span, its request id, the error answers, metrics, rate limits, the document. */
async function registerCommon(
  app: FastifyInstance,
  options: GatewayOptions,
  metrics: GatewayMetrics,
  redis: Redis | undefined,
): Promise<void> {
  // First, so every route is wrapped and every request has its span before anything else runs.
  if (options.tracing ?? activeTracing() !== undefined) registerRequestTracing(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(sendNotFoundRoute);
  registerRequestMetrics(app, metrics);
  await registerRateLimits(app, redis);
  // Before the routes: the document collects each route as it is added.
  await registerOpenApi(app, options.docs ?? true);
}

/** The long polls' shared waits and their per-caller slots (counted in Redis when there is one). */
function waitingFor(app: FastifyInstance, options: GatewayOptions, redis: Redis | undefined) {
  const watchers = new ChangeWatchers(options.activations);
  // Before the listener closes: open long polls and streams end now, so shutdown does not wait a round.
  app.addHook('preClose', (done) => {
    watchers.close();
    done();
  });
  const maxWaiting = options.maxWaitingPerCaller ?? 10;
  const waitingSlots = redis
    ? new RedisWaitingSlots(redis, maxWaiting, WAITING_SLOT_LEASE_MS, (error) =>
        app.log.warn({ err: error }, 'shared limits: Redis unavailable; open streams are counted in this process'),
      )
    : new LocalWaitingSlots(maxWaiting);
  return { watchers, waitingSlots };
}

function webhookDeps(
  options: GatewayOptions,
  dedup: EventDedupStore,
  limits: { bodyLimits: BodyLimits; rateLimits: RateLimits },
  metrics: GatewayMetrics,
): WebhookRouteDeps {
  return {
    activations: options.activations,
    dedup,
    kashierWebhookSecret: options.kashierWebhookSecret ?? 'kashier-dev-secret',
    fawrySecureKey: options.fawrySecureKey ?? 'fawry-dev-secure-key',
    ...(options.vlensWebhookToken ? { vlensWebhookToken: options.vlensWebhookToken } : {}),
    bodyLimit: limits.bodyLimits.webhooks,
    limits: {
      perSource: limits.rateLimits.webhooksPerSource,
      unverifiedPerSource: limits.rateLimits.unverifiedWebhooksPerSource,
      perActivation: limits.rateLimits.webhooksPerActivation,
    },
    onOutcome: (provider, outcome) => metrics.webhook(provider, outcome),
  };
}

export async function buildGateway(
  options: GatewayOptions,
  dedup: EventDedupStore,
  metrics: GatewayMetrics = createGatewayMetrics(),
  redis: Redis | undefined = options.redis,
): Promise<FastifyInstance> {
  const bodyLimits = { ...DEFAULT_BODY_LIMITS, ...options.bodyLimits };
  const rateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const apiKeys = createApiKeyChecker(options.apiKeys ?? ['dev-key']);
  const clientSecrets = createClientSecrets(options.clientSecretKeys ?? [DEV_CLIENT_SECRET_KEY]);
  const serverPolicy = options.serverPolicy ?? DEFAULT_POLICY;
  const app = Fastify(fastifyOptions(options, bodyLimits.small));
  await registerCommon(app, options, metrics, redis);

  await app.register(healthRoutes(options.activations));
  const metricsMode = options.metrics ?? 'on';
  if (metricsMode !== 'off') await app.register(metricsRoutes(metrics, metricsMode, apiKeys));
  // One plugin per audience: apps (client secret), backends and operators (API keys), webhooks (signatures).
  const audience = createAudience(app, {
    activations: options.activations,
    apiKeys,
    clientSecrets,
    ...(options.requestGrantKeys?.length ? { requestGrants: createRequestGrants(options.requestGrantKeys) } : {}),
    ...(serverPolicy === 'unbounded' ? {} : { serverPolicy }),
    dedup,
    rateLimits,
    bodyLimits,
    webhookTenants: options.webhookTenants ?? [],
    firstStepWaitMs: options.firstStepWaitMs ?? 10_000,
    ...waitingFor(app, options, redis),
    ...(options.activationPageBaseUrl ? { activationPageBaseUrl: options.activationPageBaseUrl } : {}),
  });
  for (const audiencePlugin of [appRoutes, backendRoutes, operatorRoutes]) await app.register(audiencePlugin(audience));
  await app.register(
    pageRoutes({
      activations: options.activations,
      clientSecrets,
      branding: options.pageBranding ?? {},
      livenessBodyLimit: bodyLimits.liveness,
    }),
  );
  await app.register(webhookRoutes(webhookDeps(options, dedup, { bodyLimits, rateLimits }, metrics)));
  return app;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const ownsDedup = !options.dedupStore;
  const dedup =
    options.dedupStore ??
    (await openDedupStore({
      dataDir: options.dataDir ?? '.data',
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    }));
  const metrics = createGatewayMetrics();
  const ownsRedis = !options.redis && options.redisUrl !== undefined;
  let redis = options.redis;
  let app: FastifyInstance;
  try {
    if (ownsRedis) redis = await connectRedis(options.redisUrl!);
    app = await buildGateway(options, guardDedupStore(dedup), metrics, redis);
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 3000 });
  } catch (error) {
    if (ownsDedup) await dedup.close();
    if (ownsRedis) redis?.disconnect();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 3000);
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    app,
    metrics,
    async close() {
      // Stops accepting, lets requests in flight finish, then releases the dedup record.
      await app.close();
      if (ownsDedup) await dedup.close();
      if (ownsRedis) await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}
