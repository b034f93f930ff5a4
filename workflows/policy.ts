// Turns the caller's partial policy into numbers the workflow can compute with, rejecting values
// that would make the state machine meaningless (a zero TTL, a negative attempt count) or that no Date
// can hold (issue 27: a duration over its ceiling, contract/policy.ts). Every setting, its default and its
// ceiling come from the policy table (contract/policy.ts).
import { ApplicationFailure, patched } from '@temporalio/workflow';
import {
  DEFAULT_POLICY,
  POLICY_DURATION_CEILINGS_MS,
  POLICY_FIELDS,
  deadlineMarginAfterExtensionMs,
  isCountField,
  otpGraceWindowMs,
  type Policy,
  type PolicyCountField,
  type PolicyDurationField,
  type PolicyField,
} from '../contract/policy';
import { FAILURE_TYPES, LIMITS, describeCeiling, isPolicyCount, policyDurationMs } from '../contract/rules';

/**
 * The policy in numbers: each count setting of the table (contract/policy.ts) as is, each duration setting in
 * milliseconds as `<setting>Ms`, and the windows the table derives from the OTP's lifetime.
 */
export type ResolvedPolicy = {
  [F in PolicyField as F extends PolicyCountField ? F : `${F & PolicyDurationField}Ms`]: number;
} & {
  /** After an OTP expired, how long the user may still ask for a new one (contract/policy.ts). */
  otpGraceWindowMs: number;
  /** How far past an extended step the overall deadline moves (contract/policy.ts). */
  deadlineMarginAfterExtensionMs: number;
};

function durationMs(name: PolicyField, value: unknown): number {
  const ms = policyDurationMs(value);
  if (ms === undefined) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `policy.${name} must be a duration such as 300000 or '5m'`,
      nonRetryable: true,
    });
  }
  return ms;
}

function positiveCount(name: PolicyField, value: unknown): number {
  if (!isPolicyCount(value)) {
    const { min, max } = LIMITS.policyCount;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `policy.${name} must be an integer between ${min} and ${max}`,
      nonRetryable: true,
    });
  }
  return value;
}

/**
 * The policy a run computes with. A duration over its ceiling fails the run at once, as invalid input,
 * before any timer or Date is computed from it: the workflow is not only reached through the gateway's
 * schema (contract/request-schemas.ts), and a value such as 1e20 ms used to fail every workflow task after the SMS
 * was sent. patched(): runs recorded before the ceilings kept such values; only a policy over a ceiling
 * meets the patch, so every other history is unchanged.
 */
export function resolvePolicy(overrides: Partial<Policy> | undefined): ResolvedPolicy {
  const resolved = resolveWithoutCeilings(overrides);
  const over = overCeilings(overrides);
  if (over.length && patched('policy-ceilings')) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `invalid activation input: ${over.map((o) => `policy.${o.field} ${o.message}`).join('; ')}`,
      nonRetryable: true,
      details: [over],
    });
  }
  return resolved;
}

/** The fields of a policy that exceed their ceiling, as field problems. */
export function overCeilings(overrides: Partial<Policy> | undefined): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  for (const [field, ceiling] of Object.entries(POLICY_DURATION_CEILINGS_MS) as Array<[PolicyDurationField, number]>) {
    const ms = policyDurationMs(overrides?.[field]);
    if (ms !== undefined && ms > ceiling)
      problems.push({ field, message: `must be at most ${describeCeiling(ceiling)}` });
  }
  return problems;
}

function resolveWithoutCeilings(overrides: Partial<Policy> | undefined): ResolvedPolicy {
  const p: Policy = { ...DEFAULT_POLICY, ...stripUndefined(overrides ?? {}) };
  // In the table's order, so the first bad setting is the one reported, as it always was.
  const numbers: Record<string, number> = {};
  for (const field of POLICY_FIELDS) {
    if (isCountField(field)) numbers[field] = positiveCount(field, p[field]);
    else numbers[`${field}Ms`] = durationMs(field, p[field]);
  }
  const otpTtlMs = numbers.otpTtlMs!;
  return {
    ...(numbers as Omit<ResolvedPolicy, 'otpGraceWindowMs' | 'deadlineMarginAfterExtensionMs'>),
    otpGraceWindowMs: otpGraceWindowMs(otpTtlMs),
    deadlineMarginAfterExtensionMs: deadlineMarginAfterExtensionMs(otpTtlMs),
  } as ResolvedPolicy;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
