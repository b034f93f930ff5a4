// "Re-validate liveness first", in the forms a success answer can carry it: the legacy model's
// `needsReValidate: true`, or a message (as `data` or inside it) that names the demand.
import type { VlensConfig } from '../config';
import { matchesAll } from '../classify';

export function asksForRevalidation(data: unknown, config: Pick<VlensConfig, 'messagePatterns'>): boolean {
  const says = (text: unknown) =>
    typeof text === 'string' && matchesAll(text, config.messagePatterns.revalidationRequired);
  if (says(data)) return true;
  if (!data || typeof data !== 'object') return false;
  const fields = data as Record<string, unknown>;
  return fields.needsReValidate === true || says(fields.message) || says(fields.errorMessage);
}
