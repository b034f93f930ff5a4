// The activation record's data (activation-record.ts), the part a continue-as-new carries to the next run.
import type { LivenessImages, VlensCallContext } from '../contract/activities';
import type { ActivationInput } from '../contract/types';
import type { CarriedNotices } from './payment-notices';
import type { MachineSnapshot } from './state-machine';

export interface Otp {
  otpRequestId: string;
  sentAt: number;
  expiresAt: number;
  /** The expiry is noted once, though the loop looks again until the grace period ends. */
  expiryNoted: boolean;
}

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

export interface Payment {
  link?: string;
  deadlineAt?: number;
  paidAt?: string;
  nextReconcileAt?: number;
  reconcileIntervalMs: number;
  /** Set once a payment link went out: from then on money may arrive even after a failure. */
  stageReached: boolean;
}

/** The record's own data, as a continue-as-new carries it: plain JSON, deadlines as absolute times. */
export interface RecordData {
  ctx: VlensCallContext;
  /** Operators may extend it when they extend a step's deadline past it. */
  deadlineAt: number;
  otp?: Otp;
  otpSends: number;
  wrongOtpAttempts: number;
  liveness: Liveness;
  payment: Payment;
}

/**
 * Everything a continue-as-new carries to the next run (history-bound.ts): the record as it is. It travels
 * as the next run's input, encrypted like any payload.
 */
export interface CarriedRecord extends RecordData, CarriedNotices {
  machine: MachineSnapshot;
  startedAt: number;
  /** Runs so far, this one included. */
  runs: number;
}

/** The workflow's input as a run receives it: a continued run's also carries the previous run's record. */
export type ActivationRunInput = ActivationInput<CarriedRecord>;
