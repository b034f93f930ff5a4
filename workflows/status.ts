// The status object every query and update answers with, built from the record (docs/design.md, "Status
// object"). It never carries an OTP code, an image, a token or a position.
import type { ActivationRecord } from './activation-record';
import { ATTENTION_REASONS, type ActivationStatus, type NextAction } from '../contract/types';

/** The latest instant a Date can hold (ECMAScript: 8.64e15 ms either side of 1970). */
const LAST_INSTANT_MS = 8.64e15;

/**
 * A time as ISO text, never a throw. The policy's ceilings (rules.ts, checked at start by policy.ts)
 * keep every computed time far inside a Date's range; a run started before them could hold a time
 * beyond it (issue 27: `resendCooldown: 1e20`), and a status that cannot be built fails whatever asked
 * for it, every workflow task included. Such a time reads as the last instant a Date can hold.
 */
export const isoTime = (ms: number) =>
  new Date(
    Number.isFinite(ms) ? Math.max(-LAST_INSTANT_MS, Math.min(ms, LAST_INSTANT_MS)) : LAST_INSTANT_MS,
  ).toISOString();

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
      ? { attention: { reason: ATTENTION_REASONS.unrecognisedAnswer, step: hold.step, since: isoTime(hold.since) } }
      : {}),
    nextAction: nextAction(rec),
    ...(otp
      ? {
          otp: {
            expiresAt: isoTime(otp.expiresAt),
            attemptsLeft: rec.otpAttemptsLeft(),
            sendsLeft: rec.otpSendsLeft(),
            resendAvailableAt: isoTime(rec.resendAvailableAt()),
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
            deadline: isoTime(payment.deadlineAt),
            ...(rec.ctx.paymentGateway ? { gateway: rec.ctx.paymentGateway } : {}),
            ...(payment.paidAt ? { paidAt: payment.paidAt } : {}),
          },
        }
      : {}),
    events: rec.droppedEvents
      ? [{ at: rec.events[0]?.at ?? isoTime(rec.startedAt), type: 'earlier_events_dropped' }, ...rec.events]
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
        ...(deadlineAt !== undefined ? { expiresAt: isoTime(Math.min(deadlineAt, rec.deadlineAt)) } : {}),
        attemptsLeft: rec.livenessAttemptsLeft(),
      };
    }
    case 'awaiting_otp':
      return {
        type: 'submit_otp',
        ...(rec.otp ? { expiresAt: isoTime(rec.otp.expiresAt) } : {}),
        attemptsLeft: rec.otpAttemptsLeft(),
        resendAvailableAt: isoTime(rec.resendAvailableAt()),
        sendsLeft: rec.otpSendsLeft(),
      };
    case 'awaiting_payment':
      return {
        type: 'pay',
        ...(rec.payment.deadlineAt !== undefined ? { expiresAt: isoTime(rec.payment.deadlineAt) } : {}),
        ...(rec.payment.link ? { paymentLink: rec.payment.link } : {}),
      };
    case 'requesting_otp':
    case 'activating':
      return { type: 'wait' };
    default:
      return { type: 'none' };
  }
}
