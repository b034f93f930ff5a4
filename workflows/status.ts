// The status object every query and update answers with (docs/design.md, "Status object"), put together
// from the state machine and each step's part of it (the steps' records, `statusPart` and `nextAction`).
// It never carries an OTP code, an image, a token or a position.
import { ATTENTION_REASONS, type ActivationStatus, type NextAction } from '../contract/types';
import type { VlensCallContext } from '../contract/activities';
import type { LivenessRecord } from './liveness/liveness-record';
import type { OtpRecord } from './otp/otp-record';
import type { PaymentRecord } from './payment/payment-record';
import type { StateMachine } from './state-machine';
import { isoTime } from './status-time';

/**
 * What the status is read from: the activation's record (activation-record.ts passes itself). Named here,
 * not imported from the record, so that the record and its status do not import each other.
 */
export interface StatusSource {
  readonly ctx: Readonly<Pick<VlensCallContext, 'requestId' | 'paymentGateway'>>;
  readonly workflowId: string;
  readonly startedAt: number;
  readonly deadlineAt: number;
  readonly machine: StateMachine;
  readonly otp: OtpRecord;
  readonly liveness: LivenessRecord;
  readonly payment: PaymentRecord;
}

export function buildStatus(rec: StatusSource): ActivationStatus {
  const { machine } = rec;
  const { hold } = machine;
  return {
    requestId: rec.ctx.requestId,
    workflowId: rec.workflowId,
    state: machine.state,
    ...(machine.failure ? { failureReason: machine.failure.reason } : {}),
    needsAttention: machine.needsAttention,
    version: machine.version,
    ...(hold
      ? { attention: { reason: ATTENTION_REASONS.unrecognisedAnswer, step: hold.step, since: isoTime(hold.since) } }
      : {}),
    nextAction: nextAction(rec),
    ...rec.otp.statusPart(),
    ...rec.liveness.statusPart(),
    spent: rec.otp.spent(),
    ...rec.payment.statusPart(rec.ctx.paymentGateway),
    events: machine.droppedEvents
      ? [{ at: machine.events[0]?.at ?? isoTime(rec.startedAt), type: 'earlier_events_dropped' }, ...machine.events]
      : [...machine.events],
  };
}

function nextAction(rec: StatusSource): NextAction {
  const { machine } = rec;
  if (machine.hold && !machine.isTerminal()) return { type: 'wait' };
  switch (machine.state) {
    case 'awaiting_liveness':
      return rec.liveness.nextAction(rec.deadlineAt);
    case 'awaiting_otp':
      return rec.otp.nextAction();
    case 'awaiting_payment':
      return rec.payment.nextAction();
    case 'requesting_otp':
    case 'activating':
      return { type: 'wait' };
    default:
      return { type: 'none' };
  }
}
