// Turns the caller's partial policy into numbers the workflow can compute with, rejecting values
// that would make the state machine meaningless (a zero TTL, a negative attempt count).
import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE_TYPES, LIMITS, isPolicyCount, policyDurationMs } from './rules';
import { DEFAULT_POLICY, type Policy } from './types';

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

export function resolvePolicy(overrides: Partial<Policy> | undefined): ResolvedPolicy {
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
