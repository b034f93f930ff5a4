// Where the gateway counts its limits (issue 23 item 2): in this process (development, one replica), or in
// Redis when REDIS_URL is set, so every replica behind the load balancer spends the same budget. The
// counting itself is @fastify/rate-limit's (its LocalStore LRU and its RedisStore Lua script); this file
// only chooses between them per limit and decides what a Redis outage means for each one:
//   - 'refuse': the limit protects an SMS or a Vlens call (starts, OTP, resend, liveness, payment and
//     operator actions, verified webhooks per activation). Without Redis it cannot be counted across
//     replicas, so the request is refused with 503 and Retry-After: nothing is sent on an uncounted budget.
//   - 'count-here': the limit protects only this gateway and the workflow's history (reads, long polls and
//     streams, webhook sources). It falls back to this process's counters, as with one replica; each replica
//     then allows the full limit until Redis is back.
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';

export type WhenSharedStoreFails = 'refuse' | 'count-here';

/** Redis could not count a limit that must be counted across replicas: the request is answered 503. */
export class SharedCountersUnavailable extends Error {
  override name = 'SharedCountersUnavailable';
}

/** The prefix of every key the gateway writes in Redis. */
export const REDIS_KEY_PREFIX = 'vlens-gateway:';

/**
 * A Redis connection that fails fast instead of queueing while Redis is away: a limit's answer must not
 * wait for a reconnect (each command has COMMAND_TIMEOUT_MS; none is queued while disconnected).
 */
const COMMAND_TIMEOUT_MS = 1_000;

export async function connectRedis(url: string, log: (message: string) => void = console.warn): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 5_000,
    // Keep reconnecting (at most every 2 s) for as long as Redis is away.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastReported = 0;
  redis.on('error', (error: Error) => {
    // Reported at most every 30 s: an outage otherwise logs every reconnect attempt.
    if (Date.now() - lastReported < 30_000) return;
    lastReported = Date.now();
    log(`shared limits: Redis unavailable (${error.message})`);
  });
  // A gateway told to share its limits does not start without the place to share them.
  await redis.connect();
  await redis.ping();
  return redis;
}

// @fastify/rate-limit's own stores (not exported by name; the package has no exports map).
const require = createRequire(import.meta.url);
type IncrCallback = (error: Error | null, result: { current: number; ttl: number } | null) => void;
interface RateLimitStore {
  incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void;
}
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache: number,
) => RateLimitStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  keyPrefix: string,
) => RateLimitStore;

/** The settings each limit passes to createRateLimit beyond the plugin's own (see rate-limit.ts). */
export interface SharedLimitParams {
  /** Names the limit's counters in Redis; unique per limit. */
  limitName?: string;
  whenSharedStoreFails?: WhenSharedStoreFails;
}

/**
 * The store class given to @fastify/rate-limit: the plugin makes one per limit (`child`), each with its
 * own counters here and, with Redis, its own key prefix there.
 */
export function limitStoreClass(redis: Redis | undefined, keysPerLimit: number, onFallback: (name: string) => void) {
  return class LimitStore implements RateLimitStore {
    private readonly local: RateLimitStore;
    private readonly shared: RateLimitStore | undefined;
    private readonly name: string;
    private readonly whenFails: WhenSharedStoreFails;

    constructor(params: SharedLimitParams) {
      this.name = params.limitName ?? 'default';
      this.whenFails = params.whenSharedStoreFails ?? 'refuse';
      this.local = new LocalStore(false, false, keysPerLimit);
      this.shared = redis ? new RedisStore(false, false, redis, `${REDIS_KEY_PREFIX}limit:${this.name}:`) : undefined;
    }

    child(params: SharedLimitParams): LimitStore {
      return new LimitStore(params);
    }

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      if (!this.shared) return this.local.incr(key, callback, timeWindow, max);
      this.shared.incr(
        key,
        (error, result) => {
          if (!error) return callback(null, result);
          if (this.whenFails === 'refuse') return callback(new SharedCountersUnavailable(error.message), null);
          onFallback(this.name);
          this.local.incr(key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
  };
}
