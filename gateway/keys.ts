// The gateway's API keys (GATEWAY_API_KEYS): each key belongs to one tenant and has one role.
//
//   GATEWAY_API_KEYS=acme:backend:sk_live_…,acme:operator:op_live_…,*:operator:support_…,acme:read-only:ro_…
//
// An entry is `<tenant>:<role>:<key>`; `*` as the tenant gives an operator or read-only key every tenant
// (a support desk), never a backend key: a backend starts activations, which must belong to one tenant.
// A bare `<key>` (the format before tenants) still works in development, as a backend key of the
// `default` tenant, so `dev-key` and existing setups keep working; production refuses bare keys
// (config.ts), because there a key without a tenant would silently share one with every other bare key.
import { DEFAULT_TENANT, ROLES, TENANT_NAME, type Role } from '../contract/tenants';

export interface ApiKeySpec {
  key: string;
  tenant: string;
  role: Role;
  /** `*` tenant: an operator or read-only key that sees every tenant. */
  allTenants: boolean;
  /** false for a bare key (tenant and role defaulted). */
  explicit: boolean;
}

const ENTRY = new RegExp(`^(\\*|${TENANT_NAME.source.slice(1, -1)}):(${ROLES.join('|')}):(\\S+)$`);

/** Parses one entry; returns a problem (never naming the key itself) when it is not usable. */
export function parseApiKeyEntry(entry: string, position: number): ApiKeySpec | { problem: string } {
  const match = ENTRY.exec(entry);
  if (!match) {
    // Something that looks like an attempt at `tenant:role:key` but is not one is a typo, not a bare key.
    const parts = entry.split(':');
    if (parts.length >= 3 && (ROLES as readonly string[]).includes(parts[1] ?? '')) {
      return { problem: `entry ${position}: tenant must match ${TENANT_NAME} or be *` };
    }
    return { key: entry, tenant: DEFAULT_TENANT, role: 'backend', allTenants: false, explicit: false };
  }
  const [, tenant = '', role = '', key = ''] = match;
  if (tenant === '*' && role === 'backend') {
    return { problem: `entry ${position}: a backend key needs one tenant (* is for operator and read-only keys)` };
  }
  return { key, tenant: tenant === '*' ? '*' : tenant, role: role as Role, allTenants: tenant === '*', explicit: true };
}

export function parseApiKeys(entries: readonly string[]): { keys: ApiKeySpec[]; problems: string[] } {
  const keys: ApiKeySpec[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const parsed = parseApiKeyEntry(entry, i + 1);
    if ('problem' in parsed) problems.push(parsed.problem);
    else if (seen.has(parsed.key)) problems.push(`entry ${i + 1}: the same key is configured twice`);
    else {
      seen.add(parsed.key);
      keys.push(parsed);
    }
  });
  return { keys, problems };
}
