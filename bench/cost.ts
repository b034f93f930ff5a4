// Cost per activation, counted from real histories: billable Temporal actions (as Temporal Cloud counts
// them), history events and bytes, for the happy path and the liveness branch, with where each action
// comes from; and what reconciliation polling costs while an activation waits for its payment.
import { msToNumber } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { submitOtpUpdate } from '../contract/messages';
import { DEFAULT_POLICY, workflowIdFor } from '../contract/types';
import type { BenchContext } from './lib/bench-context';
import { billableTimeline, countActions, readHistory, type BillableItem } from './lib/histories';
import { device } from './lib/temporal-driver';

export interface PathCost {
  path: 'happy' | 'liveness';
  runs: number;
  /** Per run; identical runs show the path is deterministic. */
  actions: number[];
  events: number[];
  historyBytes: number[];
  byKind: Record<string, number>;
  notBilled: Record<string, number>;
  timeline: BillableItem[];
  /** Billable but invisible in history: queries and updates rejected by a validator, made by this driver. */
  driverSideActions: { queries: number; rejectedUpdates: number };
  goal: number;
  met: boolean;
}

export interface ReconcileCost {
  measuredChecks: number;
  /** Billable actions per reconciliation check (its timer + its StepValidatePayment attempt). */
  actionsPerCheck: number;
  eventsPerCheck: number;
  bytesPerCheck: number;
  /** With the default policy (2 min doubling to 10 min). */
  defaultPolicy: {
    checksFirstHour: number;
    checksPerHourAfter: number;
    actionsFirstHour: number;
    actionsPerHourAfter: number;
    actionsInDefaultPaymentWindow: number;
    paymentTimeout: string;
  };
  timeline: BillableItem[];
}

export interface CostResult {
  happy: PathCost;
  liveness: PathCost;
  reconcile: ReconcileCost;
}

const HAPPY_GOAL = 14;
const LIVENESS_GOAL = 22;

async function pathCost(ctx: BenchContext, path: 'happy' | 'liveness', runs: number): Promise<PathCost> {
  const actions: number[] = [];
  const events: number[] = [];
  const historyBytes: number[] = [];
  let last: { byKind: Record<string, number>; notBilled: Record<string, number>; timeline: BillableItem[] } | undefined;
  const rejectedBefore = ctx.driver.counters.rejectedUpdates;
  for (let i = 0; i < runs; i++) {
    const { requestId } = await ctx.driver.run({ liveness: path === 'liveness' });
    const { facts, events: history } = await readHistory(ctx.client, ctx.codec, workflowIdFor(requestId));
    const counted = countActions(history);
    actions.push(counted.total);
    events.push(facts.events);
    historyBytes.push(facts.bytes);
    last = {
      byKind: counted.items,
      notBilled: counted.notBilled,
      timeline: await billableTimeline(history, ctx.codec),
    };
    ctx.log(
      `  cost ${path} run ${i + 1}/${runs}: ${counted.total} actions, ${facts.events} events, ${facts.bytes} bytes`,
    );
  }
  const goal = path === 'happy' ? HAPPY_GOAL : LIVENESS_GOAL;
  return {
    path,
    runs,
    actions,
    events,
    historyBytes,
    byKind: last!.byKind,
    notBilled: last!.notBilled,
    timeline: last!.timeline,
    driverSideActions: { queries: 0, rejectedUpdates: ctx.driver.counters.rejectedUpdates - rejectedBefore },
    goal,
    met: Math.max(...actions) <= goal,
  };
}

/** Check times (minutes after the payment wait began) under a reconcile schedule, up to `horizonMin`. */
export function reconcileSchedule(initialMin: number, maxMin: number, horizonMin: number): number[] {
  const times: number[] = [];
  let t = 0;
  let interval = initialMin;
  for (;;) {
    t += interval;
    if (t > horizonMin + 1e-9) return times;
    times.push(t);
    interval = Math.min(interval * 2, maxMin);
  }
}

async function reconcileCost(ctx: BenchContext): Promise<ReconcileCost> {
  // Short intervals so the measurement takes seconds: 1 s doubling to 2 s, for 12 s, then a 1 s late window.
  const policy = {
    paymentReconcileInitial: '1s',
    paymentReconcileMax: '2s',
    paymentTimeout: '12s',
    latePaymentWindow: '1s',
  };
  const seeded = await ctx.driver.seed();
  const handle = await ctx.driver.start(seeded, { policy });
  const otp = await ctx.driver.waitForOtp(seeded.requestId);
  await ctx.driver.update(() =>
    handle.executeUpdate(submitOtpUpdate, { args: [{ code: otp.code, device: device() }] }),
  );
  ctx.log('  cost reconcile: an activation left unpaid for 12 s with checks every 1-2 s...');
  await handle.result().catch(() => undefined); // fails with payment_timeout, as intended
  const { events: history } = await readHistory(ctx.client, ctx.codec, handle.workflowId);
  const timeline = await billableTimeline(history, ctx.codec);
  // The waiting part: from the OTP update to the payment timeout's final check (exclusive).
  const updateAt = timeline.findIndex((i) => i.action === 'update');
  const waiting = timeline.slice(updateAt + 1);
  const checks = waiting.filter((i) => i.action === 'activity attempt' && i.detail.startsWith('validatePayment'));
  const checkTimers = waiting.filter((i) => i.action === 'timer' && /awaiting_payment/.test(i.detail));
  // The last validatePayment is the final check at the payment timeout, not a reconciliation.
  const measuredChecks = Math.max(1, checks.length - 1);
  const actionsPerCheck = (measuredChecks + Math.min(checkTimers.length, measuredChecks)) / measuredChecks;
  // Events and bytes per check: what the history grows by from one check to the next.
  const firstCheck = checks[0]?.eventId ?? 0;
  const lastCheck = checks[checks.length - 2]?.eventId ?? firstCheck;
  const span = history.filter((e) => Number(e.eventId) > firstCheck && Number(e.eventId) <= lastCheck);
  const eventsPerCheck = measuredChecks > 1 ? span.length / (measuredChecks - 1) : NaN;
  const bytesPerCheck =
    measuredChecks > 1
      ? proto.temporal.api.history.v1.History.encode({ events: span }).finish().length / (measuredChecks - 1)
      : NaN;

  const initialMin = msToNumber(DEFAULT_POLICY.paymentReconcileInitial) / 60_000;
  const maxMin = msToNumber(DEFAULT_POLICY.paymentReconcileMax) / 60_000;
  const windowMin = msToNumber(DEFAULT_POLICY.paymentTimeout) / 60_000;
  const firstHour = reconcileSchedule(initialMin, maxMin, 60).length;
  const secondHour = reconcileSchedule(initialMin, maxMin, 120).length - firstHour;
  const inWindow = reconcileSchedule(initialMin, maxMin, windowMin).filter((t) => t < windowMin).length;
  return {
    measuredChecks,
    actionsPerCheck,
    eventsPerCheck,
    bytesPerCheck,
    defaultPolicy: {
      checksFirstHour: firstHour,
      checksPerHourAfter: secondHour,
      actionsFirstHour: Math.round(firstHour * actionsPerCheck),
      actionsPerHourAfter: Math.round(secondHour * actionsPerCheck),
      // Each check plus the final check at the timeout (an activity; its wake-up is the timeout timer).
      actionsInDefaultPaymentWindow: Math.round(inWindow * actionsPerCheck + 2),
      paymentTimeout: String(DEFAULT_POLICY.paymentTimeout),
    },
    timeline: waiting,
  };
}

export async function runCostBenchmark(ctx: BenchContext, options: { runs: number }): Promise<CostResult> {
  ctx.log(`cost: ${options.runs} activations per path, histories read back from the server`);
  const happy = await pathCost(ctx, 'happy', options.runs);
  const liveness = await pathCost(ctx, 'liveness', options.runs);
  const reconcile = await reconcileCost(ctx);
  ctx.log(
    `cost: happy path ${happy.actions.join('/')} actions (goal <= ${happy.goal}: ${happy.met ? 'met' : 'NOT met'}), ` +
      `liveness ${liveness.actions.join('/')} (goal <= ${liveness.goal}: ${liveness.met ? 'met' : 'NOT met'}); ` +
      `reconciliation ${reconcile.actionsPerCheck} actions per check, ${reconcile.defaultPolicy.actionsPerHourAfter}/h at the default policy`,
  );
  return { happy, liveness, reconcile };
}
