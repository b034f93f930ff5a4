// The record of payment-webhook events already acted on. Providers redeliver (Kashier and Fawry retry
// for days, Vlens retries with the same Id) and neither signs a timestamp, so the gateway remembers
// which events it signalled, across restarts. The workflow also ignores a duplicate eventId; this
// record keeps redeliveries from even reaching Temporal (and from adding history events).
export interface DedupEntry {
  /** `<provider>:<provider event id>`, the same string the paymentCompleted signal carries. */
  eventId: string;
  requestId: string;
}

/**
 * What an Idempotency-Key was used with before (issue 12): `new` the first time (now recorded), `same`
 * for a retry with the same body, `different` for a reuse with another body (refused with 422
 * idempotency_key_reused, as Stripe does, instead of silently answering the first body's result).
 */
export type IdempotencyClaim = 'new' | 'same' | 'different';

/**
 * How long a key stays bound to its body: longer than any activation can live (contract/server-policy.ts
 * caps the deadline at 7 days), so a key cannot be reused while its update's answer still exists.
 */
export const IDEMPOTENCY_RETENTION_MS = 8 * 86_400_000;

/**
 * What a webhook delivery's claim on its event found (issue 27 item 8): `claimed` (this delivery signals),
 * `duplicate` (signalled before), `in_progress` (another copy is being signalled right now). One atomic
 * insert-or-conflict, so concurrent copies of one event give one signal.
 */
export type EventClaim = 'claimed' | 'duplicate' | 'in_progress';

/**
 * A claim not completed within this time (its gateway died between claim and signal) may be taken by a
 * redelivery: longer than any signal call takes, far shorter than providers' retry schedules.
 */
export const EVENT_CLAIM_LEASE_MS = 120_000;

export interface EventDedupStore {
  /** True when the event was recorded as signalled (claims in progress do not count). */
  has(eventId: string): Promise<boolean>;
  /** Claims the event for this delivery, atomically (see EventClaim). */
  claim(entry: DedupEntry): Promise<EventClaim>;
  /** Gives a claim back (its signal failed): a redelivery may claim the event again. */
  release(eventId: string): Promise<void>;
  /** Records the event as signalled, durably, before resolving; recording it twice is harmless. */
  add(entry: DedupEntry): Promise<void>;
  /**
   * Binds `scope` (a digest of caller, route and key, see routes/idempotency.ts) to `bodyHash` the first
   * time; later calls say whether the body is the same. Atomic per scope.
   */
  claimIdempotencyKey(scope: string, bodyHash: string): Promise<IdempotencyClaim>;
  close(): Promise<void>;
}

/** Most idempotency bindings the in-memory record keeps (oldest dropped first). */
const MEMORY_IDEMPOTENCY_LIMIT = 100_000;

/** For tests and throwaway runs: forgets everything on restart. */
export class MemoryDedupStore implements EventDedupStore {
  private readonly seen = new Set<string>();
  private readonly claims = new Map<string, number>();
  private readonly bodies = new Map<string, { bodyHash: string; at: number }>();
  async has(eventId: string): Promise<boolean> {
    return this.seen.has(eventId);
  }
  async claim(entry: DedupEntry): Promise<EventClaim> {
    return claimEventInMemory(this.seen, this.claims, entry.eventId, Date.now());
  }
  async release(eventId: string): Promise<void> {
    this.claims.delete(eventId);
  }
  async add(entry: DedupEntry): Promise<void> {
    this.seen.add(entry.eventId);
    this.claims.delete(entry.eventId);
  }
  async claimIdempotencyKey(scope: string, bodyHash: string): Promise<IdempotencyClaim> {
    return claimInMap(this.bodies, scope, bodyHash, Date.now(), MEMORY_IDEMPOTENCY_LIMIT);
  }
  async close(): Promise<void> {}
}

/** The claim of the memory and JSON-lines records: synchronous, so atomic within the one process they serve. */
export function claimEventInMemory(
  signalled: { has(eventId: string): boolean },
  claims: Map<string, number>,
  eventId: string,
  now: number,
): EventClaim {
  if (signalled.has(eventId)) return 'duplicate';
  const claimedAt = claims.get(eventId);
  if (claimedAt !== undefined && now - claimedAt < EVENT_CLAIM_LEASE_MS) return 'in_progress';
  claims.set(eventId, now);
  return 'claimed';
}

/** The in-memory decision shared by the memory and JSON-lines records (synchronous, so atomic). */
export function claimInMap(
  bodies: Map<string, { bodyHash: string; at: number }>,
  scope: string,
  bodyHash: string,
  now: number,
  limit = Number.POSITIVE_INFINITY,
): IdempotencyClaim {
  const known = bodies.get(scope);
  if (known && now - known.at < IDEMPOTENCY_RETENTION_MS) return known.bodyHash === bodyHash ? 'same' : 'different';
  bodies.delete(scope);
  bodies.set(scope, { bodyHash, at: now });
  for (const oldest of bodies.keys()) {
    if (bodies.size <= limit) break;
    bodies.delete(oldest);
  }
  return 'new';
}
