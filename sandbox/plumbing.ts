// Cross-cutting request handling: auth, fault injection, the call log, request logging, and the error
// handlers that guarantee every failure (ours, Fastify's, or a bug) leaves as an envelope; the one
// exception is a refused Bearer, an empty 401 as ASP.NET's JwtBearer answers it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, authorize } from './auth';
import { callContext, isVlensSurface, pathOf, sendAnswer, sendEnvelope } from './call-context';
import type { SandboxContext } from './context';
import { fail, VlensError } from './envelope';
import type { Fault } from './faults';

const FAULT_MESSAGES: Record<number, string> = {
  429: 'Too many requests',
  500: 'Internal server error (injected fault)',
  503: 'Service unavailable (injected fault)',
};

export function registerPlumbing(app: FastifyInstance, ctx: SandboxContext): void {
  // Auth runs before the body is parsed, so a call without ApiKey gets 401 whatever its body.
  app.addHook('onRequest', async (request) => {
    const path = pathOf(request);
    if (isVlensSurface(path)) authenticate(ctx, request, path);
  });

  // Faults run after parsing, so the call log can name the requestId of a faulted call. A user token's
  // binding to its request is checked first, once the request is known.
  app.addHook('preValidation', async (request, reply) => {
    const path = pathOf(request);
    if (!isVlensSurface(path)) return;
    const call = callContext(request);
    call.requestId = requestIdOf(request);
    authorize(request, call.requestId);
    for (const fault of ctx.state.faults.fire(path)) {
      call.faultId = fault.id;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.drop) return drop(request, reply, ctx, path);
      if (fault.status !== undefined) throw faultError(fault);
      if (fault.answer) {
        call.errorCode = null;
        return reply
          .code(fault.answer.status)
          .header('content-type', fault.answer.contentType ?? 'application/json; charset=utf-8')
          .send(fault.answer.body);
      }
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const path = pathOf(request);
    if (isVlensSurface(path)) {
      const call = callContext(request);
      if (!call.logged) {
        call.logged = true;
        ctx.state.calls.push({
          at: new Date(ctx.opts.now()).toISOString(),
          method: request.method,
          path,
          httpStatus: reply.statusCode,
          errorCode: call.errorCode,
          ...(call.requestId ? { requestId: call.requestId } : {}),
          ...(call.faultId ? { faultId: call.faultId } : {}),
        });
      }
    }
    // Method, path and status only: never bodies, headers or query strings (codes, images, tokens, positions).
    ctx.log('info', `${request.method} ${path} ${reply.statusCode}`);
  });

  app.setErrorHandler((error: FastifyError | VlensError, request, reply) => {
    if (error instanceof VlensError) return sendAnswer(reply, error.toAnswer());
    return sendEnvelope(reply, ...fastifyErrorToEnvelope(error, ctx));
  });

  app.setNotFoundHandler((request, reply) =>
    sendEnvelope(reply, 404, fail(404, `No route for ${request.method} ${pathOf(request)}`)),
  );
}

/** Fastify's own errors (body parsing, media type, size) mapped to part B's envelope; anything else is a 500. */
function fastifyErrorToEnvelope(error: FastifyError, ctx: SandboxContext): [number, ReturnType<typeof fail>] {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, fail(415, 'Unsupported media type: send application/json')];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, fail(413, 'Request body too large')];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [
        400,
        fail(4000, 'One or more validation errors occurred.', [{ field: 'body', message: 'must not be empty' }]),
      ];
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    // JSON syntax errors quote the input; answer with a fixed message instead.
    return [
      400,
      fail(4000, 'One or more validation errors occurred.', [{ field: 'body', message: 'malformed JSON body' }]),
    ];
  }
  ctx.log('warn', `internal error: ${error.name}: ${error.message}`);
  return [500, fail(500, 'Internal sandbox error')];
}

function faultError(fault: Fault): VlensError {
  const status = fault.status ?? 500;
  const headers: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
  return new VlensError(status, status, FAULT_MESSAGES[status] ?? 'Injected fault', null, headers);
}

/** A dropped call: no response at all, the socket is destroyed. Logged here since onResponse may not run. */
function drop(request: FastifyRequest, reply: FastifyReply, ctx: SandboxContext, path: string): void {
  const call = callContext(request);
  call.logged = true;
  ctx.state.calls.push({
    at: new Date(ctx.opts.now()).toISOString(),
    method: request.method,
    path,
    httpStatus: 0,
    errorCode: null,
    ...(call.requestId ? { requestId: call.requestId } : {}),
    ...(call.faultId ? { faultId: call.faultId } : {}),
    dropped: true,
  });
  reply.hijack();
  request.raw.socket.destroy();
}

function requestIdOf(request: FastifyRequest): string | undefined {
  const body = request.body as { requestId?: unknown } | null | undefined;
  const params = request.params as { id?: unknown } | undefined;
  const candidate = (body && typeof body === 'object' ? body.requestId : undefined) ?? params?.id;
  return typeof candidate === 'string' && candidate.length <= 64 ? candidate.toLowerCase() : undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
