// The activation policy, one entry per setting: its default, its unit, which way a request may move it, the
// bounds an operator may configure it within, and the env var that configures it. Everything else is derived
// from this table: the request schema (contract/request-schemas.ts), the server's policy and its bounds
// (contract/server-policy.ts), the workflow's resolution and its ceilings (workflows/policy.ts) and the table
// in docs/gateway.md ("The activation policy"; test/contract/policy-table.test.ts fails when it drifts,
// `npm run contract:generate` rewrites it). To change the OTP expiry, change `otpTtl.default` below; a
// deployment that sets ACTIVATION_POLICY_OTP_TTL overrides it.
//
// It runs inside the workflow sandbox (the defaults and ceilings): plain data, no imports.

/**
 * How long each human step may take. Durations are Temporal durations: milliseconds as a number or a
 * string such as '5m' or '30 seconds', so tests can shrink every one of them.
 */
export type Duration = string | number;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

export interface PolicySetting {
  /** What a request that names no value gets, unless the deployment's env var sets another. */
  default: Duration | number;
  /** `duration`: milliseconds or '5m'; `count`: a whole number. */
  unit: 'duration' | 'count';
  /**
   * Which way is tighter: a request may only lower a `max` setting (counts, time allowed) and only raise a
   * `min` setting (waits between SMS, between Vlens polls) against the server's policy.
   */
  direction: 'max' | 'min';
  /** The loosest an operator may configure (milliseconds for durations). */
  floor: number;
  /**
   * The most an operator may configure. For durations also what a request and the workflow itself refuse
   * above (issue 27: `resendCooldown: 1e20` overflowed a Date and wedged the workflow), "at least" settings
   * included; nothing is longer than 7 days, the longest an activation may live.
   */
  ceiling: number;
  /** The env var the gateway and the worker read it from (contract/server-policy.ts). */
  env: `ACTIVATION_POLICY_${string}`;
  /** What it means, for the docs table. */
  means: string;
}

// Floors: an SMS at most every 10 s, Vlens polled at most every 5 s per activation (each poll is a history
// event too: at 5 s a day is ~17k polls, far below Temporal's 50k-event limit), an OTP valid at least 30 s.
// Ceilings: no more than 10 SMS or attempts, no activation longer than 7 days (images and client secrets
// live that long at most).
export const POLICY_SETTINGS = {
  otpTtl: {
    default: '5m',
    unit: 'duration',
    direction: 'max',
    floor: 30 * SECOND,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_OTP_TTL',
    means: 'How long an OTP is valid',
  },
  maxOtpAttempts: {
    default: 5,
    unit: 'count',
    direction: 'max',
    floor: 1,
    ceiling: 10,
    env: 'ACTIVATION_POLICY_MAX_OTP_ATTEMPTS',
    means: 'Wrong codes allowed per requestId; the one that reaches it fails the activation (otp_attempts_exhausted)',
  },
  maxOtpSends: {
    default: 5,
    unit: 'count',
    direction: 'max',
    floor: 1,
    ceiling: 10,
    env: 'ACTIVATION_POLICY_MAX_OTP_SENDS',
    means: 'SMS per requestId, the first one and every resend',
  },
  resendCooldown: {
    default: '30s',
    unit: 'duration',
    direction: 'min',
    floor: 10 * SECOND,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_RESEND_COOLDOWN',
    means: 'The wait between two SMS',
  },
  livenessTimeout: {
    default: '15m',
    unit: 'duration',
    direction: 'max',
    floor: MINUTE,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_LIVENESS_TIMEOUT',
    means: 'How long the user has to send the selfies when Vlens asks for them',
  },
  maxLivenessAttempts: {
    default: 3,
    unit: 'count',
    direction: 'max',
    floor: 1,
    ceiling: 10,
    env: 'ACTIVATION_POLICY_MAX_LIVENESS_ATTEMPTS',
    means: 'Rejected selfies before the activation fails (liveness_rejected)',
  },
  paymentTimeout: {
    default: '30m',
    unit: 'duration',
    direction: 'max',
    floor: MINUTE,
    ceiling: 7 * DAY,
    env: 'ACTIVATION_POLICY_PAYMENT_TIMEOUT',
    means: 'How long the user has to pay once the payment link is out',
  },
  paymentReconcileInitial: {
    default: '2m',
    unit: 'duration',
    direction: 'min',
    floor: 5 * SECOND,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_PAYMENT_RECONCILE_INITIAL',
    means: 'StepValidatePayment is polled while awaiting payment, first after this, doubling up to the max',
  },
  paymentReconcileMax: {
    default: '10m',
    unit: 'duration',
    direction: 'min',
    floor: 5 * SECOND,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_PAYMENT_RECONCILE_MAX',
    means: 'The longest gap between two payment polls',
  },
  deadline: {
    default: '24h',
    unit: 'duration',
    direction: 'max',
    floor: 5 * MINUTE,
    ceiling: 7 * DAY,
    env: 'ACTIVATION_POLICY_DEADLINE',
    means: 'The whole activation, from start to the last step',
  },
  latePaymentWindow: {
    default: '15m',
    unit: 'duration',
    direction: 'max',
    floor: 0,
    ceiling: DAY,
    env: 'ACTIVATION_POLICY_LATE_PAYMENT_WINDOW',
    means:
      'After a failure or cancellation that came once a payment link was out, the workflow stays open this ' +
      'long so a late payment notification can still flag it (needsAttention) for a refund',
  },
} as const satisfies Record<string, PolicySetting>;

export type PolicyField = keyof typeof POLICY_SETTINGS;
type UnitOf<F extends PolicyField> = (typeof POLICY_SETTINGS)[F]['unit'];
export type PolicyDurationField = { [F in PolicyField]: UnitOf<F> extends 'duration' ? F : never }[PolicyField];
export type PolicyCountField = Exclude<PolicyField, PolicyDurationField>;

/** A complete policy: every duration a Temporal duration, every count a whole number. */
export type Policy = { [F in PolicyField]: UnitOf<F> extends 'count' ? number : Duration };

/** The table's settings in its order (the order every check reports problems in). */
export const POLICY_FIELDS = Object.keys(POLICY_SETTINGS) as PolicyField[];

export function isCountField(field: PolicyField): field is PolicyCountField {
  return POLICY_SETTINGS[field].unit === 'count';
}

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze(
  Object.fromEntries(POLICY_FIELDS.map((field) => [field, POLICY_SETTINGS[field].default])) as Policy,
);

/** Each duration setting's ceiling in milliseconds: above it a request and the workflow refuse the value. */
export const POLICY_DURATION_CEILINGS_MS = Object.freeze(
  Object.fromEntries(
    POLICY_FIELDS.filter((field) => !isCountField(field)).map((field) => [field, POLICY_SETTINGS[field].ceiling]),
  ) as Record<PolicyDurationField, number>,
);

// ---- windows derived from the OTP's lifetime ---------------------------------------------------------------
// Named so that the OTP expiry above is the only thing to change for the OTP expiry. Both are one OTP lifetime
// because every recorded history (test/histories/) has them so; a change to either moves timers, so it needs a
// patched() marker in the workflow.

/**
 * The grace window: after an OTP expired, the user may still ask for a new one for this long; past it the
 * activation fails `otp_expired` (docs/design.md).
 */
export function otpGraceWindowMs(otpTtlMs: number): number {
  return otpTtlMs;
}

/**
 * When an operator extends a step (`ops extend-deadline`), the activation's overall deadline moves to at least
 * the step's new end plus this margin, so the extended step is not cut short by the overall deadline.
 */
export function deadlineMarginAfterExtensionMs(otpTtlMs: number): number {
  return otpTtlMs;
}
