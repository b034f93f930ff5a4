// Tenants and roles (issue 12): the names every part checks the same way. The gateway's keys and client
// secrets carry a tenant, the client records it on each activation (client/tenancy.ts), the CLI signs
// client secrets for it (contract/client-secret.ts).
/**
 * The tenant of keys configured without one (development only: production refuses such keys, see
 * gateway/config.ts) and of activations started before tenants existed (no attribute).
 */
export const DEFAULT_TENANT = 'default';

/**
 * A tenant name. Plain lowercase, so it can be placed inside a visibility query without quoting
 * problems and compared byte for byte.
 */
export const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const ROLES = ['backend', 'operator', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export function isTenantName(value: string): boolean {
  return TENANT_NAME.test(value);
}
