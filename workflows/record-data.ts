// What a continue-as-new carries to the next run (history-bound.ts): the record as it is, each step's part
// under the names it always had (the JSON travels as the next run's input, encrypted like any payload, and a
// run continued by older code must still read it).
import type { VlensCallContext } from '../contract/activities';
import type { ActivationInput } from '../contract/types';
import type { Liveness } from './liveness/liveness-record';
import type { CarriedOtp } from './otp/otp-record';
import type { CarriedNotices } from './payment/payment-notices';
import type { Payment } from './payment/payment-record';
import type { MachineSnapshot } from './state-machine';

export interface CarriedRecord extends CarriedOtp, CarriedNotices {
  machine: MachineSnapshot;
  ctx: VlensCallContext;
  /** Operators may extend it when they extend a step's deadline past it. */
  deadlineAt: number;
  liveness: Liveness;
  payment: Payment;
  startedAt: number;
  /** Runs so far, this one included. */
  runs: number;
}

/** The workflow's input as a run receives it: a continued run's also carries the previous run's record. */
export type ActivationRunInput = ActivationInput<CarriedRecord>;
