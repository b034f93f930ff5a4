// Human-readable renderings of the status object and list rows for the CLI (`--json` prints the raw
// object instead). Only what the status carries, which never includes codes, images, tokens or positions.
import type { ActivationSummary } from '../activation-client';
import type { ActivationStatus, NextAction } from '../../contract/types';

function describeNextAction(next: NextAction): string {
  const parts: string[] = [];
  if (next.expiresAt) parts.push(`expires ${next.expiresAt}`);
  if (next.attemptsLeft !== undefined) parts.push(`${next.attemptsLeft} attempts left`);
  if (next.sendsLeft !== undefined) parts.push(`${next.sendsLeft} sends left`);
  if (next.resendAvailableAt) parts.push(`resend from ${next.resendAvailableAt}`);
  return parts.length ? `${next.type} (${parts.join(', ')})` : next.type;
}

function needsAttentionText(status: ActivationStatus): string {
  if (status.attention) {
    return `YES: Vlens gave an answer the service cannot read during ${status.attention.step} (since ${status.attention.since}); \`ops retry-step\` or \`ops cancel\``;
  }
  return 'YES (a payment arrived for an activation that did not complete)';
}

export function formatStatus(status: ActivationStatus): string {
  const rows: Array<[string, string | undefined]> = [
    ['Request', status.requestId],
    ['Workflow', status.workflowId],
    ['State', status.failureReason ? `${status.state} (${status.failureReason})` : status.state],
    ['Next action', describeNextAction(status.nextAction)],
    ['Payment link', status.nextAction.paymentLink ?? status.payment?.link],
    ['Payment deadline', status.payment?.deadline],
    ['Paid at', status.payment?.paidAt],
    [
      'Liveness',
      status.liveness
        ? `${status.liveness.required ? 'required' : 'not required'}, ${status.liveness.attemptsLeft} attempts left`
        : undefined,
    ],
    ['Needs attention', status.needsAttention ? needsAttentionText(status) : undefined],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = rows
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
  if (status.events.length) {
    lines.push('Events:');
    for (const event of status.events)
      lines.push(`  ${event.at}  ${event.type}${event.detail ? `  ${event.detail}` : ''}`);
  }
  return lines.join('\n');
}

export function formatList(rows: ActivationSummary[]): string {
  if (rows.length === 0) return 'no activations';
  const table = rows.map((row) => [row.requestId, row.state ?? '-', row.executionStatus, row.startTime]);
  const header = ['REQUEST', 'STATE', 'EXECUTION', 'STARTED'];
  const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => (cells[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(header), ...table.map(render)].join('\n');
}
