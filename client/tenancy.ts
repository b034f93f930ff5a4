// Tenants and roles (issue 12): every activation belongs to the tenant whose key started it, recorded in
// the `ActivationTenant` search attribute at start, so ownership is visible to every gateway and to the
// list query without a database of our own. The client writes it at start; the workflow only reads it
// (to address its webhooks) and never upserts it, so it keeps the value set at start.
import { ActivationTenantKey, ALL_SEARCH_ATTRIBUTE_KEYS, TENANT_SEARCH_ATTRIBUTE } from '../contract/search-attributes';
import { DEFAULT_TENANT, isTenantName } from '../contract/tenants';

export { ActivationTenantKey, TENANT_SEARCH_ATTRIBUTE };
export { DEFAULT_TENANT, isTenantName, ROLES, TENANT_NAME, type Role } from '../contract/tenants';

/**
 * Every custom search attribute the server must know: the workflow's own two and the tenant. The dev
 * server start (scripts/local-stack.ts), the test server (test/temporal/global-setup.ts) and the
 * PostgreSQL setup (scripts/postgres/temporal-server.ts) register exactly this list.
 */
export const REGISTERED_SEARCH_ATTRIBUTE_KEYS = [...ALL_SEARCH_ATTRIBUTE_KEYS, ActivationTenantKey];

/** The tenant recorded on an execution; one without the attribute predates tenants and is the default's. */
export function tenantOfAttributes(attributes: { get(key: typeof ActivationTenantKey): string | undefined }): string {
  return attributes.get(ActivationTenantKey) ?? DEFAULT_TENANT;
}

/**
 * The visibility-query clause that keeps a list to one tenant. `tenant` must pass TENANT_NAME (checked
 * by the caller's configuration), which also makes it safe to place inside quotes.
 */
export function tenantQueryClause(tenant: string): string {
  if (!isTenantName(tenant)) throw new Error(`not a tenant name: ${JSON.stringify(tenant)}`);
  // Executions started before tenants existed carry no attribute; they belong to the default tenant.
  return tenant === DEFAULT_TENANT
    ? `(${TENANT_SEARCH_ATTRIBUTE} = '${tenant}' OR ${TENANT_SEARCH_ATTRIBUTE} IS NULL)`
    : `${TENANT_SEARCH_ATTRIBUTE} = '${tenant}'`;
}
