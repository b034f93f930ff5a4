// The dedup record in PostgreSQL (DATABASE_URL), for several gateways behind a load balancer: the
// primary key makes concurrent recording of the same event safe.
import pg from 'pg';
import {
  EVENT_CLAIM_LEASE_MS,
  IDEMPOTENCY_RETENTION_MS,
  type DedupEntry,
  type EventClaim,
  type EventDedupStore,
  type IdempotencyClaim,
} from './store';

export const DEDUP_TABLE = 'gateway_webhook_events';
export const IDEMPOTENCY_TABLE = 'gateway_idempotency_keys';

/** The part of pg.Pool the store uses (tests pass a fake). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows?: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}

export class PostgresDedupStore implements EventDedupStore {
  constructor(private readonly db: Queryable) {}

  static async open(databaseUrl: string): Promise<PostgresDedupStore> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // An idle connection that PostgreSQL ends (a restart, a failover) is reported here; unhandled, Node would
    // exit the whole gateway. The pool drops that connection and opens a new one on the next query, and a
    // query made while the database is down fails that one request (503), not the process.
    pool.on('error', (error) =>
      console.warn(`webhook dedup store: idle PostgreSQL connection lost (${error.message})`),
    );
    const store = new PostgresDedupStore(pool);
    await store.migrate();
    return store;
  }

  async migrate(): Promise<void> {
    await this.db.query(
      `CREATE TABLE IF NOT EXISTS ${DEDUP_TABLE} (
         event_id text PRIMARY KEY,
         request_id text NOT NULL,
         received_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    // Rows written before claims existed were all signalled ('done').
    await this.db.query(`ALTER TABLE ${DEDUP_TABLE} ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'done'`);
    await this.db.query(
      `CREATE TABLE IF NOT EXISTS ${IDEMPOTENCY_TABLE} (
         scope text PRIMARY KEY,
         body_hash text NOT NULL,
         first_used_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  }

  /**
   * The primary key makes the first use win when several gateways see the same key at once; an expired
   * binding is replaced by the new body in the same statement.
   */
  async claimIdempotencyKey(scope: string, bodyHash: string): Promise<IdempotencyClaim> {
    const inserted = await this.db.query(
      `INSERT INTO ${IDEMPOTENCY_TABLE} (scope, body_hash) VALUES ($1, $2)
       ON CONFLICT (scope) DO UPDATE SET body_hash = EXCLUDED.body_hash, first_used_at = now()
         WHERE ${IDEMPOTENCY_TABLE}.first_used_at < now() - ($3::bigint * interval '1 millisecond')
       RETURNING scope`,
      [scope, bodyHash, IDEMPOTENCY_RETENTION_MS],
    );
    if ((inserted.rowCount ?? 0) > 0) return 'new';
    const existing = await this.db.query(`SELECT body_hash FROM ${IDEMPOTENCY_TABLE} WHERE scope = $1`, [scope]);
    return existing.rows?.[0]?.body_hash === bodyHash ? 'same' : 'different';
  }

  async has(eventId: string): Promise<boolean> {
    const result = await this.db.query(`SELECT 1 FROM ${DEDUP_TABLE} WHERE event_id = $1 AND state = 'done'`, [
      eventId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * One statement: the first delivery inserts a 'claimed' row; a claim left by a gateway that died before
   * signalling is taken over once its lease is over. Every other copy finds the row and reads its state.
   */
  async claim(entry: DedupEntry): Promise<EventClaim> {
    const inserted = await this.db.query(
      `INSERT INTO ${DEDUP_TABLE} (event_id, request_id, state) VALUES ($1, $2, 'claimed')
       ON CONFLICT (event_id) DO UPDATE SET received_at = now()
         WHERE ${DEDUP_TABLE}.state = 'claimed'
           AND ${DEDUP_TABLE}.received_at < now() - ($3::bigint * interval '1 millisecond')
       RETURNING event_id`,
      [entry.eventId, entry.requestId, EVENT_CLAIM_LEASE_MS],
    );
    if ((inserted.rowCount ?? 0) > 0) return 'claimed';
    const existing = await this.db.query(`SELECT state FROM ${DEDUP_TABLE} WHERE event_id = $1`, [entry.eventId]);
    return existing.rows?.[0]?.state === 'claimed' ? 'in_progress' : 'duplicate';
  }

  async release(eventId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${DEDUP_TABLE} WHERE event_id = $1 AND state = 'claimed'`, [eventId]);
  }

  async add(entry: DedupEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO ${DEDUP_TABLE} (event_id, request_id, state) VALUES ($1, $2, 'done')
       ON CONFLICT (event_id) DO UPDATE SET state = 'done'`,
      [entry.eventId, entry.requestId],
    );
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
