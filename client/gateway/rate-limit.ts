// Fixed-window rate limits for the routes that cost an SMS or an OTP attempt. In memory and per
// process: enough to stop a runaway app or a brute-force loop at one gateway; the workflow's own
// limits (attempts, sends, cooldown) remain the real guard across gateways.
import type { FastifyRequest } from 'fastify';
import { GatewayError } from './http-errors';

export interface LimitVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    /** Bounds memory when callers invent keys (e.g. random requestIds). */
    private readonly maxKeys = 50_000,
  ) {}

  hit(key: string, now = Date.now()): LimitVerdict {
    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      this.windows.delete(key);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
      this.prune(now);
    }
    window.count++;
    return { allowed: window.count <= this.max, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  private prune(now: number): void {
    if (this.windows.size <= this.maxKeys) return;
    for (const [key, window] of this.windows) {
      if (now >= window.resetAt || this.windows.size > this.maxKeys) this.windows.delete(key);
      if (this.windows.size <= this.maxKeys / 2) break;
    }
  }
}

/** onRequest hook: refuses with 429 and Retry-After once `keyOf(request)` used up its window. */
export function rateLimitHook(limiter: FixedWindowLimiter, what: string, keyOf: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest): Promise<void> => {
    const verdict = limiter.hit(keyOf(request));
    if (!verdict.allowed) {
      throw new GatewayError(
        429,
        'rate_limited',
        `too many ${what}; retry in ${verdict.retryAfterSeconds} s`,
        { 'retry-after': String(verdict.retryAfterSeconds) },
        { retryAfterSeconds: verdict.retryAfterSeconds },
      );
    }
  };
}
