// Opens the dedup record (store.ts) on the backend the configuration names. Apart from store.ts because
// both backends import store.ts: the backends and the store never import each other.
import path from 'node:path';
import type { EventDedupStore } from './store';

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
