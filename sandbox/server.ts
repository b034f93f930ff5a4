// Builds and starts the sandbox: a Fastify app with the Vlens surface (/api/...), the simulated payment
// gateway and the test controls (/sandbox/...), all state in memory.
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { redactString } from '../codec/redact';
import { logStream } from '../telemetry/log-output';
import { resolveOptions, type SandboxOptions } from './config';
import type { SandboxContext } from './context';
import { dialectFor } from './dialect';
import { fail } from './envelope';
import { registerPlumbing } from './plumbing';
import { businessRequestRoutes } from './routes/business-request';
import { controlRoutes } from './routes/controls';
import { credentialsRoutes } from './routes/credentials';
import { customerSignRoutes } from './routes/customer-sign';
import { legacyRoutes } from './routes/legacy';
import { paymentRoutes } from './routes/payments';
import { SandboxState } from './state';
import { WebhookSender, type Logger } from './webhooks';

export type { SandboxOptions } from './config';
export { SandboxState } from './state';

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  /** Live in-memory state (requests, OTPs, payments, tokens, calls, faults, webhook deliveries). */
  state: SandboxState;
  options: SandboxOptions;
  close(): Promise<void>;
}

// Four liveness images of up to 500 KB each, base64-encoded, fit with room to spare; anything larger
// gets the 413 envelope before it is parsed.
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export function buildSandboxApp(opts: SandboxOptions, state: SandboxState, publicUrl: () => string) {
  // First, so an unknown dialect fails start-up before anything listens.
  const dialect = dialectFor(opts.dialect);
  const app: FastifyInstance = Fastify({
    logger: opts.log ? { level: 'info', ...logStream() } : false,
    // Our own onResponse line logs method, path and status only; Fastify's would log URLs with queries.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Framework errors that bypass the error handler (e.g. a malformed URL) still answer with the envelope.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).send(fail(4000, 'Malformed request'));
    },
  });
  // Messages name paths and errors; a credential-shaped value in either is masked (codec/redact.ts).
  const log: Logger = (level, message) =>
    level === 'warn' ? app.log.warn(redactString(message)) : app.log.info(redactString(message));
  const webhooks = new WebhookSender(state, opts, log);
  const ctx: SandboxContext = { state, opts, dialect, webhooks, publicUrl, log };

  // JSON only: a text/plain body is a 415, as on Vlens. `application/*+json` is JSON too (ASP.NET accepts it).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    /^application\/[\w.-]+\+json$/,
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  registerPlumbing(app, ctx);
  customerSignRoutes(app, ctx);
  legacyRoutes(app, ctx);
  businessRequestRoutes(app, ctx);
  credentialsRoutes(app, ctx);
  paymentRoutes(app, ctx);
  controlRoutes(app, ctx);
  app.addHook('onClose', async () => webhooks.close());
  return app;
}

export async function startSandbox(options: Partial<SandboxOptions> = {}): Promise<RunningSandbox> {
  const opts = resolveOptions(options);
  const state = new SandboxState();
  let url = '';
  const app = buildSandboxApp(opts, state, () => (opts.publicUrl ?? url).replace(/\/+$/, ''));
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('sandbox did not bind to a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  return { url, port: address.port, state, options: opts, close: () => app.close() };
}
