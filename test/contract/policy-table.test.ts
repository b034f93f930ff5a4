// The policy table (contract/policy.ts) is the one place a setting is defined: the docs table, the request
// schema, the server's env bounds and direction, and the workflow's resolution must all follow every entry.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { applyServerPolicy } from '../../client/apply-server-policy';
import { PolicyNotAllowed } from '../../client/errors';
import { POLICY_DOC, POLICY_TABLE_END, POLICY_TABLE_START, withPolicyTable } from '../../contract/policy-docs';
import { DEFAULT_POLICY, POLICY_FIELDS, POLICY_SETTINGS, isCountField } from '../../contract/policy';
import { policySchema } from '../../contract/request-schemas';
import { durationMs } from '../../contract/rules';
import { loadServerPolicy, ServerPolicyConfigError } from '../../contract/server-policy';
import { resolvePolicy } from '../../workflows/policy';

describe('the policy table', () => {
  test('docs/gateway.md holds the table as `npm run contract:generate` writes it', () => {
    const doc = readFileSync(POLICY_DOC, 'utf8');
    expect(doc).toContain(POLICY_TABLE_START);
    expect(doc).toContain(POLICY_TABLE_END);
    expect(doc, 'the policy table in docs/gateway.md is stale: npm run contract:generate').toBe(withPolicyTable(doc));
  });

  test.each(POLICY_FIELDS)('%s: its env var is read within floor and ceiling', (field) => {
    const { env, floor, ceiling } = POLICY_SETTINGS[field];
    const base = { ACTIVATION_POLICY_BOUNDS: 'enforce' };
    expect(loadServerPolicy({ ...base, [env]: String(floor) }).policy[field]).toBe(floor);
    expect(loadServerPolicy({ ...base, [env]: String(ceiling) }).policy[field]).toBe(ceiling);
    expect(() => loadServerPolicy({ ...base, [env]: String(ceiling + 1) })).toThrow(ServerPolicyConfigError);
    if (floor > 0) expect(() => loadServerPolicy({ ...base, [env]: String(floor - 1) })).toThrow(env);
    expect(loadServerPolicy(base).policy[field]).toBe(DEFAULT_POLICY[field]);
  });

  test.each(POLICY_FIELDS)('%s: a request may only move it the tighter way', (field) => {
    const { direction, floor, ceiling } = POLICY_SETTINGS[field];
    const server = { ...DEFAULT_POLICY, [field]: isCountField(field) ? 3 : 60_000 };
    const tighter = direction === 'max' ? (isCountField(field) ? 2 : 30_000) : isCountField(field) ? 4 : 90_000;
    const looser = direction === 'max' ? (isCountField(field) ? 4 : 90_000) : isCountField(field) ? 2 : 30_000;
    expect(floor).toBeLessThanOrEqual(ceiling);
    expect(applyServerPolicy({ [field]: tighter }, server)[field]).toBe(tighter);
    expect(() => applyServerPolicy({ [field]: looser }, server)).toThrow(PolicyNotAllowed);
  });

  test.each(POLICY_FIELDS)(
    '%s: the request schema and the workflow take its default and refuse past its bound',
    (field) => {
      const { ceiling } = POLICY_SETTINGS[field];
      expect(policySchema.safeParse({ [field]: DEFAULT_POLICY[field] }).success).toBe(true);
      const pastBound = isCountField(field) ? 101 : ceiling + 1;
      expect(policySchema.safeParse({ [field]: pastBound }).success).toBe(false);
      const resolved = resolvePolicy({}) as unknown as Record<string, number>;
      const key = isCountField(field) ? field : `${field}Ms`;
      expect(resolved[key]).toBe(isCountField(field) ? DEFAULT_POLICY[field] : durationMs(DEFAULT_POLICY[field]));
    },
  );

  test('the grace window and the margin after an extension are one OTP lifetime, as every recorded history has them', () => {
    for (const otpTtl of [2_000, '5m', 86_400_000]) {
      const resolved = resolvePolicy({ otpTtl });
      expect(resolved.otpGraceWindowMs).toBe(resolved.otpTtlMs);
      expect(resolved.deadlineMarginAfterExtensionMs).toBe(resolved.otpTtlMs);
    }
  });
});
