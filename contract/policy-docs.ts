// The policy table as Markdown, for docs/gateway.md ("The activation policy"): generated from the table in
// contract/policy.ts by `npm run contract:generate`; test/contract/policy-table.test.ts fails when the
// document differs, so the docs cannot drift from the code.
import path from 'node:path';
import { POLICY_FIELDS, POLICY_SETTINGS, isCountField, type PolicyField } from './policy';

/** The document that holds the table. */
export const POLICY_DOC = path.join(import.meta.dirname, '..', 'docs', 'gateway.md');

export const POLICY_TABLE_START =
  '<!-- policy-table:start (generated from contract/policy.ts: npm run contract:generate) -->';
export const POLICY_TABLE_END = '<!-- policy-table:end -->';

const UNITS: Array<[number, string]> = [
  [24 * 3_600_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

function bound(field: PolicyField, value: number): string {
  if (isCountField(field) || value === 0) return String(value);
  const [size, unit] = UNITS.find(([size]) => value % size === 0) ?? [1, 'ms'];
  return `${value / size}${unit}`;
}

export function policyTableMarkdown(): string {
  const rows = POLICY_FIELDS.map((field) => {
    const s = POLICY_SETTINGS[field];
    const may = s.direction === 'max' ? 'lower it' : 'raise it';
    return `| \`${field}\` | ${s.default} | ${s.unit} | ${may} | ${bound(field, s.floor)} | ${bound(field, s.ceiling)} | \`${s.env}\` | ${s.means} |`;
  });
  return [
    '| setting | default | unit | a request may only | floor | ceiling | env var | what |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** `markdown` with the text between the table's markers replaced by a fresh table; throws without the markers. */
export function withPolicyTable(markdown: string): string {
  const start = markdown.indexOf(POLICY_TABLE_START);
  const end = markdown.indexOf(POLICY_TABLE_END);
  if (start < 0 || end < start) throw new Error(`the policy table's markers are missing: ${POLICY_TABLE_START}`);
  return `${markdown.slice(0, start + POLICY_TABLE_START.length)}\n${policyTableMarkdown()}\n${markdown.slice(end)}`;
}
