// Per-call facts gathered across hooks (error code sent, requestId, fault, a user token's request) for the
// call log and the auth checks, keyed by the raw request so nothing is bolted onto Fastify's types.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VlensError, type Answer, type Envelope } from './envelope';

export interface CallContext {
  errorCode: number | null;
  requestId?: string;
  faultId?: string;
  /** The request a user token was issued for; unset for service tokens and calls without a Bearer. */
  boundRequestId?: string;
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

/** The only way answers leave the server, so the call log always knows the code. */
export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  callContext(reply.request).errorCode = answer.logCode;
  if (answer.headers) reply.headers(answer.headers);
  reply.code(answer.httpStatus);
  return answer.body === null ? reply.send() : reply.send(answer.body);
}

/** An envelope as it stands (the transport-level answers, the same in both dialects). */
export function sendEnvelope(reply: FastifyReply, httpStatus: number, envelope: Envelope): FastifyReply {
  return sendAnswer(reply, { httpStatus, body: envelope, logCode: envelope.error_code });
}

/**
 * Runs one activation step and sends its answer, or the answer for the rule it broke: both in the words
 * `refused` and the step's own answer choose (the dialect's). Anything but a `VlensError` is a bug and
 * goes on to the error handler.
 */
export function answerStep(
  reply: FastifyReply,
  step: () => Answer,
  refused: (error: VlensError) => Answer,
): FastifyReply {
  let answer: Answer;
  try {
    answer = step();
  } catch (e) {
    if (!(e instanceof VlensError)) throw e;
    answer = refused(e);
  }
  return sendAnswer(reply, answer);
}

/** The path without the query string (logs and fault globs never see query values). */
export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export const isVlensSurface = (path: string) => path.startsWith('/api/');
