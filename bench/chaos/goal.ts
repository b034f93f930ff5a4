// The chaos goal of issue 23 item 5, per scenario: every activation ends as scripted within its budget,
// with 0 unfinished, 0 lost, 0 doubled beyond proven crash re-executions and 0 stuck. Each activation is
// counted in exactly one of: as scripted, unfinished, lost, stuck; doubled is counted on top (an
// activation can end as scripted and still have sent a second SMS).
import type { DriveRecord } from '../lib/gateway-driver';
import type { ActivationVerdict } from './verify';

export interface GoalRow {
  /** Activations the driver began (the requested number). */
  activations: number;
  /** Of those, how many the gateway acknowledged (a request id came back). */
  started: number;
  /** Reached the scripted end (activated, or cancelled) within the budget, as the app saw it and Temporal. */
  asScripted: number;
  /** Anything else that is neither lost nor stuck: not started in time, a different end, or still open. */
  unfinished: number;
  /** Started (acknowledged), but Temporal has no workflow for it. */
  lost: number;
  /** A Vlens side effect or a payment acted on beyond what the workflow intended, no crash explaining it. */
  doubled: number;
  /** A workflow task failing (other than UNHANDLED_COMMAND): the workflow cannot move by itself. */
  stuck: number;
  /** Proven crash re-executions (not counted as doubled; listed with their evidence). */
  crashReexecutions: number;
  met: boolean;
}

export type Category = 'asScripted' | 'unfinished' | 'lost' | 'stuck';

/** Which of the four exclusive categories one activation falls in. */
export function categorize(record: DriveRecord, verdict: ActivationVerdict | undefined): Category {
  if (verdict?.lost) return 'lost';
  if (verdict && verdict.stuckTaskFailures > 0) return 'stuck';
  const ended = verdict?.finalState ?? record.finalState;
  if (record.requestId && !record.error && ended === record.expected) return 'asScripted';
  return 'unfinished';
}

export function goalRow(records: DriveRecord[], verdicts: ActivationVerdict[]): GoalRow {
  const byId = new Map(verdicts.map((v) => [v.requestId, v]));
  const counts: Record<Category, number> = { asScripted: 0, unfinished: 0, lost: 0, stuck: 0 };
  for (const r of records) counts[categorize(r, r.requestId ? byId.get(r.requestId) : undefined)]++;
  const doubled = verdicts.filter((v) => v.doubled.length > 0).length;
  const row = {
    activations: records.length,
    started: records.filter((r) => r.requestId).length,
    ...counts,
    doubled,
    crashReexecutions: verdicts.reduce((sum, v) => sum + v.crashReexecutions.length, 0),
  };
  return {
    ...row,
    met: row.asScripted === row.activations && row.unfinished + row.lost + row.stuck + row.doubled === 0,
  };
}

/** The goal table: one line per scenario. */
export function goalTable(
  rows: Array<{ name: string; goal: GoalRow; kills: number; killed: Record<string, number> }>,
): string {
  const header = [
    'scenario',
    'started',
    'as scripted',
    'unfinished',
    'lost',
    'doubled',
    'stuck',
    'crash re-exec',
    'kills',
    'goal',
  ];
  const lines = rows.map(({ name, goal, kills }) => [
    name,
    `${goal.started}/${goal.activations}`,
    String(goal.asScripted),
    String(goal.unfinished),
    String(goal.lost),
    String(goal.doubled),
    String(goal.stuck),
    String(goal.crashReexecutions),
    kills ? String(kills) : '-',
    goal.met ? 'met' : 'NOT met',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(line)].join('\n');
}
