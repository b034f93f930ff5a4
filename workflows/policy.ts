// Turns the caller's partial policy into numbers the workflow can compute with, rejecting values
// that would make the state machine meaningless (a zero TTL, a negative attempt count) or that no Date
// can hold (issue 27: a duration over its ceiling, rules.ts).
import { ApplicationFailure, patched } from '@temporalio/workflow';
import {
  FAILURE_TYPES,
  LIMITS,
  POLICY_DURATION_CEILINGS_MS,
  describeCeiling,
  isPolicyCount,
  policyDurationMs,
  type PolicyDurationField,
} from '../contract/rules';
import { DEFAULT_POLICY, type Policy } from '../contract/types';

export interface ResolvedPolicy {
  otpTtlMs: number;
  maxOtpAttempts: number;
  maxOtpSends: number;
  resendCooldownMs: number;
  livenessTimeoutMs: number;
  maxLivenessAttempts: number;
  paymentTimeoutMs: number;
  paymentReconcileInitialMs: number;
  paymentReconcileMaxMs: number;
  deadlineMs: number;
  latePaymentWindowMs: number;
}

function durationMs(name: keyof Policy, value: unknown): number {
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

function positiveCount(name: keyof Policy, value: unknown): number {
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
  return {
    otpTtlMs: durationMs('otpTtl', p.otpTtl),
    maxOtpAttempts: positiveCount('maxOtpAttempts', p.maxOtpAttempts),
    maxOtpSends: positiveCount('maxOtpSends', p.maxOtpSends),
    resendCooldownMs: durationMs('resendCooldown', p.resendCooldown),
    livenessTimeoutMs: durationMs('livenessTimeout', p.livenessTimeout),
    maxLivenessAttempts: positiveCount('maxLivenessAttempts', p.maxLivenessAttempts),
    paymentTimeoutMs: durationMs('paymentTimeout', p.paymentTimeout),
    paymentReconcileInitialMs: durationMs('paymentReconcileInitial', p.paymentReconcileInitial),
    paymentReconcileMaxMs: durationMs('paymentReconcileMax', p.paymentReconcileMax),
    deadlineMs: durationMs('deadline', p.deadline),
    latePaymentWindowMs: durationMs('latePaymentWindow', p.latePaymentWindow),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
