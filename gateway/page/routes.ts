// The hosted activation page (issue 26), as a Fastify plugin of the gateway:
//   GET /activate/:requestId          the HTML shell (shell.ts), the same for every link
//   GET /activate/assets/:file        its script and stylesheet (assets.ts), gzipped when accepted
//   GET /activate/:requestId/config   the tenant's branding and the liveness limits, for a valid client secret
// Everything else the page does goes through the app routes with the client secret (routes/apps.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TenantGuard } from '../access';
import type { ActivationClient } from '../../client';
import { bearerToken } from '../auth';
import type { ClientSecrets } from '../../contract/client-secret';
import { GatewayError } from '../http-errors';
import { loadPageAssets } from './assets';
import type { TenantBranding } from './branding';
import { languageOf, SHELL_HEADERS, shellHtml } from './shell';

export interface PageRouteDeps {
  activations: ActivationClient;
  clientSecrets: ClientSecrets;
  branding: Readonly<Record<string, TenantBranding>>;
  /** The liveness body limit (config.ts BodyLimits.liveness): the page compresses selfies to fit it. */
  livenessBodyLimit: number;
}

/** Vlens: each image "under 500 KB" (docs/vlens-api.md). */
const VLENS_MAX_IMAGE_BYTES = 500 * 1024 - 1;
/** What the page aims for on a phone's data plan; well under both limits. */
const PAGE_TARGET_IMAGE_BYTES = 300 * 1024;
/** An image and three face frames (docs/vlens-api.md, StepReValidateLiveness). */
export const LIVENESS_IMAGES = 4;

/** Each image's byte budget so that all of them, base64 in JSON, fit the liveness body limit. */
export function pageImageBytes(livenessBodyLimit: number): number {
  const perImageBase64 = Math.floor((livenessBodyLimit - 4096) / LIVENESS_IMAGES);
  return Math.min(PAGE_TARGET_IMAGE_BYTES, VLENS_MAX_IMAGE_BYTES, Math.floor((perImageBase64 * 3) / 4));
}

/** One answer for every refused secret: the page shows its plain error page whatever the reason. */
const refused = () => new GatewayError(401, 'unauthorized', 'this link is not valid', { 'www-authenticate': 'Bearer' });

export function pageRoutes(deps: PageRouteDeps) {
  const tenants = new TenantGuard(deps.activations);
  const maxImageBytes = pageImageBytes(deps.livenessBodyLimit);

  return async function register(app: FastifyInstance): Promise<void> {
    const assets = await loadPageAssets();

    app.get<{ Params: { requestId: string } }>('/activate/:requestId', async (request, reply) =>
      reply.headers(SHELL_HEADERS).send(shellHtml(languageOf(request.headers['accept-language']), assets.version)),
    );

    app.get<{ Params: { file: string } }>('/activate/assets/:file', async (request, reply) => {
      const asset = assets.files.get(request.params.file);
      if (!asset) throw new GatewayError(404, 'not_found', 'no such file');
      reply
        .header('content-type', asset.contentType)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('vary', 'accept-encoding');
      if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
      return reply.send(asset.body);
    });

    app.get<{ Params: { requestId: string } }>('/activate/:requestId/config', async (request, reply) => {
      const token = bearerToken(request.headers.authorization);
      const verdict = token ? deps.clientSecrets.verify(token, request.params.requestId) : undefined;
      if (!verdict?.ok) throw refused();
      const { tenant, requestId } = verdict.secret;
      try {
        // The MAC binds the secret to the tenant; the activation must also be that tenant's.
        await tenants.check({ kind: 'client-secret', id: `cs-${requestId}`, tenant, requestId }, requestId);
      } catch {
        throw refused();
      }
      return noStore(reply).send({
        ...(deps.branding[tenant] ?? {}),
        liveness: { images: LIVENESS_IMAGES, maxImageBytes },
      });
    });
  };
}

const acceptsGzip = (request: FastifyRequest) => /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');
