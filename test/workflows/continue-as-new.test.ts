// What each record carries across a continue-as-new (workflows/record-data.ts), without a server: a record
// in the middle of everything is carried, sent through JSON as the next run's input is, and restored; the
// next run sees the same counters, deadlines, notifications and status, and restoring makes no search
// attribute, memo or metric call (the server copies search attributes and memo to the new run).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActivationRecord } from '../../workflows/activation-record';
import type { CarriedRecord } from '../../workflows/record-data';
import { IMAGES, MINUTE, SECOND, T0, advance, build, otpSent } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/** The JSON the next run receives. */
const overTheWire = (carried: CarriedRecord): CarriedRecord => JSON.parse(JSON.stringify(carried)) as CarriedRecord;

function continued(rec: ActivationRecord) {
  return build({ carried: overTheWire(rec.carry()) });
}

/** A first run that went through liveness (legacy flavour), wrong codes and into the payment. */
function busyRun() {
  const built = build({ spent: { otpSends: 1, otpAttempts: 0 } });
  const { rec } = built;
  rec.transactionIs('tx-1');
  rec.otp.sent('otp-1', Date.now());
  rec.liveness.demanded(true, Date.now());
  rec.liveness.imagesArrived();
  rec.liveness.rejected();
  rec.liveness.accepted(IMAGES, true);
  advance(30 * SECOND);
  rec.otp.wrongCode();
  rec.machine.holdForOperator('validateOtp', 'odd');
  rec.machine.releaseHold('by ops: looked');
  rec.liveness.settledByOtp();
  rec.payment.start('https://pay.example/1');
  rec.payment.firstNotice({ source: 'kashier', eventId: 'e1', paidAt: '2026-01-01T00:01:00Z' });
  rec.payment.firstNotice({ source: 'app', eventId: 'e2' });
  rec.payment.hinted({ source: 'app', eventId: 'e2' });
  rec.payment.reconcileLater(Date.now());
  rec.machine.requestCancel('customer gave up');
  return built;
}

describe('continue-as-new', () => {
  it('the whole record round-trips: the next run carries on where this one stopped', () => {
    const first = busyRun().rec;
    const carried = first.carry();
    expect(carried.runs).toBe(2);
    const { rec: next, effects } = continued(first);
    expect(effects.calls).toEqual([]);
    expect(next.runs).toBe(2);
    expect(next.status()).toEqual(first.status());
    expect(overTheWire(next.carry())).toEqual({ ...overTheWire(carried), runs: 3 });
    expect(next.startedAt).toBe(T0);
  });

  it('the state machine: state, entry time, cancel request, attention, audit trail and versions', () => {
    const { rec: first } = busyRun();
    first.machine.holdForOperator('validatePayment', 'odd');
    const { rec: next } = continued(first);
    expect(next.machine.snapshot()).toEqual(first.machine.snapshot());
    expect(next.machine.state).toBe('awaiting_payment');
    expect(next.machine.cancelRequested).toEqual({ reason: 'customer gave up' });
    expect(next.machine.hold).toEqual({ step: 'validatePayment', since: T0 + 30 * SECOND });
    expect(next.machine.version).toBe(first.machine.version);
  });

  it('the OTP step: the code out, the sends and the wrong codes', () => {
    const { rec: first } = busyRun();
    expect(first.otp.carry()).toEqual({
      otp: { otpRequestId: 'otp-1', sentAt: T0, expiresAt: T0 + 2 * MINUTE, expiryNoted: false },
      otpSends: 2,
      wrongOtpAttempts: 1,
    });
    const { rec: next } = continued(first);
    expect(next.otp.spent()).toEqual({ otpSends: 2, otpAttempts: 1 });
    expect(next.otp.attemptsLeft()).toBe(2);
    expect(next.otp.resendAvailableAt()).toBe(T0 + 30 * SECOND);
    expect(next.otp.statusPart()).toEqual(first.otp.statusPart());
  });

  it('the liveness step: attempts used and images to delete', () => {
    const { rec: first } = busyRun();
    expect(first.liveness.carry()).toEqual({
      required: false,
      attemptsUsed: 1,
      deadlineAt: T0 + 10 * MINUTE,
      otpSentWithDemand: true,
      imagesSubmitted: true,
    });
    const { rec: next } = continued(first);
    expect(next.liveness.attemptsLeft()).toBe(1);
    expect(next.liveness.imagesSubmitted).toBe(true);
  });

  it('the payment step: deadline, backoff, the hint waiting and the event ids already seen', () => {
    const { rec: first } = busyRun();
    const { rec: next } = continued(first);
    expect(next.payment.carry()).toEqual(first.payment.carry());
    expect(next.payment.deadlineAt).toBe(T0 + 30 * SECOND + 30 * MINUTE);
    expect(next.payment.nextReconcileAt).toBe(T0 + 30 * SECOND + 2 * MINUTE);
    expect(next.payment.stageReached).toBe(true);
    expect(next.payment.firstNotice({ source: 'kashier', eventId: 'e1' })).toBe(false);
    expect(next.payment.takeHints()).toEqual([{ source: 'app', eventId: 'e2' }]);
    expect(next.status().payment?.paidAt).toBe('2026-01-01T00:01:00Z');
  });

  it('the call context and the overall deadline, as an operator left them', () => {
    const { rec: first } = build({ policy: { otpTtl: '2m', deadline: '10m' } });
    otpSent(first);
    first.transactionIs('tx-7');
    first.deadlineExtended('otp', 30 * MINUTE, 'by ops');
    const { rec: next } = continued(first);
    expect(next.ctx.transactionId).toBe('tx-7');
    expect(next.deadlineAt).toBe(T0 + 34 * MINUTE);
    expect(next.startedAt).toBe(T0);
  });

  it('keeps the shape older runs wrote: the field names are part of the JSON', () => {
    const carried = busyRun().rec.carry();
    expect(Object.keys(carried).sort()).toEqual(
      [
        'ctx',
        'deadlineAt',
        'liveness',
        'machine',
        'otp',
        'otpSends',
        'payment',
        'paymentHints',
        'paymentHintsDropped',
        'runs',
        'seenPaymentEventIds',
        'startedAt',
        'wrongOtpAttempts',
      ].sort(),
    );
  });
});
