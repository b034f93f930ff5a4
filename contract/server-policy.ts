// The server's policy (issue 12, "limits are caller input"): the limits that protect users and Vlens
// (OTP sends and attempts, resend cooldown, how often the payment loop calls Vlens, how long anything
// may live) are configured by the operator of the gateway, not by whoever calls POST /v1/activations.
// A request's `policy` may only tighten them; anything looser is refused before a workflow starts, with a
// typed 422 naming the field (PolicyNotAllowed). The workflow itself (workflows/policy.ts) only checks
// that values are well formed; it cannot know which caller may ask for what.
//
// Env (all optional): one ACTIVATION_POLICY_* variable per setting of the policy table (contract/policy.ts,
// which names each and its floor and ceiling; durations as milliseconds or '30s', '5m', '24h'), and
//   ACTIVATION_POLICY_BOUNDS=enforce|off   (off: development only; production refuses it)
// The same variables tell the worker how long the longest activation can live (worker/data-safety.ts
// checks IMAGE_MAX_AGE_HOURS against it).
import { policyDurationMs as durationMs } from './rules';
import type { FieldProblem } from './input-checks';
import { DEFAULT_POLICY, POLICY_FIELDS, POLICY_SETTINGS, isCountField, type Policy, type PolicyField } from './policy';

type Field = PolicyField;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A policy field as a number (milliseconds for durations). */
function numeric(field: Field, value: Policy[Field]): number | undefined {
  if (isCountField(field)) return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
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

/** Reads ACTIVATION_POLICY_*; every value must lie within its floor and ceiling. Throws naming each bad variable. */
export function loadServerPolicy(env: NodeJS.ProcessEnv = process.env): ServerPolicySettings {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const policy: Policy = { ...DEFAULT_POLICY };
  for (const field of POLICY_FIELDS) {
    const { env: name, floor: min, ceiling: max } = POLICY_SETTINGS[field];
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = isCountField(field) ? Number(raw) : /^\d+$/.test(raw) ? Number(raw) : raw;
    const ms = numeric(field, value);
    if (ms === undefined)
      problems.push(
        `${name}: ${isCountField(field) ? 'must be a whole number' : "must be a duration such as 30000 or '30s'"}`,
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
  if (isCountField(field)) return String(value);
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
  for (const field of POLICY_FIELDS) {
    const value = requested?.[field];
    if (value === undefined) continue;
    const asked = numeric(field, value);
    const allowed = numeric(field, server[field]);
    if (asked === undefined || allowed === undefined) continue; // the schema already refused malformed values
    const { direction } = POLICY_SETTINGS[field];
    if (direction === 'max' && asked > allowed) {
      problems.push({
        field: `policy.${field}`,
        message: `may only tighten the server's policy: at most ${describe(field, allowed)}`,
      });
    } else if (direction === 'min' && asked < allowed) {
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
 * extension can go beyond it; that is an operator's decision, see contract/client-secret.ts for what follows.
 */
export function maxLifeMs(policy: Partial<Policy> | undefined): number {
  const full = { ...DEFAULT_POLICY, ...stripUndefined(policy ?? {}) };
  return (durationMs(full.deadline) ?? 0) + (durationMs(full.latePaymentWindow) ?? 0);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
