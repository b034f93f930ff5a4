// Vlens-surface authentication. ApiKey on every call: missing or wrong is 401 with the envelope, whose
// message names the ApiKey. Bearer on BusinessRequest calls, refused as ASP.NET's JwtBearer refuses it:
// 401 with no body (a missing Bearer is accepted unless requireBearer). A user token serves only the
// request it was issued for, which is known once the body is parsed, hence the second check.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { callContext } from './call-context';
import type { SandboxContext } from './context';
import { errors } from './envelope';
import { findToken } from './tokens';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Before the body is read: the ApiKey, and that a Bearer, if sent, is a live access token. */
export function authenticate(ctx: SandboxContext, request: FastifyRequest, path: string): void {
  const apiKey = request.headers['apikey'];
  if (typeof apiKey !== 'string' || !sameSecret(apiKey, ctx.opts.apiKey)) throw errors.badApiKey();
  if (!path.startsWith('/api/BusinessRequest/')) return;

  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    if (ctx.opts.requireBearer || seedRequiresBearer(ctx, path)) throw errors.bearerMissing();
    return;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = match?.[1] ? findToken(ctx.state, ctx.opts, match[1], 'access') : null;
  if (!token) throw errors.badToken();
  if (token.requestId !== null) callContext(request).boundRequestId = token.requestId;
}

/** The legacy seed marks `Authorization` required on `/Activate` (docs/vlens-api.md:73); the seed dialect holds to it. */
function seedRequiresBearer(ctx: SandboxContext, path: string): boolean {
  return ctx.dialect.name === 'seed' && path === '/api/BusinessRequest/Activate';
}

/**
 * Once the call names its request (body `requestId` or the `:id` in the path): a user token issued for
 * another request is refused like an invalid one. A call naming no request fails validation instead.
 */
export function authorize(request: FastifyRequest, requestId: string | undefined): void {
  const bound = callContext(request).boundRequestId;
  if (bound !== undefined && requestId !== undefined && requestId !== bound) throw errors.badToken();
}
