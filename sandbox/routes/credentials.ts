// Token endpoints: service login and refresh (`/api/credentials/*`, documented), and the end-user login
// `/api/DigitalIdentity/Login`, whose body is our choice: `{ transactionId }` or `{ requestId }` of a seeded request.
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
    return sendEnvelope(reply, 200, ok(issueTokenPair(ctx.state, ctx.opts, 'service', body.userNameOrEmailAddress)));
  });

  app.post('/api/credentials/RefreshToken', async (request, reply) => {
    const body = parseBody(refreshTokenSchema, request.body);
    const record = findToken(ctx.state, ctx.opts, body.refreshToken, 'refresh');
    if (!record) throw errors.badCredentials('Invalid or expired refresh token');
    const accessToken = issueAccessToken(ctx.state, ctx.opts, record.audience, record.subject);
    return sendEnvelope(reply, 200, ok({ accessToken, expireInSeconds: ctx.opts.tokenTtlSeconds }));
  });

  app.post('/api/DigitalIdentity/Login', async (request, reply) => {
    const body = parseBody(digitalIdentityLoginSchema, request.body);
    const user = [...ctx.state.requests.values()].find(
      (r) => r.transactionId === body.transactionId || r.requestId === body.requestId,
    );
    if (!user) throw errors.badCredentials('Unknown digital identity');
    return sendEnvelope(reply, 200, ok(issueTokenPair(ctx.state, ctx.opts, 'user', user.transactionId)));
  });
}
