// Orchestration overhead: the Vlens calls of the liveness branch (StepRequestOtp answering "re-validate",
// StepReValidateLiveness, StepRequestOtp, StepValidateOtp, StepValidatePayment) made directly in a loop
// with the worker's own Vlens client, against the same calls made by the workflow at concurrency 1. Each
// workflow step is timed from its history (server timestamps: the trigger, the activity's scheduling and
// run, and the workflow task that records the result durably), and the two updates also from the client.
import { createActivities, makeVlensConfig, type VlensCallContext } from '../activities';
import type { BenchContext } from './lib/bench-context';
import { median, round } from './lib/bench-context';
import { fakeSelfies } from './lib/gateway-driver';
import { eventTypeName, readHistory, type HistoryEvent } from './lib/histories';
import { httpJson } from './lib/http';
import { device } from './lib/temporal-driver';
import { workflowIdFor } from '../contract/types';

const STEPS = [
  'requestOtp (re-validation demanded)',
  'revalidateLiveness',
  'requestOtp (OTP sent)',
  'validateOtp',
  'validatePayment',
] as const;
type Step = (typeof STEPS)[number];

export interface StepOverhead {
  step: Step;
  directMs: number;
  /** Trigger (start, update, signal, previous step) to the workflow task that recorded the result. */
  workflowMs: number;
  overheadMs: number;
  /** Where the workflow's time goes (medians): trigger -> activity scheduled -> started -> completed -> recorded. */
  parts: { toScheduled: number; scheduledToStarted: number; activityRun: number; completedToRecorded: number };
  /** Update round trip seen by the client, for the steps that run inside an update. */
  clientUpdateMs?: number;
}

export interface OverheadResult {
  iterations: number;
  steps: StepOverhead[];
  totals: { directMs: number; workflowMs: number; overheadMs: number };
}

const timeOf = (e: HistoryEvent | undefined) =>
  e ? Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6 : NaN;

interface StepTimes {
  workflow: number;
  toScheduled: number;
  scheduledToStarted: number;
  activityRun: number;
  completedToRecorded: number;
}

/** Per step of one liveness-branch history: trigger -> scheduled -> started -> completed -> recorded. */
function stepsFromHistory(events: HistoryEvent[]): Map<Step, StepTimes> {
  const type = (e: HistoryEvent) => eventTypeName(e.eventType);
  const activities = events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((scheduled) => {
      const id = Number(scheduled.eventId);
      const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
      const completed = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
      const index = completed ? events.indexOf(completed) : -1;
      const recorded = index >= 0 ? events.slice(index).find((e) => type(e) === 'WORKFLOW_TASK_COMPLETED') : undefined;
      return {
        name: scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        scheduled,
        started,
        completed,
        recorded,
      };
    });
  const updates = events
    .filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
    .map((accepted) => ({
      name: accepted.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '?',
      accepted,
    }));
  const signal = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentCompleted');
  const livenessUpdateDone = events.find(
    (e) =>
      e.workflowExecutionUpdateCompletedEventAttributes &&
      Number(e.workflowExecutionUpdateCompletedEventAttributes.acceptedEventId) ===
        Number(updates.find((u) => u.name === 'submitLiveness')?.accepted.eventId),
  );
  const requestOtps = activities.filter((a) => a.name === 'requestOtp');
  const plan: Array<[Step, string, HistoryEvent | undefined]> = [
    ['requestOtp (re-validation demanded)', 'requestOtp#0', events[0]],
    ['revalidateLiveness', 'revalidateLiveness', updates.find((u) => u.name === 'submitLiveness')?.accepted],
    ['requestOtp (OTP sent)', 'requestOtp#1', livenessUpdateDone],
    ['validateOtp', 'validateOtp', updates.find((u) => u.name === 'submitOtp')?.accepted],
    ['validatePayment', 'validatePayment', signal],
  ];
  const out = new Map<Step, StepTimes>();
  for (const [step, which, trigger] of plan) {
    const activity = which.startsWith('requestOtp#')
      ? requestOtps[Number(which.slice(-1))]
      : activities.find((a) => a.name === which);
    if (!activity || !trigger) continue;
    out.set(step, {
      workflow: timeOf(activity.recorded) - timeOf(trigger),
      toScheduled: timeOf(activity.scheduled) - timeOf(trigger),
      scheduledToStarted: timeOf(activity.started) - timeOf(activity.scheduled),
      activityRun: timeOf(activity.completed) - timeOf(activity.started),
      completedToRecorded: timeOf(activity.recorded) - timeOf(activity.completed),
    });
  }
  return out;
}

export async function runOverheadBenchmark(
  ctx: BenchContext,
  options: { iterations: number },
): Promise<OverheadResult> {
  const { iterations } = options;
  ctx.log(
    `overhead: ${iterations} liveness-branch activations, first as direct Vlens calls, then through the workflow (concurrency 1)`,
  );
  const sandboxUrl = ctx.stack.sandboxUrl;

  // Direct: the worker's own Vlens client, outside Temporal.
  const vlens = createActivities({ config: makeVlensConfig({ baseUrl: sandboxUrl }) });
  const direct = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  const timed = async <T>(step: Step, call: () => Promise<T>) => {
    const t = performance.now();
    const result = await call();
    direct.get(step)!.push(performance.now() - t);
    return result;
  };
  for (let i = 0; i < iterations + 2; i++) {
    const seeded = await ctx.driver.seed();
    const call: VlensCallContext = {
      requestId: seeded.requestId,
      transactionId: seeded.transactionId,
      accessToken: seeded.accessToken,
      paymentGateway: 'kashier',
      device: device(true),
    };
    const demand = await timed('requestOtp (re-validation demanded)', () =>
      vlens.requestOtp({ ...call, device: device(true) }),
    );
    if (!demand.livenessRequired) throw new Error('the direct loop expected a re-validation demand');
    await timed('revalidateLiveness', () =>
      vlens.revalidateLiveness({ ...call, device: device(true) }, fakeSelfies(seeded.requestId)),
    );
    const sent = await timed('requestOtp (OTP sent)', () => vlens.requestOtp({ ...call, device: device(true) }));
    const otp = (await httpJson(`${sandboxUrl}/sandbox/otps/${sent.otpRequestId}`, 'GET')).body;
    const validated = await timed('validateOtp', () =>
      vlens.validateOtp({ ...call, device: device(true) }, { otpRequestId: sent.otpRequestId!, code: otp.code }),
    );
    if (validated.outcome !== 'accepted' || !validated.paymentLink)
      throw new Error('the direct loop expected a payment link');
    await ctx.driver.pay(validated.paymentLink);
    const paid = await timed('validatePayment', () => vlens.validatePayment({ ...call, device: device(true) }));
    if (!paid.activated) throw new Error('the direct loop expected an activation');
    if (i === 1) for (const list of direct.values()) list.splice(0); // the first two warm up (login, JIT)
  }
  ctx.log(`  direct: ${STEPS.map((s) => `${s} ${round(median(direct.get(s)!))} ms`).join(', ')}`);

  // Through the workflow.
  const workflow = new Map<Step, StepTimes[]>(STEPS.map((s) => [s, []]));
  const clientLiveness: number[] = [];
  const clientOtp: number[] = [];
  for (let i = 0; i < iterations + 2; i++) {
    const { requestId, times } = await ctx.driver.run({ liveness: true });
    if (i < 2) continue; // warm-up
    clientLiveness.push(times.submitLiveness ?? NaN);
    clientOtp.push(times.submitOtp);
    const { events } = await readHistory(ctx.client, ctx.codec, workflowIdFor(requestId));
    for (const [step, t] of stepsFromHistory(events)) workflow.get(step)!.push(t);
    if ((i - 1) % 10 === 0) ctx.log(`  workflow: ${i - 1}/${iterations} activations`);
  }

  const steps: StepOverhead[] = STEPS.map((step) => {
    const w = workflow.get(step)!;
    const m = (f: (t: StepTimes) => number) => round(median(w.map(f)));
    const directMs = round(median(direct.get(step)!));
    const workflowMs = m((t) => t.workflow);
    return {
      step,
      directMs,
      workflowMs,
      overheadMs: round(workflowMs - directMs),
      parts: {
        toScheduled: m((t) => t.toScheduled),
        scheduledToStarted: m((t) => t.scheduledToStarted),
        activityRun: m((t) => t.activityRun),
        completedToRecorded: m((t) => t.completedToRecorded),
      },
      ...(step === 'revalidateLiveness' ? { clientUpdateMs: round(median(clientLiveness)) } : {}),
      ...(step === 'validateOtp' ? { clientUpdateMs: round(median(clientOtp)) } : {}),
    };
  });
  const totals = {
    directMs: round(steps.reduce((a, s) => a + s.directMs, 0)),
    workflowMs: round(steps.reduce((a, s) => a + s.workflowMs, 0)),
    overheadMs: round(steps.reduce((a, s) => a + s.overheadMs, 0)),
  };
  for (const s of steps) {
    ctx.log(
      `  ${s.step}: direct ${s.directMs} ms, workflow ${s.workflowMs} ms, overhead ${s.overheadMs} ms${s.clientUpdateMs !== undefined ? ` (update round trip ${s.clientUpdateMs} ms)` : ''}`,
    );
  }
  ctx.log(
    `overhead: ${totals.overheadMs} ms over ${STEPS.length} steps (${round(totals.overheadMs / STEPS.length)} ms per step)`,
  );
  return { iterations, steps, totals };
}
