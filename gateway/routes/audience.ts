// What the authenticated audiences' plugins share (apps.ts, backends.ts, operators.ts): their dependencies,
// one tenant guard (its memory of owners), one set of rate limits (limits.ts) and the Idempotency-Key
// binding (../idempotency.ts), plus the steps every route that names an activation takes.
//
// Who may do what (issue 12):
//   read-only   GET list, GET status
//   backend     + start, cancel, payment-completed, and the app steps on the app's behalf
//   operator    GET list, GET status, the operator repairs under /ops/
//   client secret (an app): OTP, resend, liveness and GET status of its one activation
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ActivationClient } from '../../client';
import type { Policy } from '../../contract/types';
import { appView, TenantGuard } from '../access';
import { principalOf, requireAuth, type ApiKeyChecker, type RouteAccess } from '../auth';
import type { ClientSecrets } from '../../contract/client-secret';
import type { BodyLimits, RateLimits } from '../config';
import type { ChangeWatchers } from '../change-watchers';
import type { EventDedupStore } from '../dedup/store';
import { createIdempotency, type Idempotency } from '../idempotency';
import type { RequestGrants } from '../request-grants';
import type { WaitingSlots } from '../waiting-slots';
import { createRouteLimits, type RouteLimits } from './limits';

export interface AudienceDeps {
  activations: ActivationClient;
  apiKeys: ApiKeyChecker;
  clientSecrets: ClientSecrets;
  /** When set, a start must carry the grant of its requestId to the caller's tenant (request-grants.ts). */
  requestGrants?: RequestGrants;
  /** The policy requests may only tighten; undefined: requests are taken as they are (development). */
  serverPolicy?: Policy;
  /** Where Idempotency-Key bindings are recorded (the same record as webhook dedup). */
  dedup: EventDedupStore;
  rateLimits: RateLimits;
  bodyLimits: BodyLimits;
  /** Tenants with a webhook endpoint ('*' = all): their activations are started with webhooks on. */
  webhookTenants: readonly string[];
  /** How long a start waits for the first Vlens step (0: answer at once). */
  firstStepWaitMs: number;
  /** Long polls and streams open at once per caller (waiting-slots.ts). */
  waitingSlots: WaitingSlots;
  /** The one shared wait per activation that answers every long poll and stream (change-watchers.ts). */
  watchers: ChangeWatchers;
  /** Where the hosted activation page is reached (page/routes.ts); a start then answers `activationUrl`. */
  activationPageBaseUrl?: string;
}

export interface Audience {
  deps: AudienceDeps;
  tenants: TenantGuard;
  limits: RouteLimits;
  idempotency: Idempotency;
  /** The onRequest hook each audience's plugin adds: who calls, and may they use the route (auth.ts). */
  authenticate: ReturnType<typeof requireAuth>;
}

export const READERS: RouteAccess = { roles: ['backend', 'operator', 'read-only'] };
export const READERS_AND_APP: RouteAccess = { ...READERS, clientSecret: true };
export const BACKEND: RouteAccess = { roles: ['backend'] };
export const BACKEND_AND_APP: RouteAccess = { roles: ['backend'], clientSecret: true };
export const OPERATOR: RouteAccess = { roles: ['operator'] };

/** Made on the root instance after the rate-limit plugin (rate-limit.ts), before the audiences register. */
export function createAudience(app: FastifyInstance, deps: AudienceDeps): Audience {
  return {
    deps,
    tenants: new TenantGuard(deps.activations),
    limits: createRouteLimits(app, deps.rateLimits),
    idempotency: createIdempotency(deps.dedup),
    authenticate: requireAuth(deps.apiKeys, deps.clientSecrets),
  };
}

/** The activation in the URL, once it is the caller's (404 otherwise, access.ts); the body was validated before. */
export async function admit<B>(
  audience: Audience,
  request: FastifyRequest & { body: B; params: { requestId: string } },
): Promise<{ requestId: string; body: B }> {
  const requestId = await audience.tenants.check(principalOf(request), request.params.requestId);
  return { requestId, body: request.body };
}

/** What the caller may see of a status: an app's client secret sees it without events and attention. */
export const viewFor = (request: FastifyRequest) => (status: Parameters<typeof appView>[0]) =>
  principalOf(request).kind === 'client-secret' ? appView(status) : status;

/** An audience's plugin instance, its routes typed by their zod schemas. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
