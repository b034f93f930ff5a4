// The Temporal codec server: lets the Temporal UI (`--ui-codec-endpoint`) and CLI (`--codec-endpoint`)
// decode payloads for authorised operators, and encode inputs they type. Protocol: POST /encode and
// /decode (also under /{namespace}/ for the CLI's endpoint templating) with a JSON Payloads body.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PayloadCodec } from '@temporalio/common';
import { createEncryptionCodec } from './encryption-codec';
import { CodecDecodeError } from './errors';
import type { CodecKeys } from './keys';
import { payloadsBodySchema, payloadsFromJson, payloadsToJson } from './payload-json';
import { createCodecAuthorizer, type CodecAuthorizer } from './codec-auth';
import type { JwtSettings } from './codec-auth';

export const CODEC_SERVER_BODY_LIMIT = 8 * 1024 * 1024;
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

export interface CodecServerOptions {
  port: number;
  host?: string;
  keys: CodecKeys;
  tokens: readonly string[];
  /** OIDC bearer tokens (codec-auth.ts); static tokens keep working beside them. */
  jwt?: JwtSettings;
  /** Replaces the authorizer built from `tokens` and `jwt` (tests pass one with a local key set). */
  authorizer?: CodecAuthorizer;
  corsOrigins: readonly string[];
  /** The namespace of a request that names none in its path or X-Namespace header (default `default`). */
  namespace?: string;
  /** Default true; see CODEC_SERVER_AUTH in codec-server-config.ts. */
  requireAuth?: boolean;
  bodyLimit?: number;
  /** Fastify logger option; request logs carry method and URL only, never bodies. */
  logger?: boolean | object;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ error: { code, message } });

export function buildCodecServer(options: CodecServerOptions): FastifyInstance {
  // Payloads are bound to their namespace (encryption-codec.ts): each request gets a codec for its own.
  const defaultNamespace = options.namespace ?? 'default';
  const grantedTo = new WeakMap<FastifyRequest, { namespace: string; scoped: boolean }>();
  const namespaceOf = (request: FastifyRequest): string | undefined => {
    // The namespace from the path (`/{namespace}/decode`), else the UI's X-Namespace header.
    const fromPath = (request.params as { namespace?: string }).namespace;
    const header = request.headers['x-namespace'];
    return fromPath ?? (typeof header === 'string' && header ? header : undefined);
  };
  const origins = new Set(options.corsOrigins);
  const authorize =
    options.authorizer ??
    createCodecAuthorizer({ tokens: options.tokens, ...(options.jwt ? { jwt: options.jwt } : {}) });
  const requireAuth = options.requireAuth ?? true;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? CODEC_SERVER_BODY_LIMIT,
    // Browsers (an operator's open UI tab) keep idle and pre-connected sockets: close them on shutdown,
    // or SIGTERM waits for the tab to go away.
    forceCloseConnections: true,
  });

  // CORS first, so even a 401 reaches the UI's JavaScript as a readable error instead of an opaque CORS failure.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
    }
    reply.header('vary', 'Origin');
    // Browsers send preflights without credentials: answer them before the auth check.
    if (request.method === 'OPTIONS') {
      if (!origin || !origins.has(origin)) return sendError(reply, 403, 'origin_not_allowed', 'origin not allowed');
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });

  // Route-level onRequest (after CORS, before the body is read): an unauthenticated caller costs no parsing.
  const authorized = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    const namespace = namespaceOf(request);
    grantedTo.set(request, { namespace: namespace ?? defaultNamespace, scoped: false });
    if (requireAuth) {
      const verdict = await authorize(request.headers.authorization, direction, namespace);
      if (verdict === 'unauthenticated') {
        reply.header('www-authenticate', 'Bearer');
        return sendError(reply, 401, 'unauthorized', 'a valid Authorization: Bearer <token> header is required');
      }
      if (verdict === 'forbidden') {
        return sendError(
          reply,
          403,
          'forbidden',
          `the token does not grant ${direction}${namespace ? ` in namespace ${namespace}` : ''}`,
        );
      }
      // A role for one namespace reads that namespace's payloads only: version 1 payloads name none, so
      // they stay encrypted for it (an unscoped role or a static token reads them).
      if (verdict === 'ok-in-namespace' && namespace) grantedTo.set(request, { namespace, scoped: true });
    }
  };

  const handle = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = payloadsBodySchema.safeParse(request.body);
    if (!parsed.success) {
      return sendError(
        reply,
        400,
        'invalid_request',
        'body must be { payloads: [{ metadata: {k: base64}, data: base64 }] }',
      );
    }
    const grant = grantedTo.get(request) ?? { namespace: defaultNamespace, scoped: false };
    const codec: PayloadCodec = createEncryptionCodec(options.keys, {
      namespace: grant.namespace,
      unbound: grant.scoped ? 'leave-encrypted' : 'decrypt',
    });
    try {
      const payloads = await codec[direction](payloadsFromJson(parsed.data));
      return reply.send(payloadsToJson(payloads));
    } catch (error) {
      // Decode failures (unknown key id, tampering) are the caller's data problem; the message names no secret.
      if (error instanceof CodecDecodeError) return sendError(reply, 400, 'decode_failed', error.message);
      throw error;
    }
  };

  app.get('/healthz', async () => ({ ok: true }));
  // The OPTIONS route exists so Fastify routes preflights to the hook above instead of answering 404 first.
  app.options('/*', async (_request, reply) => reply.code(204).send());
  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, { onRequest: authorized(direction) }, handle(direction));
    app.post(`/:namespace/${direction}`, { onRequest: authorized(direction) }, handle(direction));
  }
  return app;
}

/** Starts the server and resolves once it listens; `url` has the real port (useful with port 0 in tests). */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const app = buildCodecServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}
