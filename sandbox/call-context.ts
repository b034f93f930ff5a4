// Per-call facts gathered across hooks (error code sent, requestId, fault) for the call log, keyed by the
// raw request so nothing is bolted onto Fastify's types.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from './envelope';

export interface CallContext {
  errorCode: number | null;
  requestId?: string;
  faultId?: string;
  /** Set once the call is in the log, so a dropped call is not logged twice. */
  logged: boolean;
}

const contexts = new WeakMap<IncomingMessage, CallContext>();

export function callContext(request: FastifyRequest): CallContext {
  let ctx = contexts.get(request.raw);
  if (!ctx) {
    ctx = { errorCode: null, logged: false };
    contexts.set(request.raw, ctx);
  }
  return ctx;
}

/** The only way envelopes leave the server, so the call log always knows the error code. */
export function sendEnvelope(reply: FastifyReply, httpStatus: number, envelope: Envelope): FastifyReply {
  callContext(reply.request).errorCode = envelope.error_code;
  return reply.code(httpStatus).send(envelope);
}

/** The path without the query string (logs and fault globs never see query values). */
export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export const isVlensSurface = (path: string) => path.startsWith('/api/');
