// Reading what really happened from Temporal histories: event counts by type, workflow task failures with
// their causes, decoded paymentCompleted signals (payloads are encrypted; we hold the key), the billable
// actions of an execution, and the history's size.
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
// Default import: @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot detect.
import proto from '@temporalio/proto';
import type { ActivationStatus, PaymentCompletedInput } from '../../contract/types';

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;
const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export function eventTypeName(type: number | null | undefined): string {
  const name = EventType[type ?? 0] ?? `EVENT_TYPE_${type}`;
  return name.replace(/^EVENT_TYPE_/, '');
}

export interface HistoryFacts {
  workflowId: string;
  events: number;
  bytes: number;
  byType: Record<string, number>;
  /** WORKFLOW_TASK_FAILED events by cause name. */
  taskFailures: Record<string, number>;
  /** eventId -> how many paymentCompleted signals carried it. */
  paymentSignals: Record<string, number>;
  closeType?: string;
}

export type { HistoryEvent };

export async function readHistory(
  client: Client,
  codec: PayloadCodec,
  workflowId: string,
): Promise<{ facts: HistoryFacts; events: HistoryEvent[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const facts: HistoryFacts = {
    workflowId,
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    byType: {},
    taskFailures: {},
    paymentSignals: {},
  };
  for (const event of events) {
    const type = eventTypeName(event.eventType);
    facts.byType[type] = (facts.byType[type] ?? 0) + 1;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) {
      const cause = (Cause[failed.cause ?? 0] ?? String(failed.cause)).replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '');
      facts.taskFailures[cause] = (facts.taskFailures[cause] ?? 0) + 1;
    }
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'paymentCompleted') {
      const payload = signal.input?.payloads?.[0];
      let eventId = '(undecodable)';
      if (payload) {
        try {
          const [decoded] = await codec.decode([payload]);
          eventId = (defaultPayloadConverter.fromPayload(decoded!) as PaymentCompletedInput).eventId;
        } catch {
          // counted under (undecodable)
        }
      }
      facts.paymentSignals[eventId] = (facts.paymentSignals[eventId] ?? 0) + 1;
    }
    if (type.startsWith('WORKFLOW_EXECUTION_') && /COMPLETED|FAILED|CANCELED|TERMINATED|TIMED_OUT|CONTINUED/.test(type))
      facts.closeType = type;
  }
  return { facts, events };
}

/** The final status object: the completed result, or the status carried in the failure's details. */
export async function finalStatus(
  client: Client,
  workflowId: string,
  waitMs = 60_000,
): Promise<ActivationStatus | undefined> {
  try {
    // A deadline, not a race: an abandoned long poll would outlive the connection and crash the process.
    return (await client.withDeadline(Date.now() + waitMs, () =>
      client.workflow.getHandle(workflowId).result(),
    )) as ActivationStatus;
  } catch (error) {
    if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) {
      return error.cause.details?.[0] as ActivationStatus | undefined;
    }
    return undefined;
  }
}

/**
 * Billable actions of one execution as Temporal Cloud counts them (docs.temporal.io/cloud/actions): the
 * workflow start, every activity attempt (a retry is billed again), every timer started (including the
 * implicit timer of `condition(fn, timeout)`), every signal, every update received (accepted here; a
 * rejected update is billed too but leaves no event), and every UpsertSearchAttributes command (search
 * attributes given at start are free, as is one that only sets TemporalChangeVersion). Queries are billed
 * too but leave no trace in history: the drivers count those separately. Markers (patch markers) and memo
 * upserts are not actions; they are listed under `notBilled`.
 */
export function countActions(events: HistoryEvent[]): {
  total: number;
  items: Record<string, number>;
  notBilled: Record<string, number>;
} {
  const items: Record<string, number> = {};
  const notBilled: Record<string, number> = {};
  const add = (what: string, n = 1, into = items) => {
    if (n > 0) into[what] = (into[what] ?? 0) + n;
  };
  for (const event of events) {
    const type = eventTypeName(event.eventType);
    switch (type) {
      case 'WORKFLOW_EXECUTION_STARTED':
        add('workflow start');
        break;
      case 'ACTIVITY_TASK_STARTED': {
        // Only the last attempt is written as an event; earlier failed attempts show in `attempt`.
        add('activity attempts', event.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      }
      case 'TIMER_STARTED':
        add('timers');
        break;
      case 'WORKFLOW_EXECUTION_SIGNALED':
        add(`signal ${event.workflowExecutionSignaledEventAttributes?.signalName ?? ''}`.trim());
        break;
      case 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
        add(
          `update ${event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? ''}`.trim(),
        );
        break;
      case 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const keys = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (keys.length === 1 && keys[0] === 'TemporalChangeVersion') add('TemporalChangeVersion upsert', 1, notBilled);
        else add('search-attribute upserts');
        break;
      }
      case 'WORKFLOW_PROPERTIES_MODIFIED':
        add('memo upserts', 1, notBilled);
        break;
      case 'MARKER_RECORDED':
        add(`marker ${event.markerRecordedEventAttributes?.markerName ?? ''}`.trim(), 1, notBilled);
        break;
      default:
        break;
    }
  }
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  return { total, items, notBilled };
}

export interface ActivityRun {
  type: string;
  scheduledAt?: string;
  /** The attempt that finished (earlier attempts were lost or failed and retried). */
  attempt: number;
  outcome: 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'open';
  closedAt?: string;
  lastFailure?: string;
}

const isoOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : undefined;

/** Every activity of the history with the attempt that finished it and how it ended. */
export function activityRuns(events: HistoryEvent[]): ActivityRun[] {
  const runs = new Map<string, ActivityRun>();
  for (const event of events) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      runs.set(id, {
        type: scheduled.activityType?.name ?? '?',
        scheduledAt: isoOf(event.eventTime),
        attempt: 1,
        outcome: 'open',
      });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const run = runs.get(String(started.scheduledEventId));
      if (run) {
        run.attempt = started.attempt ?? 1;
        if (started.lastFailure?.message) run.lastFailure = started.lastFailure.message;
      }
      continue;
    }
    const closed =
      (event.activityTaskCompletedEventAttributes &&
        (['completed', event.activityTaskCompletedEventAttributes] as const)) ||
      (event.activityTaskFailedEventAttributes && (['failed', event.activityTaskFailedEventAttributes] as const)) ||
      (event.activityTaskTimedOutEventAttributes &&
        (['timed_out', event.activityTaskTimedOutEventAttributes] as const)) ||
      (event.activityTaskCanceledEventAttributes &&
        (['cancelled', event.activityTaskCanceledEventAttributes] as const));
    if (closed) {
      const run = runs.get(String(closed[1].scheduledEventId));
      if (run) {
        run.outcome = closed[0];
        run.closedAt = isoOf(event.eventTime);
      }
    }
  }
  return [...runs.values()];
}

/** The activity type of each scheduled activity, in order (for "where does each action come from"). */
export function activityTypes(events: HistoryEvent[]): string[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => typeof name === 'string');
}

export interface BillableItem {
  eventId: number;
  action: string;
  detail: string;
  /** Milliseconds since the workflow started. */
  atMs: number;
}

async function decodeText(
  codec: PayloadCodec,
  payload: proto.temporal.api.common.v1.IPayload | null | undefined,
): Promise<string> {
  if (!payload) return '';
  try {
    const [decoded] = await codec.decode([payload]);
    const value = defaultPayloadConverter.fromPayload(decoded!);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return '';
  }
}

/** Each billable event of a history, in order, with where it comes from (for the cost tables). */
export async function billableTimeline(events: HistoryEvent[], codec: PayloadCodec): Promise<BillableItem[]> {
  const items: BillableItem[] = [];
  const t0 = Number(events[0]?.eventTime?.seconds ?? 0) * 1000 + Math.floor((events[0]?.eventTime?.nanos ?? 0) / 1e6);
  const activityOf = new Map<string, string>();
  for (const event of events) {
    const type = eventTypeName(event.eventType);
    const atMs = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6) - t0;
    const push = (action: string, detail: string) =>
      items.push({ eventId: Number(event.eventId), action, detail, atMs });
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    switch (type) {
      case 'WORKFLOW_EXECUTION_STARTED':
        push('workflow start', 'client start (search attributes set in the request: no upsert needed)');
        break;
      case 'ACTIVITY_TASK_STARTED': {
        const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
        const name = activityOf.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId)) ?? '?';
        for (let i = 1; i <= attempt; i++) push('activity attempt', `${name}${attempt > 1 ? ` (attempt ${i})` : ''}`);
        break;
      }
      case 'TIMER_STARTED': {
        const summary = await decodeText(codec, event.userMetadata?.summary);
        const fire = event.timerStartedEventAttributes?.startToFireTimeout;
        const ms = Number(fire?.seconds ?? 0) * 1000 + (fire?.nanos ?? 0) / 1e6;
        push(
          'timer',
          `${summary || 'condition timeout'} (${ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 1000).toFixed(1)} s`})`,
        );
        break;
      }
      case 'WORKFLOW_EXECUTION_SIGNALED':
        push('signal', event.workflowExecutionSignaledEventAttributes?.signalName ?? '?');
        break;
      case 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
        push('update', event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '?');
        break;
      case 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
        const detail = Object.entries(fields)
          .map(([key, payload]) => {
            try {
              return `${key}=${String(defaultPayloadConverter.fromPayload(payload))}`;
            } catch {
              return key;
            }
          })
          .join(', ');
        push(
          Object.keys(fields).length === 1 && fields.TemporalChangeVersion
            ? 'not billed: TemporalChangeVersion'
            : 'search-attribute upsert',
          detail,
        );
        break;
      }
      default:
        break;
    }
  }
  return items;
}
