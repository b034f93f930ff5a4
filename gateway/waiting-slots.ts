// How many long polls and event streams each caller may hold open at once (issue 12, issues 23 and 27).
// A slot is released only when the caller's wait has ended, not when its connection drops: a stream that
// disconnects keeps its slot until the wait it was in answers (change-watchers.ts), so dropping and
// reopening connections never lets one caller hold more than its bound. With Redis, every replica counts
// the same slots: a sorted set per caller whose members expire after a lease, so a replica that dies
// without releasing gives its slots back by itself; a long stream renews its lease every round.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from './http-errors';
import { REDIS_KEY_PREFIX } from './shared-counters';

export interface WaitingSlot {
  /** Keeps the slot for another round (a stream's next wait); a no-op without Redis. */
  renew(): Promise<void>;
  /** Gives the slot back; calling it again does nothing. */
  release(): void;
}

export interface WaitingSlots {
  /** A slot for `caller`, or 429 rate_limited when it holds its bound already. */
  take(caller: string): Promise<WaitingSlot>;
}

function tooMany(max: number): GatewayError {
  return new GatewayError(429, 'rate_limited', `at most ${max} long polls or event streams may be open per caller`, {
    'retry-after': '5',
  });
}

/** Counted in this process: one gateway, or the fallback while Redis is away. */
export class LocalWaitingSlots implements WaitingSlots {
  private readonly open = new Map<string, number>();
  constructor(private readonly maxPerCaller: number) {}

  async take(caller: string): Promise<WaitingSlot> {
    const now = this.open.get(caller) ?? 0;
    if (now >= this.maxPerCaller) throw tooMany(this.maxPerCaller);
    this.open.set(caller, now + 1);
    let released = false;
    return {
      renew: async () => undefined,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.open.get(caller) ?? 1) - 1;
        if (left <= 0) this.open.delete(caller);
        else this.open.set(caller, left);
      },
    };
  }
}

// Redis's own clock (TIME), so replicas with skewed clocks agree on what has expired.
const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const TAKE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`;
const RENEW = `${NOW_MS}
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return 1`;

/**
 * Counted in Redis, shared by every replica. A Redis outage falls back to this process's counters (the
 * slots protect this gateway, not an SMS or a Vlens call; shared-counters.ts).
 */
export class RedisWaitingSlots implements WaitingSlots {
  private readonly local: LocalWaitingSlots;

  /** `leaseMs` must outlast one wait (the longest long poll, 60 s) plus a margin. */
  constructor(
    private readonly redis: Redis,
    private readonly maxPerCaller: number,
    private readonly leaseMs: number,
    private readonly onFallback: (error: Error) => void,
  ) {
    this.local = new LocalWaitingSlots(maxPerCaller);
  }

  async take(caller: string): Promise<WaitingSlot> {
    const key = `${REDIS_KEY_PREFIX}waiting:${caller}`;
    const member = randomUUID();
    let taken: unknown;
    try {
      taken = await this.redis.eval(TAKE, 1, key, this.leaseMs, this.maxPerCaller, member);
    } catch (error) {
      this.onFallback(error as Error);
      return this.local.take(caller);
    }
    if (taken !== 1) throw tooMany(this.maxPerCaller);
    let released = false;
    return {
      renew: async () => {
        await this.redis.eval(RENEW, 1, key, this.leaseMs, member).catch(() => undefined);
      },
      release: () => {
        if (released) return;
        released = true;
        // If Redis is away now, the lease gives the slot back when it expires.
        this.redis.zrem(key, member).catch(() => undefined);
      },
    };
  }
}
