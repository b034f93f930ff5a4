// The activation's record: the Vlens call context and the overall deadline, the state machine, and one
// record per step (otp/otp-record.ts, liveness/liveness-record.ts, payment/payment-record.ts), each owning
// its data, its counters, its part of the status and what it carries across a continue-as-new. The steps
// (otp/otp.ts, liveness/liveness.ts, payment/payment.ts) read and change it; the status object is built
// in status.ts.
import type { VlensCallContext } from '../contract/activities';
import type { ActivationStatus, AppMessage } from '../contract/types';
import type { ActivationEffects } from './effects';
import { LivenessRecord } from './liveness/liveness-record';
import { OtpRecord } from './otp/otp-record';
import { PaymentRecord } from './payment/payment-record';
import type { ResolvedPolicy } from './policy';
import type { ActivationRunInput, CarriedRecord } from './record-data';
import { StateMachine } from './state-machine';
import { buildStatus } from './status';

export class ActivationRecord {
  readonly machine: StateMachine;
  readonly otp: OtpRecord;
  readonly liveness: LivenessRecord;
  readonly payment: PaymentRecord;
  private callContext: VlensCallContext;
  private overallDeadlineAt: number;
  private runCount = 1;

  /** @param leanHistory this run started with the lean-history patch (lean-history.ts). */
  constructor(
    input: ActivationRunInput,
    readonly policy: ResolvedPolicy,
    readonly workflowId: string,
    readonly startedAt: number,
    leanHistory: boolean,
    effects: ActivationEffects,
  ) {
    this.machine = new StateMachine(startedAt, leanHistory, effects);
    this.otp = new OtpRecord(this.machine, policy, effects.metrics, startedAt, input.spent);
    this.liveness = new LivenessRecord(this.machine, policy, effects.metrics);
    this.payment = new PaymentRecord(this.machine, policy, effects.metrics);
    const { requestId, transactionId, contractStorageId, paymentGateway, smsProvider, device, accessToken } = input;
    this.callContext = {
      requestId,
      transactionId,
      contractStorageId,
      paymentGateway,
      smsProvider,
      device,
      accessToken,
    };
    this.overallDeadlineAt = startedAt + policy.deadlineMs;
    if (input.carried) this.restore(input.carried);
  }

  /** What every Vlens call carries: the request, the transaction, the device's latest position and token. */
  get ctx(): Readonly<VlensCallContext> {
    return this.callContext;
  }
  /** The overall deadline: the activation fails once it passes (operators may push it back). */
  get deadlineAt(): number {
    return this.overallDeadlineAt;
  }
  get leanHistory(): boolean {
    return this.machine.leanHistory;
  }
  /** Runs of this activation so far (continue-as-new), this one included. */
  get runs(): number {
    return this.runCount;
  }

  /** The app's latest position, clock and token win: Vlens compares the current position. */
  absorb(message: AppMessage): void {
    this.callContext.device = message.device;
    if (message.accessToken) this.callContext.accessToken = message.accessToken;
  }

  /** Vlens names the transaction in its OTP answer; later calls carry it. */
  transactionIs(transactionId: string): void {
    this.callContext.transactionId = transactionId;
  }

  /**
   * An operator pushed back the OTP's expiry or the payment deadline. The overall deadline follows when it
   * would cut the step short, with a margin after the step's new end (contract/policy.ts).
   */
  deadlineExtended(step: 'otp' | 'payment', ms: number, by: string): void {
    const now = Date.now();
    if (step === 'otp' && this.otp.code) this.otp.expiryExtended(ms, now);
    else this.payment.deadlineExtended(ms, now);
    const stepEndsAt = step === 'otp' ? (this.otp.code?.expiresAt ?? now) : (this.payment.deadlineAt ?? now);
    this.overallDeadlineAt = Math.max(this.overallDeadlineAt, stepEndsAt + this.policy.deadlineMarginAfterExtensionMs);
    this.machine.wakeMainLoop();
    this.machine.note(`operator_extended_${step}_deadline`, by);
  }

  status(): ActivationStatus {
    return buildStatus(this);
  }

  /** The state for the next run of a continue-as-new, in the shape it has always had (record-data.ts). */
  carry(): CarriedRecord {
    const otp = this.otp.carry();
    const { payment, ...notices } = this.payment.carry();
    return {
      machine: this.machine.snapshot(),
      ctx: { ...this.callContext },
      deadlineAt: this.overallDeadlineAt,
      otpSends: otp.otpSends,
      wrongOtpAttempts: otp.wrongOtpAttempts,
      liveness: this.liveness.carry(),
      payment,
      startedAt: this.startedAt,
      ...(otp.otp ? { otp: otp.otp } : {}),
      ...notices,
      runs: this.runCount + 1,
    };
  }

  private restore(carried: CarriedRecord): void {
    this.machine.restore(carried.machine);
    this.callContext = carried.ctx;
    this.overallDeadlineAt = carried.deadlineAt;
    this.otp.restore(carried);
    this.liveness.restore(carried.liveness);
    this.payment.restore(carried);
    this.runCount = carried.runs;
  }
}
