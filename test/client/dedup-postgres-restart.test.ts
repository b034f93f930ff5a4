// The gateway's webhook dedup store against the machine's real PostgreSQL: when the server ends the pool's
// idle connections (what a restart or failover does), the gateway process must not die; the next query
// opens a new connection. Found by the production-topology chaos run (BENCHMARKS.md §8, P1).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PostgresDedupStore } from '../../gateway/dedup/postgres-store';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `vlens_dedup_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
let store: PostgresDedupStore;

beforeAll(async () => {
  // No PostgreSQL here is a broken setup (the project's tests run on a machine with it), not a skip.
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  store = await PostgresDedupStore.open(url.toString());
});

afterAll(async () => {
  await store?.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

test('idle connections ended by the server do not kill the process; the next query reconnects', async () => {
  await store.add({ eventId: 'evt-before', requestId: randomUUID() });
  const ended = await admin.query(
    'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  expect(ended.rowCount).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await store.has('evt-before')).toBe(true);
  await store.add({ eventId: 'evt-after', requestId: randomUUID() });
  expect(await store.has('evt-after')).toBe(true);
});

test('claims are one atomic insert-or-conflict: of six concurrent copies one claims; done is a duplicate; a release frees it', async () => {
  const entry = { eventId: `kashier:${randomUUID()}`, requestId: randomUUID() };
  const claims = await Promise.all(Array.from({ length: 6 }, () => store.claim(entry)));
  expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
  expect(claims.filter((c) => c === 'in_progress')).toHaveLength(5);
  expect(await store.has(entry.eventId)).toBe(false);
  await store.release(entry.eventId);
  expect(await store.claim(entry)).toBe('claimed');
  await store.add(entry);
  expect(await store.has(entry.eventId)).toBe(true);
  expect(await store.claim(entry)).toBe('duplicate');
  // A row written before claims existed takes the column's default: signalled.
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const direct = new pg.Client({ connectionString: url.toString() });
  await direct.connect();
  try {
    await direct.query(`INSERT INTO gateway_webhook_events (event_id, request_id) VALUES ('fawry:legacy', 'r')`);
  } finally {
    await direct.end();
  }
  expect(await store.claim({ eventId: 'fawry:legacy', requestId: 'r' })).toBe('duplicate');
});
