// The dedup record as the routes see it: a store that cannot be reached (PostgreSQL down, a disk error)
// answers 503 dedup_unavailable with Retry-After, never a 500 (issue 23 item 2). Providers redeliver on a
// 503 and apps retry with the same Idempotency-Key, so nothing is lost while the store is away.
import { GatewayError } from '../http-errors';
import type { EventDedupStore } from './store';

const RETRY_AFTER_S = '5';

function unavailable(error: unknown): GatewayError {
  const failure = new GatewayError(
    503,
    'dedup_unavailable',
    'the delivery record is unavailable right now; retry shortly',
    { 'retry-after': RETRY_AFTER_S },
  );
  // The cause goes to the log with the request (http-errors.ts logs 5xx errors whole), not to the caller.
  (failure as Error & { cause?: unknown }).cause = error;
  return failure;
}

export function guardDedupStore(store: EventDedupStore): EventDedupStore {
  const guarded =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw unavailable(error);
      }
    };
  return {
    has: guarded((eventId: string) => store.has(eventId)),
    claim: guarded((entry) => store.claim(entry)),
    release: guarded((eventId: string) => store.release(eventId)),
    add: guarded((entry) => store.add(entry)),
    claimIdempotencyKey: guarded((scope: string, bodyHash: string) => store.claimIdempotencyKey(scope, bodyHash)),
    close: () => store.close(),
  };
}
