// The chaos goal's arithmetic (bench/chaos/goal.ts): the published table comes from these functions alone,
// so each category is pinned here with the evidence that puts an activation in it.
import { describe, expect, it } from 'vitest';
import { categorize, goalRow } from '../../bench/chaos/goal';
import type { ActivationVerdict } from '../../bench/chaos/verify';
import type { DriveRecord } from '../../bench/lib/gateway-driver';

const record = (over: Partial<DriveRecord> = {}): DriveRecord => ({
  index: 0,
  script: 'happy',
  requestId: 'r1',
  paymentGateway: 'kashier',
  expected: 'activated',
  finalState: 'activated',
  acceptedResends: 0,
  webhookPosts: 1,
  webhookAnswers: {},
  ms: {},
  startedAt: 0,
  ...over,
});

const verdict = (over: Partial<ActivationVerdict> = {}): ActivationVerdict => ({
  requestId: 'r1',
  script: 'happy',
  expected: 'activated',
  finalState: 'activated',
  smsSent: 1,
  expectedSms: 1,
  validatePaymentOk: 1,
  maxSignalsPerEvent: 1,
  actedNotifications: 1,
  distinctEvents: 1,
  taskFailures: {},
  taskTimeouts: 0,
  breaches: [],
  lost: false,
  doubled: [],
  stuckTaskFailures: 0,
  crashReexecutions: [],
  ...over,
});

describe('chaos goal', () => {
  it('counts an activation that reached its scripted end within the budget as scripted', () => {
    expect(categorize(record(), verdict())).toBe('asScripted');
    expect(categorize(record({ script: 'cancel', expected: 'cancelled' }), verdict({ finalState: 'cancelled' }))).toBe(
      'asScripted',
    );
  });

  it('counts a driver that ran out of budget as unfinished, even when Temporal ended it as scripted later', () => {
    expect(categorize(record({ error: 'deadline' }), verdict())).toBe('unfinished');
    expect(categorize(record(), verdict({ finalState: 'failed' }))).toBe('unfinished');
    expect(categorize(record({ requestId: '' }), undefined)).toBe('unfinished');
  });

  it('counts a missing workflow as lost and a failing workflow task as stuck, before anything else', () => {
    expect(categorize(record(), verdict({ lost: true }))).toBe('lost');
    expect(categorize(record(), verdict({ stuckTaskFailures: 1 }))).toBe('stuck');
  });

  it('meets the goal only with every activation as scripted and nothing doubled', () => {
    const clean = goalRow([record()], [verdict({ crashReexecutions: ['proven'] })]);
    expect(clean).toMatchObject({ started: 1, asScripted: 1, doubled: 0, crashReexecutions: 1, met: true });
    const doubled = goalRow([record()], [verdict({ doubled: ['2 SMS'] })]);
    expect(doubled).toMatchObject({ asScripted: 1, doubled: 1, met: false });
    const open = goalRow([record(), record({ requestId: 'r2', error: 'deadline' })], [verdict()]);
    expect(open).toMatchObject({ activations: 2, started: 2, asScripted: 1, unfinished: 1, met: false });
  });
});
