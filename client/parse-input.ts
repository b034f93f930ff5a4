// The client's side of the request schemas (contract/request-schemas.ts): a value that fails one is refused
// with the typed InvalidInput (errors.ts) naming every bad field, before anything reaches Temporal.
import type { z } from 'zod';
import { fieldProblems, requestIdSchema } from '../contract/request-schemas';
import { InvalidInput } from './errors';

/** Parses or throws InvalidInput naming every bad field; returns only the fields the contract knows. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error);
  const summary = problems.map((p) => (p.field ? `${p.field} ${p.message}` : p.message)).join('; ');
  throw new InvalidInput(`invalid ${what}: ${summary}`, problems);
}

/** The canonical (lowercase) form of a requestId; throws InvalidInput for anything that is not a UUID. */
export function normaliseRequestId(requestId: string): string {
  return parseInput(requestIdSchema, requestId, 'requestId');
}
