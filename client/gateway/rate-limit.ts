// Rate limits on every mutating route and on the webhooks (issue 12), with @fastify/rate-limit's store
// (a bounded LRU per limit; its Redis store can be passed in for several gateways, see registerRateLimits)
// instead of the hand-written fixed window this file held before.
//
// Each limit is made with `createRateLimit`, not the plugin's route hook: the plugin runs at most one of
// its hooks per request, and the OTP route needs two (per activation and per API key). The keys include
// the caller's tenant, so one tenant's traffic (or an attacker's requests that only earn 404s) never uses
// up another tenant's activation's budget.
//
// These limits are per process unless a shared store is configured; the workflow's own limits (attempts,
// sends, cooldown) remain the real guard across gateways.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from './http-errors';

/** Distinct keys each limit remembers: invented keys (random requestIds) push out the oldest. */
const KEYS_PER_LIMIT = 50_000;

export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  // global: false: only the limits made below apply, each where a route asks for it.
  await app.register(rateLimit, { global: false, cache: KEYS_PER_LIMIT });
}

export interface LimitSpec {
  max: number;
  timeWindowMs: number;
  /** What is limited, for the 429 message ("OTP submissions for this activation"). */
  what: string;
  /** The counter's key; undefined skips the limit for this request. */
  keyOf: (request: FastifyRequest) => string | undefined;
}

export type Limit = (request: FastifyRequest) => Promise<void>;

/**
 * A limit usable as an onRequest/preHandler hook or called from a handler: counts the request and
 * throws 429 rate_limited with Retry-After once the window is used up.
 */
export function createLimit(app: FastifyInstance, spec: LimitSpec): Limit {
  const check = app.createRateLimit({
    max: spec.max,
    timeWindow: spec.timeWindowMs,
    keyGenerator: (request) => spec.keyOf(request) ?? '',
  });
  return async (request) => {
    if (spec.keyOf(request) === undefined) return;
    const verdict = await check(request);
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
