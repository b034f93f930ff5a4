// The server's policy (issue 12, "limits are caller input"): the limits that protect users and Vlens
// (OTP sends and attempts, resend cooldown, how often the payment loop calls Vlens, how long anything
// may live) are configured by the operator of the gateway, not by whoever calls POST /v1/activations.
// A request's `policy` may only tighten them; anything looser is refused before a workflow starts, with a
// typed 422 naming the field (PolicyNotAllowed). The workflow itself (workflows/policy.ts) only checks
// that values are well formed; it cannot know which caller may ask for what.
//
// Env (all optional; defaults are the workflow's DEFAULT_POLICY, contract/types.ts):
//   ACTIVATION_POLICY_OTP_TTL, _MAX_OTP_ATTEMPTS, _MAX_OTP_SENDS, _RESEND_COOLDOWN, _LIVENESS_TIMEOUT,
//   _MAX_LIVENESS_ATTEMPTS, _PAYMENT_TIMEOUT, _PAYMENT_RECONCILE_INITIAL, _PAYMENT_RECONCILE_MAX,
//   _DEADLINE, _LATE_PAYMENT_WINDOW   (durations as milliseconds or '30s', '5m', '24h')
//   ACTIVATION_POLICY_BOUNDS=enforce|off   (off: development only; production refuses it)
// The same variables tell the worker how long the longest activation can live (worker/data-safety.ts
// checks IMAGE_MAX_AGE_HOURS against it).
import { POLICY_DURATION_CEILINGS_MS as CEILING, policyDurationMs as durationMs } from './rules';
import { DEFAULT_POLICY, type Policy } from './types';
import type { FieldProblem } from './input-checks';

type Field = keyof Policy;

/**
 * Which way is "tighter" for each field: `max` fields (counts, time allowed) may only be lowered by a
 * request, `min` fields (waits between SMS, between Vlens polls) may only be raised.
 */
export const POLICY_DIRECTION: Record<Field, 'max' | 'min'> = {
  otpTtl: 'max',
  maxOtpAttempts: 'max',
  maxOtpSends: 'max',
  resendCooldown: 'min',
  livenessTimeout: 'max',
  maxLivenessAttempts: 'max',
  paymentTimeout: 'max',
  paymentReconcileInitial: 'min',
  paymentReconcileMax: 'min',
  deadline: 'max',
  latePaymentWindow: 'max',
};

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * What an operator may configure at most loosely. Floors: an SMS at most every 10 s, Vlens polled at most
 * every 5 s per activation (each poll is a history event too: at 5 s a day is ~17k polls, far below
 * Temporal's 50k-event limit), an OTP valid at least 30 s. Ceilings: no more than 10 SMS or attempts, no
 * activation longer than 7 days (images and client secrets live that long at most).
 */
export const POLICY_LIMITS: Record<Field, { min: number; max: number }> = {
  otpTtl: { min: 30 * SECOND, max: CEILING.otpTtl },
  maxOtpAttempts: { min: 1, max: 10 },
  maxOtpSends: { min: 1, max: 10 },
  resendCooldown: { min: 10 * SECOND, max: CEILING.resendCooldown },
  livenessTimeout: { min: MINUTE, max: CEILING.livenessTimeout },
  maxLivenessAttempts: { min: 1, max: 10 },
  paymentTimeout: { min: MINUTE, max: CEILING.paymentTimeout },
  paymentReconcileInitial: { min: 5 * SECOND, max: CEILING.paymentReconcileInitial },
  paymentReconcileMax: { min: 5 * SECOND, max: CEILING.paymentReconcileMax },
  deadline: { min: 5 * MINUTE, max: CEILING.deadline },
  latePaymentWindow: { min: 0, max: CEILING.latePaymentWindow },
};

const COUNT_FIELDS = new Set<Field>(['maxOtpAttempts', 'maxOtpSends', 'maxLivenessAttempts']);

export const POLICY_ENV: Record<Field, string> = {
  otpTtl: 'ACTIVATION_POLICY_OTP_TTL',
  maxOtpAttempts: 'ACTIVATION_POLICY_MAX_OTP_ATTEMPTS',
  maxOtpSends: 'ACTIVATION_POLICY_MAX_OTP_SENDS',
  resendCooldown: 'ACTIVATION_POLICY_RESEND_COOLDOWN',
  livenessTimeout: 'ACTIVATION_POLICY_LIVENESS_TIMEOUT',
  maxLivenessAttempts: 'ACTIVATION_POLICY_MAX_LIVENESS_ATTEMPTS',
  paymentTimeout: 'ACTIVATION_POLICY_PAYMENT_TIMEOUT',
  paymentReconcileInitial: 'ACTIVATION_POLICY_PAYMENT_RECONCILE_INITIAL',
  paymentReconcileMax: 'ACTIVATION_POLICY_PAYMENT_RECONCILE_MAX',
  deadline: 'ACTIVATION_POLICY_DEADLINE',
  latePaymentWindow: 'ACTIVATION_POLICY_LATE_PAYMENT_WINDOW',
};

const FIELDS = Object.keys(POLICY_DIRECTION) as Field[];

/** A policy field as a number (milliseconds for durations). */
function numeric(field: Field, value: Policy[Field]): number | undefined {
  if (COUNT_FIELDS.has(field)) return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  return durationMs(value);
}

export class ServerPolicyConfigError extends Error {
  override name = 'ServerPolicyConfigError';
}

export interface ServerPolicySettings {
  /** The loosest policy a request may get; also what a request that sends no policy gets. */
  policy: Policy;
  /** false: requests may loosen it (development only). */
  enforce: boolean;
}

/** Reads ACTIVATION_POLICY_*; every value must lie within POLICY_LIMITS. Throws naming each bad variable. */
export function loadServerPolicy(env: NodeJS.ProcessEnv = process.env): ServerPolicySettings {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const policy: Policy = { ...DEFAULT_POLICY };
  for (const field of FIELDS) {
    const name = POLICY_ENV[field];
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = COUNT_FIELDS.has(field) ? Number(raw) : /^\d+$/.test(raw) ? Number(raw) : raw;
    const ms = numeric(field, value);
    const { min, max } = POLICY_LIMITS[field];
    if (ms === undefined)
      problems.push(
        `${name}: ${COUNT_FIELDS.has(field) ? 'must be a whole number' : "must be a duration such as 30000 or '30s'"}`,
      );
    else if (ms < min || ms > max)
      problems.push(`${name}: must be between ${describe(field, min)} and ${describe(field, max)}`);
    else (policy as unknown as Record<string, number | string>)[field] = value;
  }
  const bounds = env.ACTIVATION_POLICY_BOUNDS?.trim() || (production ? 'enforce' : 'off');
  if (bounds !== 'enforce' && bounds !== 'off')
    problems.push(`ACTIVATION_POLICY_BOUNDS: must be "enforce" or "off", got "${bounds}"`);
  if (bounds === 'off' && production)
    problems.push('ACTIVATION_POLICY_BOUNDS: "off" is refused when NODE_ENV=production');
  if (problems.length) throw new ServerPolicyConfigError(`invalid activation policy: ${problems.join('; ')}`);
  return { policy, enforce: bounds === 'enforce' };
}

function describe(field: Field, value: number): string {
  if (COUNT_FIELDS.has(field)) return String(value);
  if (value % DAY === 0 && value) return `${value / DAY}d`;
  if (value % HOUR === 0 && value) return `${value / HOUR}h`;
  if (value % MINUTE === 0 && value) return `${value / MINUTE}m`;
  return `${value / SECOND}s`;
}

/**
 * The fields a request tried to loosen against the server's policy, each named `policy.<field>`; empty when
 * the request only tightens it (client/apply-server-policy.ts refuses the others with PolicyNotAllowed).
 */
export function loosenedFields(requested: Partial<Policy> | undefined, server: Policy): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of FIELDS) {
    const value = requested?.[field];
    if (value === undefined) continue;
    const asked = numeric(field, value);
    const allowed = numeric(field, server[field]);
    if (asked === undefined || allowed === undefined) continue; // the schema already refused malformed values
    if (POLICY_DIRECTION[field] === 'max' && asked > allowed) {
      problems.push({
        field: `policy.${field}`,
        message: `may only tighten the server's policy: at most ${describe(field, allowed)}`,
      });
    } else if (POLICY_DIRECTION[field] === 'min' && asked < allowed) {
      problems.push({
        field: `policy.${field}`,
        message: `may only tighten the server's policy: at least ${describe(field, allowed)}`,
      });
    }
  }
  return problems;
}

/** The server's policy tightened by a request that `loosenedFields` found nothing wrong with. */
export function tightenedPolicy(requested: Partial<Policy> | undefined, server: Policy): Policy {
  return { ...server, ...stripUndefined(requested ?? {}) };
}

/**
 * How long an activation with this policy can live: its overall deadline plus the late-payment window
 * the workflow stays open for after a failure (workflows/activation.ts). An operator's deadline
 * extension can go beyond it; that is an operator's decision, see client/gateway/client-secret.ts for what follows.
 */
export function maxLifeMs(policy: Partial<Policy> | undefined): number {
  const full = { ...DEFAULT_POLICY, ...stripUndefined(policy ?? {}) };
  return (durationMs(full.deadline) ?? 0) + (durationMs(full.latePaymentWindow) ?? 0);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
