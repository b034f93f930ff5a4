// The webhook dedup record (JSON lines survive a restart, a torn last line is tolerated, old entries
// expire; the PostgreSQL store's SQL), Idempotency-Key bindings in each record, API keys with tenants
// and roles, and client secrets.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createApiKeyChecker } from '../../gateway/auth';
import { loadGatewayConfig, GatewayConfigError } from '../../gateway/config';
import { JsonlDedupStore } from '../../gateway/dedup/jsonl-store';
import { PostgresDedupStore, type Queryable } from '../../gateway/dedup/postgres-store';
import { openDedupStore } from '../../gateway/dedup/open-store';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { createClientSecrets } from '../../contract/client-secret';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'dedup-'));

describe('JSON-lines dedup store', () => {
  test('what was added is remembered after reopening', async () => {
    const dir = tmp();
    const first = await openDedupStore({ dataDir: dir });
    expect(await first.has('kashier:TX-1')).toBe(false);
    await first.add({ eventId: 'kashier:TX-1', requestId: 'r1' });
    await first.add({ eventId: 'kashier:TX-1', requestId: 'r1' });
    await Promise.all([
      first.add({ eventId: 'fawry:1', requestId: 'r2' }),
      first.add({ eventId: 'vlens:2', requestId: 'r3' }),
    ]);
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
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'old', requestId: 'r', at: old })}\n${JSON.stringify({ id: 'kept', requestId: 'r', at: new Date().toISOString() })}\n`,
    );
    appendFileSync(file, '{"id":"torn","requ');
    const store = await JsonlDedupStore.open(file, { retentionDays: 90 });
    expect(await store.has('kept')).toBe(true);
    expect(await store.has('old')).toBe(false);
    expect(await store.has('torn')).toBe(false);
    await store.add({ eventId: 'new', requestId: 'r' });
    await store.close();
    const ids = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).id);
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
  expect(queries.find((q) => q.text.startsWith('INSERT'))).toMatchObject({
    text: expect.stringMatching(/ON CONFLICT \(event_id\) DO UPDATE SET state = 'done'/),
    values: ['kashier:1', 'r'],
  });
});

describe('Idempotency-Key bindings', () => {
  test('memory and JSON lines: new, then same for the same body, different for another; kept across a restart', async () => {
    const memory = new MemoryDedupStore();
    expect(await memory.claimIdempotencyKey('scope-1', 'body-a')).toBe('new');
    expect(await memory.claimIdempotencyKey('scope-1', 'body-a')).toBe('same');
    expect(await memory.claimIdempotencyKey('scope-1', 'body-b')).toBe('different');
    expect(await memory.claimIdempotencyKey('scope-2', 'body-b')).toBe('new');

    const dir = tmp();
    const first = await openDedupStore({ dataDir: dir });
    const claims = await Promise.all([first.claimIdempotencyKey('s', 'a'), first.claimIdempotencyKey('s', 'b')]);
    expect(claims).toEqual(['new', 'different']);
    await first.close();
    const second = await openDedupStore({ dataDir: dir });
    expect(await second.claimIdempotencyKey('s', 'a')).toBe('same');
    expect(await second.claimIdempotencyKey('s', 'b')).toBe('different');
    await second.close();
    expect(readFileSync(path.join(dir, 'idempotency-keys.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  test('PostgreSQL: the first use wins through the primary key; a later use compares the stored hash', async () => {
    const rows = new Map<unknown, unknown>();
    const db: Queryable = {
      async query(text, values) {
        if (text.startsWith('INSERT INTO gateway_idempotency_keys')) {
          if (rows.has(values?.[0])) return { rowCount: 0, rows: [] };
          rows.set(values?.[0], values?.[1]);
          return { rowCount: 1, rows: [{ scope: values?.[0] }] };
        }
        if (text.startsWith('SELECT body_hash')) return { rowCount: 1, rows: [{ body_hash: rows.get(values?.[0]) }] };
        return { rowCount: 0 };
      },
      async end() {},
    };
    const store = new PostgresDedupStore(db);
    expect(await store.claimIdempotencyKey('s', 'a')).toBe('new');
    expect(await store.claimIdempotencyKey('s', 'a')).toBe('same');
    expect(await store.claimIdempotencyKey('s', 'b')).toBe('different');
  });
});

test('client secrets: bound to one activation, tenant and expiry; uppercase requestIds are the same activation', () => {
  const secrets = createClientSecrets(['k'.repeat(40), 'old-key-still-verifies-0123456789']);
  const id = '81f404b3-8f55-4a3d-9d41-0c1bd9d3a001';
  const now = 1_900_000_000_000;
  const { clientSecret, expiresAt } = secrets.issue(id, 'acme', 3_600_000, now);
  expect(clientSecret).toMatch(/^vcs1\.acme\.\d+\.[A-Za-z0-9_-]{43}$/);
  expect(Date.parse(expiresAt)).toBe(now + 3_600_000);
  expect(secrets.verify(clientSecret, id, now)).toMatchObject({ ok: true, secret: { tenant: 'acme', requestId: id } });
  expect(secrets.verify(clientSecret, id.toUpperCase(), now).ok).toBe(true);
  expect(secrets.verify(clientSecret, '81f404b3-8f55-4a3d-9d41-0c1bd9d3a002', now)).toEqual({
    ok: false,
    reason: 'mismatch',
  });
  expect(secrets.verify(clientSecret.replace('.acme.', '.evil.'), id, now)).toEqual({ ok: false, reason: 'mismatch' });
  const [prefix, tenant, expiry, mac] = clientSecret.split('.');
  expect(secrets.verify([prefix, tenant, String(Number(expiry) + 3600), mac].join('.'), id, now)).toEqual({
    ok: false,
    reason: 'mismatch',
  });
  expect(secrets.verify(clientSecret, id, now + 3_600_001)).toEqual({ ok: false, reason: 'expired' });
  expect(secrets.verify('vcs1.acme.1.x', id, now)).toEqual({ ok: false, reason: 'malformed' });
  // Rotation: a secret signed with the old key verifies while that key is still configured.
  const old = createClientSecrets(['old-key-still-verifies-0123456789']).issue(id, 'acme', 60_000, now);
  expect(secrets.verify(old.clientSecret, id, now).ok).toBe(true);
  expect(createClientSecrets(['k'.repeat(40)]).verify(old.clientSecret, id, now).ok).toBe(false);
});

test('API keys: Bearer only, exact match, every configured key; tenants and roles', () => {
  const checker = createApiKeyChecker(['dev-key', 'second-key', 'acme:operator:op-key', '*:read-only:support-key']);
  expect(checker.identify('Bearer dev-key')).toMatchObject({
    kind: 'api-key',
    id: expect.stringMatching(/^key-[0-9a-f]{8}$/),
    tenant: 'default',
    role: 'backend',
  });
  expect(checker.identify('bearer second-key')).toBeDefined();
  expect(checker.identify('Bearer second-key')?.id).not.toBe(checker.identify('Bearer dev-key')?.id);
  expect(checker.identify('Bearer op-key')).toMatchObject({ tenant: 'acme', role: 'operator', allTenants: false });
  expect(checker.identify('Bearer support-key')).toMatchObject({ role: 'read-only', allTenants: true });
  expect(checker.identify('Bearer acme:operator:op-key')).toBeUndefined();
  expect(() => createApiKeyChecker(['*:backend:k'])).toThrow(/backend key needs one tenant/);
  expect(() => createApiKeyChecker(['Acme!:backend:k'])).toThrow(/tenant must match/);
  for (const header of [
    undefined,
    '',
    'Bearer',
    'Bearer dev-ke',
    'Bearer dev-key2',
    'Basic dev-key',
    'dev-key',
    'Bearer dev-key extra',
  ]) {
    expect(checker.identify(header)).toBeUndefined();
  }
});

test('gateway config: local defaults, env overrides, errors name the variable', () => {
  const defaults = loadGatewayConfig({});
  expect(defaults).toMatchObject({
    host: '127.0.0.1',
    port: 3000,
    apiKeys: ['dev-key'],
    dataDir: '.data',
    kashierWebhookSecret: 'kashier-dev-secret',
    fawrySecureKey: 'fawry-dev-secure-key',
  });
  expect(defaults.serverPolicy.enforce).toBe(false); // development: callers may loosen (production enforces)
  expect(
    loadGatewayConfig({ ACTIVATION_POLICY_BOUNDS: 'enforce', ACTIVATION_POLICY_MAX_OTP_SENDS: '3' }).serverPolicy,
  ).toMatchObject({ enforce: true, policy: { maxOtpSends: 3 } });
  expect(() => loadGatewayConfig({ ACTIVATION_POLICY_RESEND_COOLDOWN: '1s' })).toThrow(
    /ACTIVATION_POLICY_RESEND_COOLDOWN: must be between 10s and 1d/,
  );
  expect(() => loadGatewayConfig({ ACTIVATION_POLICY_PAYMENT_RECONCILE_INITIAL: '0' })).toThrow(
    /ACTIVATION_POLICY_PAYMENT_RECONCILE_INITIAL: must be between 5s/,
  );
  expect(() => loadGatewayConfig({ GATEWAY_API_KEYS: '*:backend:some-key' })).toThrow(
    /GATEWAY_API_KEYS: entry 1: a backend key needs one tenant/,
  );
  expect(loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_API_KEYS: ' a , b ,' }).apiKeys).toEqual(['a', 'b']);
  expect(() => loadGatewayConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
  expect(() => loadGatewayConfig({ GATEWAY_API_KEYS: ' , ' })).toThrow(GatewayConfigError);
});
