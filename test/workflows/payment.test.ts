// The payment step without a server: its record (workflows/payment/payment-record.ts) keeps the deadline, the
// reconciliation's backoff and the notifications heard of; the payment signal (workflows/payment/payment.ts)
// is never refused, and what it does depends on the state. The Vlens calls that decide a payment need the
// workflow's cancellation scope and stay with the real-server tests (test/temporal/activation-payment.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIVATION_STATES, TERMINAL_STATES, type PaymentCompletedInput } from '../../contract/types';
import { MAX_PAYMENT_EVENT_IDS } from '../../workflows/payment/payment-notices';
import { paymentCompleted, whileAwaitingPayment } from '../../workflows/payment/payment';
import { Turns } from '../../workflows/turns';
import { MINUTE, POLICY, T0, advance, build, inState, otpSent, runOf } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

const LINK = 'https://pay.example/1';
const notice = (eventId: string, extra: Partial<PaymentCompletedInput> = {}): PaymentCompletedInput => ({
  source: 'kashier',
  eventId,
  ...extra,
});

/** An activation whose OTP was accepted with a payment link. */
function awaitingPayment(options: Parameters<typeof build>[0] = {}) {
  const built = build(options);
  otpSent(built.rec);
  built.rec.payment.start(LINK);
  built.effects.take();
  return built;
}

describe('the payment record', () => {
  it('a link opens the payment: deadline, first reconciliation, measured', () => {
    const { rec, effects } = build();
    otpSent(rec);
    effects.take();
    rec.payment.start(LINK);
    expect(rec.machine.state).toBe('awaiting_payment');
    expect(rec.payment.stageReached).toBe(true);
    expect(rec.payment.deadlineAt).toBe(T0 + 30 * MINUTE);
    expect(rec.payment.nextReconcileAt).toBe(T0 + MINUTE);
    expect(effects.metricNames()).toEqual(['paymentLinkIssued', 'timeInState']);
  });

  it('no link: straight to confirming, no link metric', () => {
    const { rec, effects } = build();
    otpSent(rec);
    effects.take();
    rec.payment.start(undefined);
    expect(rec.machine.state).toBe('activating');
    expect(effects.metricNames()).toEqual(['timeInState']);
    rec.payment.stillExpected();
    expect(rec.machine.state).toBe('awaiting_payment');
    expect(rec.payment.link).toBeUndefined();
  });

  it('reconciliation backs off by doubling up to its ceiling, and starts over on a notification', () => {
    const { rec } = awaitingPayment();
    const intervals: number[] = [];
    let now = T0;
    for (let i = 0; i < 5; i++) {
      rec.payment.reconcileLater(now);
      intervals.push(rec.payment.nextReconcileAt! - now);
      now = rec.payment.nextReconcileAt!;
    }
    expect(intervals).toEqual([2, 4, 5, 5, 5].map((m) => m * MINUTE));
    rec.payment.reconcileSoon(now);
    expect(rec.payment.nextReconcileAt).toBe(now + MINUTE);
    rec.payment.reconcileLater(now);
    expect(rec.payment.nextReconcileAt).toBe(now + 2 * MINUTE);
    rec.payment.reconcileNow(now + 5);
    expect(rec.payment.nextReconcileAt).toBe(now + 5);
  });

  it('an operator extends the deadline from now or from itself, whichever is later', () => {
    const { rec } = awaitingPayment();
    rec.payment.deadlineExtended(10 * MINUTE, Date.now());
    expect(rec.payment.deadlineAt).toBe(T0 + 40 * MINUTE);
    advance(50 * MINUTE);
    rec.payment.deadlineExtended(10 * MINUTE, Date.now());
    expect(rec.payment.deadlineAt).toBe(T0 + 60 * MINUTE);
  });

  it('confirmed: activated, with the first payment time heard of', () => {
    const { rec, effects } = awaitingPayment();
    rec.payment.firstNotice(notice('e1', { paidAt: '2026-01-01T00:05:00Z' }));
    rec.payment.confirmed('reconciliation');
    expect(rec.machine.state).toBe('activated');
    expect(rec.status().payment).toEqual({
      link: LINK,
      deadline: '2026-01-01T00:30:00.000Z',
      paidAt: '2026-01-01T00:05:00Z',
    });
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'activated' });
    expect(effects.calls).toContainEqual({ kind: 'metric', name: 'finished', args: ['activated', undefined] });
  });

  it('reports its part of the status once the payment opened, with the gateway', () => {
    expect(build().rec.payment.statusPart('kashier')).toEqual({});
    const { rec } = awaitingPayment({ paymentGateway: 'kashier' });
    expect(rec.status()).toMatchObject({
      payment: { link: LINK, deadline: '2026-01-01T00:30:00.000Z', gateway: 'kashier' },
      nextAction: { type: 'pay', paymentLink: LINK, expiresAt: '2026-01-01T00:30:00.000Z' },
    });
  });

  it('acts on at most 50 distinct event ids; the drops are counted and noted once', () => {
    const { rec, effects } = awaitingPayment();
    for (let i = 0; i < MAX_PAYMENT_EVENT_IDS; i++) expect(rec.payment.firstNotice(notice(`e${i}`))).toBe(true);
    expect(rec.payment.overHintCap(notice('e0'))).toBe(false);
    expect(rec.payment.overHintCap(notice('fresh'))).toBe(true);
    rec.payment.hintDropped(notice('fresh'));
    rec.payment.hintDropped(notice('fresher', { source: 'app' }));
    expect(effects.calls).toEqual([
      { kind: 'metric', name: 'paymentHintDropped', args: ['kashier'] },
      { kind: 'metric', name: 'paymentHintDropped', args: ['app'] },
    ]);
    expect(rec.machine.events.filter((event) => event.type === 'payment_notifications_dropped')).toHaveLength(1);
  });
});

describe('a payment notification (signal) in every state', () => {
  const expected: Record<string, { event: string; waits: boolean; memo: boolean }> = {
    requesting_otp: { event: 'payment_notification_early', waits: true, memo: false },
    awaiting_liveness: { event: 'payment_notification_early', waits: true, memo: false },
    awaiting_otp: { event: 'payment_notification_early', waits: true, memo: false },
    awaiting_payment: { event: 'payment_notification', waits: true, memo: false },
    activating: { event: 'payment_notification', waits: true, memo: false },
    activated: { event: 'payment_notification_after_activation', waits: false, memo: false },
    failed: { event: 'needs_attention', waits: false, memo: true },
    cancelled: { event: 'needs_attention', waits: false, memo: true },
  };

  it.each(ACTIVATION_STATES)('in %s', (state) => {
    const want = expected[state]!;
    const { rec, effects } = inState(state);
    const schedule = rec.machine.scheduleVersion;
    paymentCompleted(runOf(rec).run, notice('e1'));
    expect(rec.machine.state).toBe(state);
    expect(rec.machine.events.at(-1)?.type).toBe(want.event);
    expect(rec.payment.takeHints()).toEqual(want.waits ? [notice('e1')] : []);
    expect(rec.payment.takeHints()).toEqual([]);
    // Only a hint in the payment state wakes the loop; an early one waits for that state.
    expect(rec.machine.scheduleVersion).toBe(schedule + (state === 'awaiting_payment' ? 1 : 0));
    expect(effects.calls).toEqual(
      want.memo ? [{ kind: 'attentionMemo', reason: `payment notification from kashier after ${state}` }] : [],
    );
    expect(rec.machine.needsAttention).toBe(want.memo);
    expect(TERMINAL_STATES.includes(state)).toBe(!want.waits);
  });

  it('a duplicate is noted, never acted on; an invalid one is noted as ignored', () => {
    const { rec } = inState('awaiting_payment');
    const { run } = runOf(rec);
    paymentCompleted(run, notice('e1'));
    paymentCompleted(run, notice('e1', { source: 'app' }));
    expect(rec.machine.events.at(-1)).toMatchObject({ type: 'payment_notification_duplicate', detail: 'app' });
    paymentCompleted(run, { source: 'bank', eventId: 'e2' } as never);
    expect(rec.machine.events.at(-1)).toMatchObject({
      type: 'payment_notification_ignored',
      detail: 'invalid payload',
    });
    expect(rec.payment.takeHints()).toEqual([notice('e1')]);
  });
});

describe('the main loop while awaiting the payment', () => {
  it('sleeps until the next reconciliation, never past the payment deadline', async () => {
    const { rec } = awaitingPayment();
    await expect(whileAwaitingPayment(runOf(rec).run, T0, new Turns())).resolves.toBe(T0 + MINUTE);
    const short = awaitingPayment({ policy: { ...POLICY, paymentTimeout: '30s' } }).rec;
    await expect(whileAwaitingPayment(runOf(short).run, T0, new Turns())).resolves.toBe(T0 + 30_000);
    expect(short.machine.state).toBe('awaiting_payment');
  });
});
