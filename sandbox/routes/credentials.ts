// Token endpoints: service login and refresh (`/api/credentials/*`, documented), and the end-user login
// `/api/DigitalIdentity/Login`, whose body is our choice: `{ transactionId }` or `{ requestId }` of a seeded
// request. Service tokens serve every request; a user token only the request it was issued for.
import type { FastifyInstance } from 'fastify';
import { sendEnvelope } from '../call-context';
import type { SandboxContext } from '../context';
import { errors, ok } from '../envelope';
import { credentialsLoginSchema, digitalIdentityLoginSchema, parseBody, refreshTokenSchema } from '../schemas';
import { findToken, issueAccessToken, issueTokenPair } from '../tokens';

export function credentialsRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/api/credentials/Login', async (request, reply) => {
    const body = parseBody(credentialsLoginSchema, request.body);
    const headerTenancy = request.headers['tenancyname'];
    const tenancyOk =
      body.tenancyName === ctx.opts.tenancy && (headerTenancy === undefined || headerTenancy === ctx.opts.tenancy);
    if (!tenancyOk || body.userNameOrEmailAddress !== ctx.opts.loginUser || body.password !== ctx.opts.loginPassword) {
      throw errors.badCredentials();
    }
    const holder = { audience: 'service', subject: body.userNameOrEmailAddress, requestId: null } as const;
    return sendEnvelope(reply, 200, ok(issueTokenPair(ctx.state, ctx.opts, holder)));
  });

  app.post('/api/credentials/RefreshToken', async (request, reply) => {
    const body = parseBody(refreshTokenSchema, request.body);
    const record = findToken(ctx.state, ctx.opts, body.refreshToken, 'refresh');
    if (!record) throw errors.badCredentials('Invalid or expired refresh token');
    // A refreshed user token stays bound to the request of the pair it came from.
    const accessToken = issueAccessToken(ctx.state, ctx.opts, record);
    return sendEnvelope(reply, 200, ok({ accessToken, expireInSeconds: ctx.opts.tokenTtlSeconds }));
  });

  app.post('/api/DigitalIdentity/Login', async (request, reply) => {
    const body = parseBody(digitalIdentityLoginSchema, request.body);
    const user = [...ctx.state.requests.values()].find(
      (r) => r.transactionId === body.transactionId || r.requestId === body.requestId,
    );
    if (!user) throw errors.badCredentials('Unknown digital identity');
    const holder = { audience: 'user', subject: user.transactionId, requestId: user.requestId } as const;
    return sendEnvelope(reply, 200, ok(issueTokenPair(ctx.state, ctx.opts, holder)));
  });
}
