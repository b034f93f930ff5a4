// The policy an activation starts with: the server's (contract/server-policy.ts), tightened by the request.
import { loosenedFields, tightenedPolicy } from '../contract/server-policy';
import type { Policy } from '../contract/types';
import { PolicyNotAllowed } from './errors';

/**
 * Throws PolicyNotAllowed naming every field the request tried to loosen. The result is complete, so the
 * workflow's own defaults (which may be looser than the server's) never apply.
 */
export function applyServerPolicy(requested: Partial<Policy> | undefined, server: Policy): Policy {
  const problems = loosenedFields(requested, server);
  if (problems.length) {
    throw new PolicyNotAllowed(
      `policy not allowed: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return tightenedPolicy(requested, server);
}
