// THE one place that maps what Vlens answers to what the workflow sees: a
// Vlens reply (HTTP status + envelope, activities/vlens-reply.ts) is first classified into a condition
// (activities/classify.ts), using the configured table (activities/reading-table.ts, overridable by env);
// the condition and the operation then pick either a typed business result or an ApplicationFailure
// (activities/outcome-table.ts, activities/vlens-failures.ts). Transport problems (timeouts, dropped
// connections) are built in activities/vlens-failures.ts too.
//
// Reading rules (fail closed; docs/vlens-answers.md): success is positive, never assumed — a 2xx, an
// error_code in the success set, and no error carried inside `data`; an answer that fits no rule is
// `unrecognised`, which is retried a bounded number of times and then handed to an operator.
//
// Failure messages and details carry the path, HTTP status, error_code, Vlens's message (scrubbed) and the
// answer's shape (activities/redaction.ts); never request or response values, which may hold OTP codes,
// images, tokens or positions.
import type { z } from 'zod';
import { classify, type ClassifyConfig, type VlensCondition } from './classify';
import type { VlensConfig } from './config';
import { ruleFor, type OpResults } from './outcome-table';
import { describeIssues } from './schemas';
import { replyFailure, unrecognisedData } from './vlens-failures';
import type { VlensOp, VlensReply } from './vlens-reply';

export type Settled<O extends VlensOp, D> =
  | { kind: 'success'; data: D }
  | { kind: 'outcome'; value: OpResults[O] }
  // Only StepValidatePayment has a confirm rule (OUTCOME_TABLE.alreadySigned).
  | (O extends 'validatePayment' ? { kind: 'confirm' } : never);

/**
 * Decides what a reply means for `op`: success with parsed `data`, a business outcome from the table, a
 * claim to confirm, or a thrown ApplicationFailure. Every flavour goes through here.
 */
export function settle<O extends VlensOp, S extends z.ZodType>(
  op: O,
  reply: VlensReply,
  dataSchema: S,
  config: ClassifyConfig & Pick<VlensConfig, 'maxRetryAfterMs'>,
): Settled<O, z.output<S>> {
  const condition = classify(reply, config);
  if (condition === 'success') {
    const envelope = reply.body.ok ? reply.body.envelope : undefined;
    const parsed = dataSchema.safeParse(envelope?.data ?? null);
    if (!parsed.success) throw unrecognisedData(op, reply, describeIssues(parsed.error));
    return { kind: 'success', data: parsed.data };
  }
  return settleCondition(op, condition, reply, config) as Settled<O, z.output<S>>;
}

/**
 * What a condition other than success means for `op` (its row of OUTCOME_TABLE): a business result, a
 * claim to confirm, or a thrown failure. Also used when a success envelope's `data` names the condition.
 */
export function settleCondition<O extends VlensOp>(
  op: O,
  condition: Exclude<VlensCondition, 'success'>,
  reply: VlensReply,
  config: Pick<VlensConfig, 'maxRetryAfterMs'>,
): Exclude<Settled<O, never>, { kind: 'success' }> {
  const rule = ruleFor(op, condition);
  if ('result' in rule) return { kind: 'outcome', value: rule.result };
  if ('confirm' in rule) return { kind: 'confirm' } as Exclude<Settled<O, never>, { kind: 'success' }>;
  throw replyFailure(op, condition, rule, reply, config);
}
