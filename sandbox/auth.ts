// Vlens-surface authentication (part B): ApiKey on every call (401), Bearer on BusinessRequest calls
// (present but unknown/expired -> 403; missing -> accepted unless requireBearer).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SandboxContext } from './context';
import { errors } from './envelope';
import { findToken } from './tokens';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authenticate(ctx: SandboxContext, request: FastifyRequest, path: string): void {
  const apiKey = request.headers['apikey'];
  if (typeof apiKey !== 'string' || !sameSecret(apiKey, ctx.opts.apiKey)) throw errors.badApiKey();
  if (!path.startsWith('/api/BusinessRequest/')) return;

  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    if (ctx.opts.requireBearer) throw errors.badToken('Missing bearer token');
    return;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1] || !findToken(ctx.state, ctx.opts, match[1], 'access')) throw errors.badToken();
}
