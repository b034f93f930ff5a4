// The dedup record in PostgreSQL (DATABASE_URL), for several gateways behind a load balancer: the
// primary key makes concurrent recording of the same event safe.
import pg from 'pg';
import type { DedupEntry, EventDedupStore } from './store';

export const DEDUP_TABLE = 'gateway_webhook_events';

/** The part of pg.Pool the store uses (tests pass a fake). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<void>;
}

export class PostgresDedupStore implements EventDedupStore {
  constructor(private readonly db: Queryable) {}

  static async open(databaseUrl: string): Promise<PostgresDedupStore> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
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
  }

  async has(eventId: string): Promise<boolean> {
    const result = await this.db.query(`SELECT 1 FROM ${DEDUP_TABLE} WHERE event_id = $1`, [eventId]);
    return (result.rowCount ?? 0) > 0;
  }

  async add(entry: DedupEntry): Promise<void> {
    await this.db.query(`INSERT INTO ${DEDUP_TABLE} (event_id, request_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING`, [
      entry.eventId,
      entry.requestId,
    ]);
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
