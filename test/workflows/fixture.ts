// The workflow core without a Temporal server: a record built with a fake ActivationEffects that writes down
// every search attribute, memo and metric call (workflows/effects.ts), the clock held by vitest's fake Date,
// and a stand-in for the run where a step needs one (the real ActivationRun makes a CancellationScope, which
// only exists inside a workflow).
import { vi } from 'vitest';
import type { LivenessImages, VlensActivities } from '../../contract/activities';
import type { Policy } from '../../contract/policy';
import type { ActivationState, AppMessage } from '../../contract/types';
import { ActivationRecord } from '../../workflows/activation-record';
import type { BusinessMetrics } from '../../workflows/business-metrics';
import type { ActivationEffects } from '../../workflows/effects';
import { resolvePolicy } from '../../workflows/policy';
import type { ActivationRunInput, CarriedRecord } from '../../workflows/record-data';
import { ActivationRun } from '../../workflows/run';
import { StepLock } from '../../workflows/step-lock';

/** 2026-01-01T00:00:00Z: every test starts its clock here. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;

/** Small numbers, so each counter runs out in a few steps. */
export const POLICY: Partial<Policy> = {
  otpTtl: '2m',
  maxOtpAttempts: 3,
  maxOtpSends: 3,
  resendCooldown: '30s',
  livenessTimeout: '10m',
  maxLivenessAttempts: 2,
  paymentTimeout: '30m',
  paymentReconcileInitial: '1m',
  paymentReconcileMax: '5m',
  deadline: '24h',
};

export const DEVICE = { geoLocation: { latitude: 30.04, longitude: 31.24 }, userDeviceUtcTime: '2026-01-01T00:00:00Z' };
export const APP: AppMessage = { device: DEVICE };
export const IMAGES: LivenessImages = { image: 'blob:selfie-1' };
export const OPERATOR = { operator: 'ops@example.com', reason: 'customer called' };

/** One call the record made beyond its own data. */
export type EffectCall =
  | { kind: 'stateAttribute'; state: ActivationState }
  | { kind: 'attentionMemo'; reason: string | undefined }
  | { kind: 'metric'; name: keyof BusinessMetrics; args: unknown[] };

export class FakeEffects implements ActivationEffects {
  readonly calls: EffectCall[] = [];
  readonly metrics: BusinessMetrics;

  constructor() {
    const metric =
      (name: keyof BusinessMetrics) =>
      (...args: unknown[]) => {
        this.calls.push({ kind: 'metric', name, args });
      };
    this.metrics = {
      started: metric('started'),
      finished: metric('finished'),
      wrongOtp: metric('wrongOtp'),
      livenessRequired: metric('livenessRequired'),
      paymentLinkIssued: metric('paymentLinkIssued'),
      paymentHintDropped: metric('paymentHintDropped'),
      timeInState: metric('timeInState'),
    };
  }

  stateAttribute(state: ActivationState): void {
    this.calls.push({ kind: 'stateAttribute', state });
  }
  attentionMemo(reason: string | undefined): void {
    this.calls.push({ kind: 'attentionMemo', reason });
  }

  /** The calls so far, forgotten: each assertion sees only what one step did. */
  take(): EffectCall[] {
    return this.calls.splice(0);
  }
  metricNames(calls: EffectCall[] = this.calls): string[] {
    return calls.flatMap((call) => (call.kind === 'metric' ? [call.name] : []));
  }
}

export interface Built {
  rec: ActivationRecord;
  effects: FakeEffects;
}

export interface BuildOptions {
  policy?: Partial<Policy>;
  spent?: ActivationRunInput['spent'];
  carried?: CarriedRecord;
  lean?: boolean;
  paymentGateway?: string;
}

/** A fresh activation as a run starts it, at the fake clock's now. */
export function build(options: BuildOptions = {}): Built {
  const effects = new FakeEffects();
  const input: ActivationRunInput = {
    requestId: '3f0c5a52-8b1e-4c55-9d1b-0d6c1c1f2a10',
    device: DEVICE,
    ...(options.paymentGateway ? { paymentGateway: options.paymentGateway } : {}),
    ...(options.spent ? { spent: options.spent } : {}),
    ...(options.carried ? { carried: options.carried } : {}),
  };
  const policy = resolvePolicy(options.policy ?? POLICY);
  // As activation.ts does: a continued run keeps the first run's start.
  const startedAt = options.carried?.startedAt ?? Date.now();
  const rec = new ActivationRecord(input, policy, 'activation-test', startedAt, options.lean ?? true, effects);
  return { rec, effects };
}

/** A record put straight into `state`, as a continued run takes it over (no transition, no effect). */
export function inState(state: ActivationState, options: BuildOptions = {}): Built {
  const built = build(options);
  built.rec.machine.restore({ ...built.rec.machine.snapshot(), state });
  return built;
}

/** Moves the fake clock on. */
export function advance(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

/** The OTP went out: requesting_otp -> awaiting_otp, as otp.ts's requestOtp does it. */
export function otpSent(rec: ActivationRecord, otpRequestId = 'otp-1'): void {
  rec.otp.sent(otpRequestId, Date.now());
  rec.machine.moveTo('awaiting_otp');
}

/**
 * The run a step works with: the real ActivationRun's methods (how a Vlens failure reaches the caller, how an
 * unrecognised answer holds a step) and a real StepLock, with Vlens answered by `vlens` and the main loop's
 * cancellation scope replaced by a spy.
 */
export function runOf(rec: ActivationRecord, vlens: Partial<VlensActivities> = {}) {
  const mainScope = { cancel: vi.fn() };
  const run = Object.create(ActivationRun.prototype) as ActivationRun;
  Object.defineProperties(run, {
    rec: { value: rec },
    lock: { value: new StepLock() },
    mainScope: { value: mainScope },
    repeatableUserFacingVlens: { value: vlens },
  });
  return { run, mainScope };
}

/** The ApplicationFailure type a call throws, or 'accepted' when it returns. */
export function verdict(call: () => unknown): string {
  try {
    call();
    return 'accepted';
  } catch (error) {
    return (error as { type?: string }).type ?? String(error);
  }
}

/** The same for a call that settles later. */
export async function verdictOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'accepted';
  } catch (error) {
    return (error as { type?: string }).type ?? String(error);
  }
}
