// Issue 12, "History-limit kills": payment hints beyond the per-run cap are acknowledged and dropped
// without any further effect (no Vlens call, no timer), counted in a metric and noted once; and an activation
// whose history grows past its threshold continues as new, carrying its state, and still completes.
import { describe, expect } from 'vitest';
import { activation } from '../../workflows';
import { MAX_PAYMENT_EVENT_IDS } from '../../workflows/payment/payment-notices';
import { operatorVerifyPaymentUpdate, paymentCompletedSignal, statusQuery } from '../../contract/messages';
import { ActivationStateKey, ActivationTenantKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { workflowIdFor } from '../../contract/types';
import { notifierIdFor } from '../../workflows/notifications';
import { deviceAt, workerMetricsUrl } from './harness';
import { historyEventTypes, recordHistory } from './history-recorder';
import { sleep, submitInboxOtp } from './scenario-helpers';
import { receiverTest, temporalTest as test } from './fixtures';

const ops = { operator: 'ops@example.com', reason: 'customer sent the receipt' };

/** Sums a Prometheus metric's samples whose labels include every given pair. */
async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(workerMetricsUrl())).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([\d.eE+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

const count = (types: string[], type: string) => types.filter((t) => t === type).length;

describe('history stays bounded', () => {
  test('payment hints beyond the cap of distinct event ids are dropped: no Vlens call, no timer, one note', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    // Reconciliation far away: every Vlens payment check in this test comes from a hint.
    const handle = await h.start(seeded, { policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' } });
    const accepted = await submitInboxOtp(h, handle, seeded);
    expect(accepted.status.state).toBe('awaiting_payment');

    for (let i = 0; i < MAX_PAYMENT_EVENT_IDS; i++) {
      await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: `kashier:flood-${i}` });
    }
    // Quiet again: every hint taken, the last payment check answered "not confirmed".
    await expect
      .poll(async () => (await handle.describe()).raw.pendingActivities?.length ?? 0, { timeout: 15_000 })
      .toBe(0);
    await sleep(500);
    const before = await historyEventTypes(handle);
    const droppedBefore = await metricSum('vlens_payment_hints_dropped');
    expect(count(before, 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toBeGreaterThan(0);

    const extra = 20;
    for (let i = 0; i < extra; i++) {
      await handle.signal(paymentCompletedSignal, { source: 'vlens', eventId: `vlens:flood-extra-${i}` });
    }
    await expect
      .poll(async () => (await metricSum('vlens_payment_hints_dropped')) - droppedBefore, { timeout: 10_000 })
      .toBe(extra);
    await sleep(500);
    const after = await historyEventTypes(handle);
    // The signals themselves are in history; nothing they caused is.
    expect(
      count(after, 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED') - count(before, 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED'),
    ).toBe(extra);
    for (const type of [
      'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      'EVENT_TYPE_TIMER_STARTED',
      'EVENT_TYPE_MARKER_RECORDED',
    ]) {
      // One marker: the patch of the first drop (payment.ts), recorded with it.
      const allowed = type === 'EVENT_TYPE_MARKER_RECORDED' ? 1 : 0;
      expect(count(after, type) - count(before, type), type).toBe(allowed);
    }
    const status = await handle.query(statusQuery);
    expect(status.state).toBe('awaiting_payment');
    expect(status.events.filter((e) => e.type === 'payment_notifications_dropped')).toHaveLength(1);

    // The cap drops hints, not payments: an operator's check (or reconciliation) still completes it.
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    const paid = await handle.executeUpdate(operatorVerifyPaymentUpdate, { args: [ops] });
    expect(paid.activated).toBe(true);
    expect((await handle.result()).state).toBe('activated');
    await recordHistory('payment-hints-over-cap-dropped', handle);
  });

  test('past its history threshold the activation continues as new, carrying its state, and completes', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const workflowId = workflowIdFor(seeded.requestId);
    h.trackSecret(seeded.accessToken, 'access token');
    const handle = await h.client.workflow.start(activation, {
      taskQueue: h.taskQueue,
      workflowId,
      args: [
        {
          requestId: seeded.requestId,
          transactionId: seeded.transactionId,
          device: deviceAt(),
          accessToken: seeded.accessToken,
          // Small enough that a handful of messages cross it; the default is 10,000 (activation.ts).
          continueAsNewAfterEvents: 60,
          policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' },
        },
      ],
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: seeded.requestId },
        { key: ActivationTenantKey, value: 'acme' },
      ],
    });
    const firstRunId = handle.firstExecutionRunId;
    const accepted = await submitInboxOtp(h, handle, seeded);
    const link = accepted.status.nextAction.paymentLink!;
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'app:evt-A' });
    await expect
      .poll(async () => (await handle.query(statusQuery)).events.some((e) => e.type === 'payment_not_confirmed'))
      .toBe(true);
    const before = await handle.query(statusQuery);

    // Redeliveries of the same event: each only noted, but each grows the history.
    let runId = firstRunId;
    for (let i = 0; i < 60 && runId === firstRunId; i++) {
      await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'app:evt-A' });
      await sleep(100);
      runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRunId);
    const first = await h.client.workflow.getHandle(workflowId, firstRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(first.historyLength).toBeLessThan(100);

    const continued = await handle.query(statusQuery);
    expect(continued.state).toBe('awaiting_payment');
    expect(continued.version).toBeGreaterThan(before.version);
    expect(continued.payment?.link).toBe(link);
    expect(continued.payment?.deadline).toBe(before.payment?.deadline);
    expect(continued.spent).toEqual(before.spent);
    expect(continued.events.slice(0, before.events.length)).toEqual(before.events);
    expect(continued.events.at(-1)?.type).toBe('continued_as_new');
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(ActivationTenantKey)).toBe('acme');
    expect(described.typedSearchAttributes.get(ActivationStateKey)).toBe('awaiting_payment');

    // The event ids seen before are still known: a redelivery is a duplicate, not a new Vlens call.
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'app:evt-A' });
    await expect
      .poll(async () => (await handle.query(statusQuery)).events.at(-1)?.type)
      .toBe('payment_notification_duplicate');

    await h.payThroughPage(link);
    await handle.signal(paymentCompletedSignal, { source: 'kashier', eventId: 'kashier:evt-B' });
    const final = await handle.result();
    expect(final.state).toBe('activated');
    expect(final.events.some((e) => e.type === 'continued_as_new')).toBe(true);
    await recordHistory('continue-as-new-first-run', h.client.workflow.getHandle(workflowId, firstRunId));
    await recordHistory('continue-as-new-completed', h.client.workflow.getHandle(workflowId, runId));
  });
});

describe('continue-as-new with outbound webhooks', () => {
  receiverTest(
    'the notifier the first run started hears every change of the continued run, in order, to the end',
    async ({ harness: h, receiver }) => {
      const seeded = await h.seed();
      const handle = await h.start(seeded, {
        webhooks: true,
        continueAsNewAfterEvents: 60,
        policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' },
      });
      const firstRunId = (await handle.describe()).runId;
      const accepted = await submitInboxOtp(h, handle, seeded);
      let runId = firstRunId;
      for (let i = 0; i < 60 && runId === firstRunId; i++) {
        await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'app:redelivered' });
        await sleep(100);
        runId = (await handle.describe()).runId;
      }
      expect(runId).not.toBe(firstRunId);
      await h.payThroughPage(accepted.status.nextAction.paymentLink!);
      await handle.signal(paymentCompletedSignal, { source: 'fawry', eventId: 'fawry:paid' });
      const done = await handle.result();
      expect(done.state).toBe('activated');
      await h.client.workflow.getHandle(notifierIdFor(seeded.requestId)).result();
      const versions = receiver.versionsFor(handle.workflowId);
      expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
      expect(versions.at(-1)).toBe(done.version);
      const states = receiver.accepted
        .filter((e) => e.data.activationId === handle.workflowId)
        .map((e) => e.data.object.state);
      expect(states.at(-1)).toBe('activated');
      await recordHistory('continue-as-new-webhooks-completed', h.client.workflow.getHandle(handle.workflowId, runId));
    },
  );
});
