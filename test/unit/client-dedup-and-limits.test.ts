// The webhook dedup record (JSON lines survive a restart, a torn last line is tolerated, old entries
// expire; the PostgreSQL store's SQL), the rate limiter's windows, and API-key checks.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createApiKeyChecker } from '../../client/gateway/auth';
import { loadGatewayConfig, GatewayConfigError } from '../../client/gateway/config';
import { JsonlDedupStore } from '../../client/gateway/dedup/jsonl-store';
import { PostgresDedupStore, type Queryable } from '../../client/gateway/dedup/postgres-store';
import { openDedupStore } from '../../client/gateway/dedup/store';
import { FixedWindowLimiter } from '../../client/gateway/rate-limit';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'dedup-'));

describe('JSON-lines dedup store', () => {
  test('what was added is remembered after reopening', async () => {
    const dir = tmp();
    const first = await openDedupStore({ dataDir: dir });
    expect(await first.has('kashier:TX-1')).toBe(false);
    await first.add({ eventId: 'kashier:TX-1', requestId: 'r1' });
    await first.add({ eventId: 'kashier:TX-1', requestId: 'r1' });
    await Promise.all([first.add({ eventId: 'fawry:1', requestId: 'r2' }), first.add({ eventId: 'vlens:2', requestId: 'r3' })]);
    await first.close();
    const lines = readFileSync(path.join(dir, 'webhook-events.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);

    const second = await openDedupStore({ dataDir: dir });
    for (const id of ['kashier:TX-1', 'fawry:1', 'vlens:2']) expect(await second.has(id)).toBe(true);
    expect(await second.has('kashier:TX-2')).toBe(false);
    await second.close();
  });

  test('a torn last line (crash mid-write) is dropped and the file compacted; expired entries go', async () => {
    const file = path.join(tmp(), 'events.jsonl');
    const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
    writeFileSync(file, `${JSON.stringify({ id: 'old', requestId: 'r', at: old })}\n${JSON.stringify({ id: 'kept', requestId: 'r', at: new Date().toISOString() })}\n`);
    appendFileSync(file, '{"id":"torn","requ');
    const store = await JsonlDedupStore.open(file, { retentionDays: 90 });
    expect(await store.has('kept')).toBe(true);
    expect(await store.has('old')).toBe(false);
    expect(await store.has('torn')).toBe(false);
    await store.add({ eventId: 'new', requestId: 'r' });
    await store.close();
    const ids = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).id);
    expect(ids).toEqual(['kept', 'new']);
  });
});

test('PostgreSQL store: creates its table, checks and records with parameters', async () => {
  const queries: Array<{ text: string; values?: unknown[] }> = [];
  const seen = new Set<unknown>();
  const db: Queryable = {
    async query(text, values) {
      queries.push({ text, ...(values ? { values } : {}) });
      if (text.startsWith('SELECT')) return { rowCount: seen.has(values?.[0]) ? 1 : 0 };
      if (text.startsWith('INSERT')) seen.add(values?.[0]);
      return { rowCount: 0 };
    },
    async end() {},
  };
  const store = new PostgresDedupStore(db);
  await store.migrate();
  expect(await store.has('kashier:1')).toBe(false);
  await store.add({ eventId: 'kashier:1', requestId: 'r' });
  expect(await store.has('kashier:1')).toBe(true);
  expect(queries[0]?.text).toMatch(/CREATE TABLE IF NOT EXISTS gateway_webhook_events/);
  expect(queries.find((q) => q.text.startsWith('INSERT'))).toMatchObject({ text: expect.stringMatching(/ON CONFLICT \(event_id\) DO NOTHING/), values: ['kashier:1', 'r'] });
});

test('fixed-window limiter: allows max per window, then says when to retry; windows reset', () => {
  const limiter = new FixedWindowLimiter(2, 60_000);
  const t0 = 1_000_000;
  expect(limiter.hit('a', t0).allowed).toBe(true);
  expect(limiter.hit('a', t0 + 10).allowed).toBe(true);
  expect(limiter.hit('a', t0 + 20_000)).toEqual({ allowed: false, retryAfterSeconds: 40 });
  expect(limiter.hit('b', t0 + 20_000).allowed).toBe(true);
  expect(limiter.hit('a', t0 + 60_000).allowed).toBe(true);
});

test('fixed-window limiter: memory stays bounded when keys are invented', () => {
  const limiter = new FixedWindowLimiter(1, 60_000, 100);
  for (let i = 0; i < 10_000; i++) limiter.hit(`k${i}`, 1_000);
  expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
});

test('API keys: Bearer only, exact match, every configured key', () => {
  const checker = createApiKeyChecker(['dev-key', 'second-key']);
  expect(checker.identify('Bearer dev-key')).toMatch(/^key-[0-9a-f]{8}$/);
  expect(checker.identify('bearer second-key')).toBeDefined();
  expect(checker.identify('Bearer second-key')).not.toBe(checker.identify('Bearer dev-key'));
  for (const header of [undefined, '', 'Bearer', 'Bearer dev-ke', 'Bearer dev-key2', 'Basic dev-key', 'dev-key', 'Bearer dev-key extra']) {
    expect(checker.identify(header)).toBeUndefined();
  }
});

test('gateway config: local defaults, env overrides, errors name the variable', () => {
  const defaults = loadGatewayConfig({});
  expect(defaults).toMatchObject({ host: '127.0.0.1', port: 3000, apiKeys: ['dev-key'], dataDir: '.data', kashierWebhookSecret: 'kashier-dev-secret', fawrySecureKey: 'fawry-dev-secure-key' });
  expect(loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_API_KEYS: ' a , b ,' }).apiKeys).toEqual(['a', 'b']);
  expect(() => loadGatewayConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
  expect(() => loadGatewayConfig({ GATEWAY_API_KEYS: ' , ' })).toThrow(GatewayConfigError);
});
