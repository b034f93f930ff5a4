// Tenant checks (issue 12): an activation belongs to the tenant recorded in its `ActivationTenant`
// search attribute at start (client/tenancy.ts). Every route that names an activation checks it before
// doing anything, and answers another tenant's activation exactly like a missing one (404 not_found,
// never 403), so a key cannot even learn that a requestId exists elsewhere.
import { type ActivationClient, ActivationNotFound, normaliseRequestId } from '../client';
import type { ActivationStatus } from '../contract/types';
import type { Principal } from './auth';

/**
 * Owners found are remembered this long; an owner never changes (a start by another tenant is refused,
 * client/activation-client.ts). Only the caller's own activations are answered from memory: see check.
 */
const OWNER_CACHE_MS = 10 * 60_000;
const OWNER_CACHE_ENTRIES = 20_000;

export class TenantGuard {
  private readonly owners = new Map<string, { tenant: string; at: number }>();

  constructor(private readonly activations: ActivationClient) {}

  /**
   * Returns the canonical requestId when `principal` may act on it; throws ActivationNotFound when the
   * activation belongs to another tenant or does not exist (every route that checks names an existing
   * activation; a start does not come through here).
   *
   * Another tenant's activation and a requestId nobody started must be indistinguishable, in the answer
   * and in its timing (issue 27: 1 ms against 11 ms was an oracle). Both therefore cost the same single
   * describe: the memory of owners answers only for the caller's own activations, and a missing one is
   * refused here instead of after a second round trip to Temporal.
   */
  async check(principal: Principal, rawRequestId: string): Promise<string> {
    const requestId = normaliseRequestId(rawRequestId);
    if (principal.kind === 'client-secret') {
      // Its MAC already binds it to this workflow id (contract/client-secret.ts); the tenant is checked as well.
      if (principal.requestId !== requestId) throw new ActivationNotFound(requestId);
    } else if (principal.allTenants) {
      return requestId;
    }
    const owner = await this.ownerOf(requestId, principal.tenant);
    if (owner !== principal.tenant) throw new ActivationNotFound(requestId);
    return requestId;
  }

  private async ownerOf(requestId: string, asking: string): Promise<string | undefined> {
    const now = Date.now();
    const cached = this.owners.get(requestId);
    if (cached && cached.tenant === asking && now - cached.at < OWNER_CACHE_MS) return cached.tenant;
    const tenant = await this.activations.tenantOf(requestId);
    if (tenant === undefined) return undefined;
    this.owners.delete(requestId);
    this.owners.set(requestId, { tenant, at: now });
    for (const oldest of this.owners.keys()) {
      if (this.owners.size <= OWNER_CACHE_ENTRIES) break;
      this.owners.delete(oldest);
    }
    return tenant;
  }
}

/**
 * What an app holding a client secret sees of its activation: its own state, next action, OTP and
 * payment details, but not the audit trail (`events` names operators and their reasons) nor the
 * operator-facing `attention` record.
 */
export function appView(status: ActivationStatus): Omit<ActivationStatus, 'events' | 'attention'> {
  const { events: _events, attention: _attention, ...visible } = status;
  return visible;
}
