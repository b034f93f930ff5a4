// Every transition of the table in contract/states.ts through the state machine (workflows/state-machine.ts),
// without a server: each allowed move is taken with its effects (search attribute, metrics), every other move
// is refused, and a terminal state ignores what comes after. The cases come from the table, so a new state
// is covered the day it is added; a few are also named, so the table cannot empty itself unnoticed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PASSING_STATES, TRANSITIONS } from '../../contract/states';
import { ACTIVATION_STATES, ATTENTION_REASONS, TERMINAL_STATES, type ActivationState } from '../../contract/types';
import { SECOND, T0, advance, build, inState } from './fixture';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

const ALLOWED = ACTIVATION_STATES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to] as const));
const REFUSED = ACTIVATION_STATES.filter((from) => !TERMINAL_STATES.includes(from)).flatMap((from) =>
  ACTIVATION_STATES.filter((to) => to !== from && !TRANSITIONS[from].includes(to)).map((to) => [from, to] as const),
);

describe('the transition table', () => {
  it('names every state, and only the terminal ones have no way out', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ACTIVATION_STATES].sort());
    for (const state of ACTIVATION_STATES) {
      expect(TRANSITIONS[state].length === 0, state).toBe(TERMINAL_STATES.includes(state));
    }
    // 5 running states: 4 + 4 + 6 + 4 + 4 moves; the rest of the 5 x 7 pairs are refused.
    expect(ALLOWED).toHaveLength(22);
    expect(REFUSED).toHaveLength(13);
  });

  it('holds the moves the activation is built on', () => {
    const allowed = (from: ActivationState, to: ActivationState) => TRANSITIONS[from].includes(to);
    expect(allowed('requesting_otp', 'awaiting_otp')).toBe(true);
    expect(allowed('awaiting_otp', 'awaiting_payment')).toBe(true);
    expect(allowed('activating', 'awaiting_payment')).toBe(true);
    expect(allowed('awaiting_payment', 'activated')).toBe(true);
    expect(allowed('requesting_otp', 'activated')).toBe(false);
    expect(allowed('awaiting_payment', 'awaiting_otp')).toBe(false);
    expect(allowed('awaiting_liveness', 'awaiting_payment')).toBe(false);
  });
});

describe('an allowed move', () => {
  it.each(ALLOWED)('%s -> %s is taken, audited and measured', (from, to) => {
    const { rec, effects } = inState(from, { lean: false });
    const before = { version: rec.machine.version, schedule: rec.machine.scheduleVersion };
    advance(7 * SECOND);
    rec.machine.moveTo(to, 'because');

    expect(rec.machine.state).toBe(to);
    expect(rec.machine.events.at(-1)).toMatchObject({ type: `state:${to}`, detail: 'because' });
    expect(rec.machine.version).toBe(before.version + 1);
    expect(rec.machine.scheduleVersion).toBe(before.schedule + 1);
    expect(rec.machine.notableChanges).toBe(1);
    const calls = effects.take();
    expect(calls[0]).toEqual({ kind: 'metric', name: 'timeInState', args: [from, 7 * SECOND] });
    expect(calls[1]).toEqual({ kind: 'stateAttribute', state: to });
    if (TERMINAL_STATES.includes(to)) {
      expect(calls[2]).toEqual({ kind: 'metric', name: 'finished', args: [to, undefined] });
    }
    expect(calls).toHaveLength(TERMINAL_STATES.includes(to) ? 3 : 2);
  });
});

describe('a move missing from the table', () => {
  it.each(REFUSED)('%s -> %s is refused and changes nothing', (from, to) => {
    const { rec, effects } = inState(from);
    expect(() => rec.machine.moveTo(to)).toThrow(`illegal activation transition ${from} -> ${to}`);
    expect(rec.machine.state).toBe(from);
    expect(rec.machine.events).toHaveLength(0);
    expect(effects.calls).toEqual([]);
  });

  it('names the table in its error', () => {
    const { rec } = inState('awaiting_payment');
    expect(() => rec.machine.moveTo('awaiting_otp')).toThrow(
      'illegal activation transition awaiting_payment -> awaiting_otp (see TRANSITIONS in contract/states.ts)',
    );
  });
});

describe('after the end', () => {
  it.each(TERMINAL_STATES.flatMap((from) => ACTIVATION_STATES.map((to) => [from, to] as const)))(
    '%s ignores a move to %s (an answer landing after a cancel)',
    (from, to) => {
      const { rec, effects } = inState(from);
      rec.machine.moveTo(to);
      rec.machine.fail('otp_expired', 'late');
      expect(rec.machine.state).toBe(from);
      expect(rec.machine.failure).toBeUndefined();
      expect(effects.calls).toEqual([]);
    },
  );
});

describe('moving', () => {
  it('to the same state does nothing', () => {
    const { rec, effects } = inState('awaiting_otp');
    rec.machine.moveTo('awaiting_otp');
    expect(rec.machine.events).toHaveLength(0);
    expect(effects.calls).toEqual([]);
  });

  it('on a lean history writes no search attribute for a state it only passes through', () => {
    expect(PASSING_STATES).toEqual(['requesting_otp', 'activating']);
    const { rec, effects } = inState('awaiting_payment', { lean: true });
    rec.machine.moveTo('activating');
    expect(effects.take().filter((call) => call.kind === 'stateAttribute')).toEqual([]);
    rec.machine.moveTo('awaiting_payment');
    expect(effects.take().filter((call) => call.kind === 'stateAttribute')).toEqual([
      { kind: 'stateAttribute', state: 'awaiting_payment' },
    ]);
  });

  it('before lean histories writes the search attribute for every state', () => {
    const { rec, effects } = inState('awaiting_payment', { lean: false });
    rec.machine.moveTo('activating');
    expect(effects.calls).toContainEqual({ kind: 'stateAttribute', state: 'activating' });
  });

  it('fails with a reason the finished metric carries; a cancel ends as cancelled', () => {
    const failed = inState('awaiting_otp');
    failed.rec.machine.fail('otp_expired', 'no new OTP');
    expect(failed.rec.machine.state).toBe('failed');
    expect(failed.rec.machine.failure).toEqual({ reason: 'otp_expired', message: 'no new OTP' });
    expect(failed.effects.calls).toContainEqual({ kind: 'metric', name: 'finished', args: ['failed', 'otp_expired'] });

    const cancelled = inState('awaiting_payment');
    cancelled.rec.machine.fail('cancelled', 'by the backend');
    expect(cancelled.rec.machine.state).toBe('cancelled');
    expect(cancelled.effects.calls).toContainEqual({
      kind: 'metric',
      name: 'finished',
      args: ['cancelled', 'cancelled'],
    });
  });
});

describe('attention', () => {
  it('a hold sets the memo, its release clears it', () => {
    const { rec, effects } = inState('awaiting_payment');
    rec.machine.holdForOperator('validatePayment', '{"shape":"odd"}');
    expect(rec.machine.hold).toEqual({ step: 'validatePayment', since: T0 });
    expect(rec.machine.needsAttention).toBe(true);
    expect(effects.take()).toEqual([
      { kind: 'attentionMemo', reason: `${ATTENTION_REASONS.unrecognisedAnswer} (validatePayment)` },
    ]);
    rec.machine.releaseHold('by ops: looked');
    expect(rec.machine.hold).toBeUndefined();
    expect(rec.machine.needsAttention).toBe(false);
    expect(effects.take()).toEqual([{ kind: 'attentionMemo', reason: undefined }]);
    rec.machine.releaseHold('again');
    expect(effects.calls).toEqual([]);
  });

  it('a flag stays: set once, kept through a hold released', () => {
    const { rec, effects } = inState('failed');
    rec.machine.flagNeedsAttention('late payment');
    rec.machine.flagNeedsAttention('another late payment');
    expect(effects.take()).toEqual([{ kind: 'attentionMemo', reason: 'late payment' }]);
    expect(rec.machine.events.map((event) => event.type)).toEqual(['needs_attention', 'needs_attention']);
    rec.machine.holdForOperator('validatePayment', 'x');
    rec.machine.releaseHold('by ops');
    expect(rec.machine.needsAttention).toBe(true);
    expect(effects.calls.filter((call) => call.kind === 'attentionMemo' && call.reason === undefined)).toEqual([]);
  });

  it('the audit trail keeps the latest 200 entries and counts what it dropped', () => {
    const { rec } = build();
    for (let i = 0; i < 205; i++) rec.machine.note('tick', String(i));
    expect(rec.machine.events).toHaveLength(200);
    expect(rec.machine.events[0]?.detail).toBe('5');
    expect(rec.machine.droppedEvents).toBe(5);
    expect(rec.status().events[0]?.type).toBe('earlier_events_dropped');
  });
});
