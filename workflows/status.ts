// The status object every query and update answers with, built from the record (docs/design.md, "Status
// object"). It never carries an OTP code, an image, a token or a position.
import type { ActivationRecord } from './activation-record';
import { ATTENTION_REASONS, type ActivationStatus, type NextAction } from './types';

const iso = (ms: number) => new Date(ms).toISOString();

export function buildStatus(rec: ActivationRecord): ActivationStatus {
  const { otp, liveness, payment, hold } = rec;
  return {
    requestId: rec.ctx.requestId,
    workflowId: rec.workflowId,
    state: rec.state,
    ...(rec.failure ? { failureReason: rec.failure.reason } : {}),
    needsAttention: rec.needsAttention,
    version: rec.version,
    ...(hold
      ? { attention: { reason: ATTENTION_REASONS.unrecognisedAnswer, step: hold.step, since: iso(hold.since) } }
      : {}),
    nextAction: nextAction(rec),
    ...(otp
      ? {
          otp: {
            expiresAt: iso(otp.expiresAt),
            attemptsLeft: rec.otpAttemptsLeft(),
            sendsLeft: rec.otpSendsLeft(),
            resendAvailableAt: iso(rec.resendAvailableAt()),
          },
        }
      : {}),
    ...(liveness.required || liveness.attemptsUsed > 0
      ? { liveness: { required: liveness.required, attemptsLeft: rec.livenessAttemptsLeft() } }
      : {}),
    spent: rec.otpSpent(),
    ...(payment.deadlineAt !== undefined
      ? {
          payment: {
            ...(payment.link ? { link: payment.link } : {}),
            deadline: iso(payment.deadlineAt),
            ...(rec.ctx.paymentGateway ? { gateway: rec.ctx.paymentGateway } : {}),
            ...(payment.paidAt ? { paidAt: payment.paidAt } : {}),
          },
        }
      : {}),
    events: rec.droppedEvents
      ? [{ at: rec.events[0]?.at ?? iso(rec.startedAt), type: 'earlier_events_dropped' }, ...rec.events]
      : [...rec.events],
  };
}

function nextAction(rec: ActivationRecord): NextAction {
  if (rec.hold && !rec.isTerminal()) return { type: 'wait' };
  switch (rec.state) {
    case 'awaiting_liveness': {
      const deadlineAt = rec.liveness.deadlineAt;
      return {
        type: 'submit_liveness',
        ...(deadlineAt !== undefined ? { expiresAt: iso(Math.min(deadlineAt, rec.deadlineAt)) } : {}),
        attemptsLeft: rec.livenessAttemptsLeft(),
      };
    }
    case 'awaiting_otp':
      return {
        type: 'submit_otp',
        ...(rec.otp ? { expiresAt: iso(rec.otp.expiresAt) } : {}),
        attemptsLeft: rec.otpAttemptsLeft(),
        resendAvailableAt: iso(rec.resendAvailableAt()),
        sendsLeft: rec.otpSendsLeft(),
      };
    case 'awaiting_payment':
      return {
        type: 'pay',
        ...(rec.payment.deadlineAt !== undefined ? { expiresAt: iso(rec.payment.deadlineAt) } : {}),
        ...(rec.payment.link ? { paymentLink: rec.payment.link } : {}),
      };
    case 'requesting_otp':
    case 'activating':
      return { type: 'wait' };
    default:
      return { type: 'none' };
  }
}
