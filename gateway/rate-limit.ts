// Rate limits on every route and on the webhooks (issues 12 and 27), with @fastify/rate-limit's stores
// instead of a hand-written fixed window. Counted in this process, or in Redis when REDIS_URL is set so
// that every replica spends one budget (shared-counters.ts, which also decides what a Redis outage means
// for each limit).
//
// Each limit is made with `createLimit`, not the plugin's route hook: the plugin runs at most one of its
// hooks per request, and the OTP route needs two (per activation and per API key). The keys include the
// caller's tenant, so one tenant's traffic (or an attacker's requests that only earn 404s) never uses up
// another tenant's activation's budget.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { GatewayError } from './http-errors';
import {
  limitStoreClass,
  SharedCountersUnavailable,
  type SharedLimitParams,
  type WhenSharedStoreFails,
} from './shared-counters';

/** Distinct keys each limit remembers in this process: invented keys (random requestIds) push out the oldest. */
const KEYS_PER_LIMIT = 50_000;

/** Seconds a caller is told to wait when the shared counters are unavailable. */
export const SHARED_COUNTERS_RETRY_AFTER_S = 5;

export async function registerRateLimits(app: FastifyInstance, redis?: Redis): Promise<void> {
  const onFallback = (name: string) =>
    app.log.warn({ limit: name }, 'shared limits: Redis unavailable; this limit is counted in this process');
  // global: false: only the limits made below apply, each where a route asks for it.
  await app.register(rateLimit, {
    global: false,
    store: limitStoreClass(redis, KEYS_PER_LIMIT, onFallback) as never,
  });
}

export interface LimitSpec {
  /** Names the limit's counters (unique per limit; Redis keys are prefixed with it). */
  name: string;
  max: number;
  timeWindowMs: number;
  /** What is limited, for the 429 message ("OTP submissions for this activation"). */
  what: string;
  /** The counter's key; undefined skips the limit for this request. */
  keyOf: (request: FastifyRequest) => string | undefined;
  /**
   * With REDIS_URL, what a Redis outage means (shared-counters.ts): 'refuse' (503, the default) for the
   * limits that protect an SMS or a Vlens call, 'count-here' for the others.
   */
  whenSharedStoreFails?: WhenSharedStoreFails;
}

export type Limit = (request: FastifyRequest) => Promise<void>;

/**
 * A limit usable as an onRequest/preHandler hook or called from a handler: counts the request and
 * throws 429 rate_limited with Retry-After once the window is used up.
 */
export function createLimit(app: FastifyInstance, spec: LimitSpec): Limit {
  const shared: SharedLimitParams = {
    limitName: spec.name,
    whenSharedStoreFails: spec.whenSharedStoreFails ?? 'refuse',
  };
  const check = app.createRateLimit({
    max: spec.max,
    timeWindow: spec.timeWindowMs,
    keyGenerator: (request) => spec.keyOf(request) ?? '',
    ...shared,
  } as Parameters<FastifyInstance['createRateLimit']>[0]);
  return async (request) => {
    if (spec.keyOf(request) === undefined) return;
    let verdict;
    try {
      verdict = await check(request);
    } catch (error) {
      if (!(error instanceof SharedCountersUnavailable)) throw error;
      request.log.error({ limit: spec.name, err: error }, 'shared limits unavailable: request refused');
      throw new GatewayError(
        503,
        'limits_unavailable',
        `the limit on ${spec.what} cannot be counted right now; retry in ${SHARED_COUNTERS_RETRY_AFTER_S} s`,
        { 'retry-after': String(SHARED_COUNTERS_RETRY_AFTER_S) },
      );
    }
    if (verdict.isAllowed || !verdict.isExceeded) return;
    const retryAfterSeconds = Math.max(1, verdict.ttlInSeconds);
    throw new GatewayError(
      429,
      'rate_limited',
      `too many ${spec.what}; retry in ${retryAfterSeconds} s`,
      { 'retry-after': String(retryAfterSeconds) },
      { retryAfterSeconds },
    );
  };
}
