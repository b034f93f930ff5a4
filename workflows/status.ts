// The status object every query and update answers with (docs/design.md, "Status object"), put together
// from the state machine and each step's part of it (the steps' records, `statusPart` and `nextAction`).
// It never carries an OTP code, an image, a token or a position.
import { ATTENTION_REASONS, type ActivationStatus, type NextAction } from '../contract/types';
import type { ActivationRecord } from './activation-record';
import { isoTime } from './status-time';

export function buildStatus(rec: ActivationRecord): ActivationStatus {
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

function nextAction(rec: ActivationRecord): NextAction {
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
