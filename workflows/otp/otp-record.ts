// What the OTP step knows: the code out now, the sends and wrong codes counted against the request's
// budget, the windows around them, its part of the status and what a continue-as-new carries of it. Every
// change is a method named for what happened; the state changes go through the state machine.
import type { ActivationStatus, NextAction, OtpSpent } from '../../contract/types';
import type { BusinessMetrics } from '../business-metrics';
import type { ResolvedPolicy } from '../policy';
import type { StateMachine } from '../state-machine';
import { isoTime } from '../status-time';

/** The OTP Vlens sent last. */
export interface Otp {
  otpRequestId: string;
  sentAt: number;
  expiresAt: number;
  /** The expiry is noted once, though the loop looks again until the grace window ends. */
  expiryNoted: boolean;
}

/** What a continue-as-new carries of the OTP step (the names are part of CarriedRecord's JSON). */
export interface CarriedOtp {
  otp?: Otp;
  otpSends: number;
  wrongOtpAttempts: number;
}

export class OtpRecord {
  private current?: Otp;
  private sends: number;
  private wrongCodes: number;

  /** @param spent what earlier runs of this requestId used: the budget is per request, not per run. */
  constructor(
    private readonly machine: StateMachine,
    private readonly policy: ResolvedPolicy,
    private readonly metrics: BusinessMetrics,
    private readonly startedAt: number,
    spent: OtpSpent | undefined,
  ) {
    this.sends = spent?.otpSends ?? 0;
    this.wrongCodes = spent?.otpAttempts ?? 0;
  }

  /** The OTP out now; none before the first send. */
  get code(): Readonly<Otp> | undefined {
    return this.current;
  }

  // ---- what happened ----------------------------------------------------------------------------------

  sent(otpRequestId: string, now: number): void {
    this.sends++;
    this.current = { otpRequestId, sentAt: now, expiresAt: now + this.policy.otpTtlMs, expiryNoted: false };
    this.machine.wakeMainLoop();
    this.machine.note('otp_sent', `send ${this.sends} of ${this.policy.maxOtpSends}`);
  }

  expired(): void {
    if (!this.current || this.current.expiryNoted) return;
    this.current.expiryNoted = true;
    this.machine.note('otp_expired');
  }

  /** Vlens ended this code early: it expired there, or Vlens locked it after too many tries on it. */
  endedAtVlens(how: 'expired_at_vlens' | 'locked_at_vlens'): void {
    if (!this.current) return;
    this.current.expiresAt = Math.min(this.current.expiresAt, Date.now());
    this.machine.wakeMainLoop();
    this.machine.note(`otp_${how}`);
  }

  /** One wrong code, counted against the request's attempts (earlier runs' included). */
  wrongCode(): void {
    this.metrics.wrongOtp();
    this.wrongCodes++;
    this.machine.note('otp_wrong', `${this.attemptsLeft()} attempts left`);
  }

  accepted(): void {
    this.machine.note('otp_accepted');
  }

  /** An operator gave the code more time: its expiry moves `ms` past now (or past itself if later). */
  expiryExtended(ms: number, now: number): void {
    if (!this.current) return;
    this.current.expiresAt = Math.max(this.current.expiresAt, now) + ms;
    this.current.expiryNoted = false;
  }

  // ---- what is left -----------------------------------------------------------------------------------

  attemptsLeft(): number {
    return Math.max(0, this.policy.maxOtpAttempts - this.wrongCodes);
  }

  sendsLeft(): number {
    return Math.max(0, this.policy.maxOtpSends - this.sends);
  }

  /** Every wrong code the policy allows was used: the activation fails (otp_attempts_exhausted). */
  attemptsExhausted(): boolean {
    return this.attemptsLeft() === 0;
  }

  sendsExhausted(): boolean {
    return this.sendsLeft() === 0;
  }

  resendAvailableAt(): number {
    return (this.current?.sentAt ?? this.startedAt) + this.policy.resendCooldownMs;
  }

  /**
   * The end of the grace window: once the code expired, the user may still ask for a new one until then
   * (contract/policy.ts, otpGraceWindowMs); after it the activation fails as otp_expired.
   */
  graceWindowEndsAt(): number {
    return (this.current?.expiresAt ?? this.startedAt) + this.policy.otpGraceWindowMs;
  }

  /** Totals for the next run of this requestId (the status reports them; client/otp-budget.ts reads them). */
  spent(): OtpSpent {
    return { otpSends: this.sends, otpAttempts: this.wrongCodes };
  }

  // ---- the status -------------------------------------------------------------------------------------

  statusPart(): Pick<ActivationStatus, 'otp'> {
    const otp = this.current;
    if (!otp) return {};
    return {
      otp: {
        expiresAt: isoTime(otp.expiresAt),
        attemptsLeft: this.attemptsLeft(),
        sendsLeft: this.sendsLeft(),
        resendAvailableAt: isoTime(this.resendAvailableAt()),
      },
    };
  }

  /** What the app does next while the state is awaiting_otp. */
  nextAction(): NextAction {
    return {
      type: 'submit_otp',
      ...(this.current ? { expiresAt: isoTime(this.current.expiresAt) } : {}),
      attemptsLeft: this.attemptsLeft(),
      resendAvailableAt: isoTime(this.resendAvailableAt()),
      sendsLeft: this.sendsLeft(),
    };
  }

  // ---- continue-as-new --------------------------------------------------------------------------------

  carry(): CarriedOtp {
    return {
      ...(this.current ? { otp: { ...this.current } } : {}),
      otpSends: this.sends,
      wrongOtpAttempts: this.wrongCodes,
    };
  }

  restore(carried: CarriedOtp): void {
    this.current = carried.otp;
    this.sends = carried.otpSends;
    this.wrongCodes = carried.wrongOtpAttempts;
  }
}
