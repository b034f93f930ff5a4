// What the liveness step knows: whether Vlens demands a re-validation, its deadline, the attempts used, the
// selfies in the image store, its part of the status and what a continue-as-new carries of it. Every change
// is a method named for what happened; the state changes go through the state machine.
import type { LivenessImages } from '../../contract/activities';
import type { ActivationStatus, NextAction } from '../../contract/types';
import type { BusinessMetrics } from '../business-metrics';
import type { ResolvedPolicy } from '../policy';
import type { StateMachine } from '../state-machine';
import { isoTime } from '../status-time';

/** The liveness step as a continue-as-new carries it (the names are part of CarriedRecord's JSON). */
export interface Liveness {
  required: boolean;
  attemptsUsed: number;
  deadlineAt?: number;
  /** Legacy flavour: the OTP was sent with the re-validation demand, and the images travel with it. */
  otpSentWithDemand: boolean;
  /** Selfies went to the image store: they must be deleted when the activation ends. */
  imagesSubmitted: boolean;
  imagesForOtpValidation?: LivenessImages;
}

export class LivenessRecord {
  private data: Liveness = { required: false, attemptsUsed: 0, otpSentWithDemand: false, imagesSubmitted: false };

  constructor(
    private readonly machine: StateMachine,
    private readonly policy: ResolvedPolicy,
    private readonly metrics: BusinessMetrics,
  ) {}

  get required(): boolean {
    return this.data.required;
  }
  get deadlineAt(): number | undefined {
    return this.data.deadlineAt;
  }
  get imagesSubmitted(): boolean {
    return this.data.imagesSubmitted;
  }
  /** Legacy flavour: the accepted selfies, waiting to go to Vlens with the OTP. */
  get imagesForOtpValidation(): Readonly<LivenessImages> | undefined {
    return this.data.imagesForOtpValidation;
  }

  // ---- what happened ----------------------------------------------------------------------------------

  /** Vlens wants liveness re-validated before (or, legacy flavour, with) the OTP. */
  demanded(otpSentWithIt: boolean, now: number): void {
    this.metrics.livenessRequired();
    this.data.required = true;
    this.data.otpSentWithDemand = otpSentWithIt;
    this.data.deadlineAt = now + this.policy.livenessTimeoutMs;
    this.machine.moveTo('awaiting_liveness', 'device more than 80 km from its last location');
  }

  /** From here the selfies may be in the image store, so they are deleted when the activation ends. */
  imagesArrived(): void {
    this.data.imagesSubmitted = true;
  }

  rejected(): void {
    this.data.attemptsUsed++;
    this.machine.note('liveness_rejected', `${this.attemptsLeft()} attempts left`);
    if (this.attemptsLeft() === 0) this.machine.fail('liveness_rejected', 'liveness re-validation failed too often');
  }

  /** @param otpOut an OTP is out already (legacy flavour: it was sent with the demand). */
  accepted(images: LivenessImages, otpOut: boolean): void {
    if (this.data.otpSentWithDemand && otpOut) {
      // Legacy flavour: the OTP already went out; the images ride along with its validation.
      this.data.imagesForOtpValidation = images;
      this.machine.note('liveness_images_received');
      this.machine.moveTo('awaiting_otp');
    } else {
      this.data.required = false;
      this.machine.note('liveness_accepted');
      this.machine.moveTo('requesting_otp', 'liveness re-validated; requesting a new OTP');
    }
  }

  /** Legacy flavour: validating the OTP sent the user back to liveness, or rejected the images it carried. */
  sentBack(outcome: 'liveness_required' | 'liveness_rejected'): void {
    if (outcome === 'liveness_rejected') this.data.attemptsUsed++;
    this.machine.note(outcome);
    this.data.imagesForOtpValidation = undefined;
    if (this.attemptsLeft() === 0) {
      this.machine.fail('liveness_rejected', 'liveness re-validation failed too often');
    } else {
      this.data.required = true;
      this.data.deadlineAt = Date.now() + this.policy.livenessTimeoutMs;
      this.machine.moveTo('awaiting_liveness');
    }
  }

  /** The OTP was accepted: selfies that travelled with it (legacy flavour) were accepted too. */
  settledByOtp(): void {
    if (this.data.imagesForOtpValidation) this.machine.note('liveness_accepted', 'with the OTP');
    this.data.imagesForOtpValidation = undefined;
    this.data.required = false;
  }

  attemptsLeft(): number {
    return Math.max(0, this.policy.maxLivenessAttempts - this.data.attemptsUsed);
  }

  // ---- the status -------------------------------------------------------------------------------------

  statusPart(): Pick<ActivationStatus, 'liveness'> {
    const { required, attemptsUsed } = this.data;
    return required || attemptsUsed > 0 ? { liveness: { required, attemptsLeft: this.attemptsLeft() } } : {};
  }

  /** What the app does next while the state is awaiting_liveness. */
  nextAction(overallDeadlineAt: number): NextAction {
    const { deadlineAt } = this.data;
    return {
      type: 'submit_liveness',
      ...(deadlineAt !== undefined ? { expiresAt: isoTime(Math.min(deadlineAt, overallDeadlineAt)) } : {}),
      attemptsLeft: this.attemptsLeft(),
    };
  }

  // ---- continue-as-new --------------------------------------------------------------------------------

  carry(): Liveness {
    return { ...this.data };
  }

  restore(carried: Liveness): void {
    this.data = carried;
  }
}
