// The pass criteria of one chaos run, checked per activation against three independent witnesses: the
// sandbox (what Vlens saw: SMS sends, StepValidatePayment calls), the Temporal history (task failures,
// signals per payment event), and the workflow's own final status (its audit trail).
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { activityRuns, finalStatus, readHistory, type ActivityRun, type HistoryFacts } from '../lib/histories';
import { httpJson } from '../lib/http';
import type { DriveRecord } from '../lib/gateway-driver';
import { workflowIdFor, type ActivationStatus } from '../../contract/types';

export interface SandboxCall {
  at: string;
  method: string;
  path: string;
  httpStatus: number;
  errorCode: number | null;
  requestId?: string;
  faultId?: string;
  dropped?: boolean;
}

export interface ActivationVerdict {
  requestId: string;
  script: string;
  expected: string;
  finalState?: string;
  smsSent: number;
  expectedSms: number;
  validatePaymentOk: number;
  /** Max paymentCompleted signals that carried one eventId (1 = no duplicate reached the workflow). */
  maxSignalsPerEvent: number;
  /** Payment notifications the workflow acted on, against distinct event ids. */
  actedNotifications: number;
  distinctEvents: number;
  taskFailures: Record<string, number>;
  taskTimeouts: number;
  breaches: string[];
  /** The gateway acknowledged the start, but Temporal has no such workflow. */
  lost: boolean;
  /** Side effects beyond what the workflow intended and no crash explains, and payments acted on twice. */
  doubled: string[];
  /** Workflow task failures other than the benign ones: the workflow cannot move by itself. */
  stuckTaskFailures: number;
  /** Extra Vlens side effects explained by an activity attempt lost with a killed worker (see below). */
  crashReexecutions: string[];
}

const ACTED = new Set(['payment_notification', 'payment_notification_early', 'payment_notification_after_activation']);

const ok = (call: SandboxCall) => call.httpStatus === 200 && (call.errorCode === null || call.errorCode === 0);

/**
 * UNHANDLED_COMMAND is the server refusing a completion because a new event (here typically Vlens's
 * status webhook, or a duplicate payment signal) arrived while the task ran; the SDK retries at once.
 * It is reported, but it is not a fault of the workflow code, unlike every other cause.
 */
export const BENIGN_TASK_FAILURES = new Set(['UNHANDLED_COMMAND']);

export async function verifyActivations(args: {
  records: DriveRecord[];
  client: Client;
  codec: PayloadCodec;
  sandboxUrl: string;
  calls: SandboxCall[];
  closeWaitMs?: number;
  /** When the piece that runs activities (worker, or the server it reports to) was killed, epoch ms. */
  kills?: number[];
}): Promise<ActivationVerdict[]> {
  const byRequest = new Map<string, SandboxCall[]>();
  for (const call of args.calls) {
    if (!call.requestId) continue;
    const list = byRequest.get(call.requestId) ?? [];
    list.push(call);
    byRequest.set(call.requestId, list);
  }
  const verdicts: ActivationVerdict[] = [];
  // A few at a time: histories are fetched from the dev server that other work shares.
  const queue = [...args.records];
  const workers = Array.from({ length: 8 }, async () => {
    for (let record = queue.shift(); record; record = queue.shift()) {
      verdicts.push(await verifyOne(record, args, byRequest.get(record.requestId) ?? []));
    }
  });
  await Promise.all(workers);
  return verdicts.sort((a, b) => a.requestId.localeCompare(b.requestId));
}

async function verifyOne(
  record: DriveRecord,
  args: { client: Client; codec: PayloadCodec; sandboxUrl: string; closeWaitMs?: number; kills?: number[] },
  calls: SandboxCall[],
): Promise<ActivationVerdict> {
  const breaches: string[] = [];
  const verdict: ActivationVerdict = {
    requestId: record.requestId,
    script: record.script,
    expected: record.expected,
    smsSent: -1,
    expectedSms: 1 + record.acceptedResends,
    validatePaymentOk: 0,
    maxSignalsPerEvent: 0,
    actedNotifications: 0,
    distinctEvents: 0,
    taskFailures: {},
    taskTimeouts: 0,
    breaches,
    lost: false,
    doubled: [],
    stuckTaskFailures: 0,
    crashReexecutions: [],
  };
  if (!record.requestId) {
    breaches.push(`never started: ${record.error ?? 'unknown'}`);
    return verdict;
  }
  const workflowId = workflowIdFor(record.requestId);

  // The final status, from Temporal itself (waits for the close: cancelled runs keep a late-payment window).
  let status: ActivationStatus | undefined;
  try {
    status = await finalStatus(args.client, workflowId, args.closeWaitMs ?? 60_000);
  } catch (error) {
    breaches.push(`could not read the result: ${error instanceof Error ? error.message : String(error)}`);
  }
  verdict.finalState = status?.state ?? record.finalState;
  if (verdict.finalState !== record.expected) {
    breaches.push(
      `ended ${verdict.finalState ?? 'unknown/open'}${status?.failureReason ? ` (${status.failureReason})` : ''}, expected ${record.expected}` +
        (record.error ? `; driver: ${record.error}` : ''),
    );
  } else if (record.error) {
    breaches.push(`driver error: ${record.error}`);
  }

  // The history.
  let facts: HistoryFacts | undefined;
  let runs: ActivityRun[] = [];
  try {
    const read = await readHistory(args.client, args.codec, workflowId);
    facts = read.facts;
    runs = activityRuns(read.events);
  } catch (error) {
    breaches.push(`could not read the history: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof Error && /not ?found/i.test(`${error.name} ${error.message}`)) verdict.lost = true;
  }
  if (facts) {
    verdict.taskFailures = facts.taskFailures;
    verdict.taskTimeouts = facts.byType.WORKFLOW_TASK_TIMED_OUT ?? 0;
    for (const [cause, n] of Object.entries(facts.taskFailures)) {
      if (BENIGN_TASK_FAILURES.has(cause)) continue;
      breaches.push(`${n} workflow task failure(s): ${cause}`);
      verdict.stuckTaskFailures += n;
    }
    const perEvent = Object.values(facts.paymentSignals);
    verdict.maxSignalsPerEvent = perEvent.length ? Math.max(...perEvent) : 0;
    verdict.distinctEvents = perEvent.length;
  }
  // What Vlens saw.
  const sandbox = await httpJson(`${args.sandboxUrl}/sandbox/requests/${record.requestId}`, 'GET');
  verdict.smsSent = typeof sandbox.body?.smsSent === 'number' ? sandbox.body.smsSent : -1;
  const smsCalls = calls.filter((c) => c.path.endsWith('StepRequestOtp') && ok(c));
  judgeSideEffect(
    verdict,
    'requestOtp',
    'SMS sends (successful StepRequestOtp)',
    verdict.smsSent,
    verdict.expectedSms,
    smsCalls,
    runs,
    args.kills ?? [],
  );
  const validateCalls = calls.filter((c) => c.path.endsWith('StepValidatePayment') && ok(c));
  verdict.validatePaymentOk = validateCalls.length;
  const wantValidate = record.expected === 'activated' ? 1 : 0;
  judgeSideEffect(
    verdict,
    'validatePayment',
    'successful StepValidatePayment calls',
    verdict.validatePaymentOk,
    wantValidate,
    validateCalls,
    runs,
    args.kills ?? [],
  );

  if (status) {
    verdict.actedNotifications = status.events.filter((e) => ACTED.has(e.type)).length;
    if (verdict.actedNotifications > verdict.distinctEvents) {
      const what = `acted on ${verdict.actedNotifications} payment notifications for ${verdict.distinctEvents} distinct events`;
      breaches.push(what);
      verdict.doubled.push(what);
    }
  }
  return verdict;
}

/**
 * Compares a Vlens side effect (what the sandbox saw) with what the workflow intended. An excess is a
 * breach, except when the history proves an at-least-once re-execution forced by a crash: every extra call
 * is matched by an earlier attempt of the same activity that ended in a timeout (nobody reported its result:
 * the worker died with it), and a kill happened between the first and the last of the calls. Then the workflow did the right thing and the extra call is the price of a
 * side effect without an idempotency key; it is reported separately, with the evidence.
 */
function judgeSideEffect(
  verdict: ActivationVerdict,
  activityType: string,
  what: string,
  seen: number,
  intended: number,
  calls: SandboxCall[],
  runs: ActivityRun[],
  kills: number[],
): void {
  if (seen === intended) return;
  const mine = runs.filter((r) => r.type === activityType);
  // Attempts that ended without a result because nobody reported one in time (the worker died with them).
  const lostAttempts = mine
    .filter((r) => r.attempt > 1 && /timeout/i.test(r.lastFailure ?? ''))
    .reduce((sum, r) => sum + (r.attempt - 1), 0);
  const times = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  const killBetween = kills.some((k) => k >= first - 1_000 && k <= last + 1_000);
  const evidence =
    `${what}: ${seen}, intended ${intended}; sandbox saw them at ${calls.map((c) => c.at.slice(11, 23)).join(', ')}; ` +
    `history: ${mine.map((r) => `${r.type} ${r.outcome} on attempt ${r.attempt}${r.lastFailure ? ` (previous: ${r.lastFailure})` : ''}`).join('; ')}`;
  const explained = seen > intended && seen - intended <= lostAttempts && killBetween;
  if (explained) verdict.crashReexecutions.push(evidence);
  else verdict.breaches.push(evidence);
  if (seen > intended && !explained) verdict.doubled.push(evidence);
}
