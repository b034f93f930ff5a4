// The record of payment-webhook events already acted on. Providers redeliver (Kashier and Fawry retry
// for days, Vlens retries with the same Id) and neither signs a timestamp, so the gateway remembers
// which events it signalled, across restarts. The workflow also ignores a duplicate eventId; this
// record keeps redeliveries from even reaching Temporal (and from adding history events).
import path from 'node:path';

export interface DedupEntry {
  /** `<provider>:<provider event id>`, the same string the paymentCompleted signal carries. */
  eventId: string;
  requestId: string;
}

export interface EventDedupStore {
  has(eventId: string): Promise<boolean>;
  /** Records the event durably before resolving; recording it twice is harmless. */
  add(entry: DedupEntry): Promise<void>;
  close(): Promise<void>;
}

/** For tests and throwaway runs: forgets everything on restart. */
export class MemoryDedupStore implements EventDedupStore {
  private readonly seen = new Set<string>();
  async has(eventId: string): Promise<boolean> {
    return this.seen.has(eventId);
  }
  async add(entry: DedupEntry): Promise<void> {
    this.seen.add(entry.eventId);
  }
  async close(): Promise<void> {}
}

export interface DedupStoreConfig {
  /** PostgreSQL when set (several gateways can share it). */
  databaseUrl?: string;
  /** Otherwise an append-only JSON-lines file in this folder (one gateway per folder). */
  dataDir: string;
}

export const DEDUP_FILE_NAME = 'webhook-events.jsonl';

export async function openDedupStore(config: DedupStoreConfig): Promise<EventDedupStore> {
  if (config.databaseUrl) {
    const { PostgresDedupStore } = await import('./postgres-store');
    return PostgresDedupStore.open(config.databaseUrl);
  }
  const { JsonlDedupStore } = await import('./jsonl-store');
  return JsonlDedupStore.open(path.join(config.dataDir, DEDUP_FILE_NAME));
}
