// Test controls under /sandbox (docs/design.md §4): seed requests, read the "SMS inbox", faults, call log,
// reset. Never part of the Vlens surface: no ApiKey, plain JSON on success, the envelope on errors.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context';
import { errors } from '../envelope';
import { faultSchema, parseBody, seedRequestSchema } from '../schemas';
import { REQUEST_STATUS, type BusinessRequestRecord, type OtpRecord } from '../state';
import { issueAccessToken } from '../tokens';

type IdParams = { Params: { id: string } };

export function controlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  // Seeding an existing requestId replaces it: tests can reset one request without a global reset.
  app.post('/sandbox/requests', async (request, reply) => {
    // No body at all means "all defaults"; a JSON null is still a validation error.
    const seed = parseBody(seedRequestSchema, request.body === undefined ? {} : request.body);
    const record: BusinessRequestRecord = {
      requestId: seed.requestId ?? randomUUID(),
      transactionId: seed.transactionId ?? randomUUID(),
      status: seed.status,
      referenceLocation: seed.lastLocation,
      hasPayment: seed.hasPayment,
      amount: seed.amount,
      currency: seed.currency,
      gateway: seed.paymentGateway,
      livenessOutcome: seed.livenessOutcome,
      revalidationPending: false,
      currentOtpRequestId: null,
      otpValidated: false,
      smsSent: 0,
      otpRequestIds: [],
      livenessChecks: [],
      paymentId: null,
      createdAt: new Date(ctx.opts.now()).toISOString(),
      customerSignedAt: null,
    };
    state.requests.set(record.requestId, record);
    // Bound to this request: refused (401) on any other.
    const accessToken = issueAccessToken(state, ctx.opts, {
      audience: 'user',
      subject: record.transactionId,
      requestId: record.requestId,
    });
    return reply.code(201).send({ requestId: record.requestId, transactionId: record.transactionId, accessToken });
  });

  app.get<IdParams>('/sandbox/requests/:id', async (request) => {
    const record = state.requests.get(request.params.id.toLowerCase());
    if (!record) throw errors.notFound('Request');
    const payment = record.paymentId ? state.payments.get(record.paymentId) : undefined;
    return {
      ...record,
      requeststatus: REQUEST_STATUS[record.status].code,
      requestStatusName: REQUEST_STATUS[record.status].name,
      otps: record.otpRequestIds.map((id) => otpSummary(state.otps.get(id))),
      payment: payment
        ? {
            paymentId: payment.paymentId,
            status: payment.status,
            amount: payment.amount,
            currency: payment.currency,
            gateway: payment.gateway,
            paidAt: payment.paidAt,
            eventId: payment.gatewayEvent?.eventId ?? null,
          }
        : null,
    };
  });

  app.get<IdParams>('/sandbox/requests/:id/latest-otp', async (request) => {
    const record = state.requests.get(request.params.id.toLowerCase());
    const otp = record?.currentOtpRequestId ? state.otps.get(record.currentOtpRequestId) : undefined;
    if (!otp) throw errors.notFound('OTP');
    return inbox(otp);
  });

  app.get<{ Params: { otpRequestId: string } }>('/sandbox/otps/:otpRequestId', async (request) => {
    const otp = state.otps.get(request.params.otpRequestId.toLowerCase());
    if (!otp) throw errors.notFound('OTP');
    return inbox(otp);
  });

  app.post('/sandbox/faults', async (request, reply) => {
    const spec = parseBody(faultSchema, request.body);
    return reply.code(201).send(state.faults.add(spec));
  });
  app.get('/sandbox/faults', async () => state.faults.list());
  app.delete('/sandbox/faults', async () => {
    const cleared = state.faults.list().length;
    state.faults.clear();
    return { cleared };
  });
  app.delete<IdParams>('/sandbox/faults/:id', async (request) => {
    if (!state.faults.remove(request.params.id)) throw errors.notFound('Fault');
    return { removed: request.params.id };
  });

  app.get<{ Querystring: Record<string, unknown> }>('/sandbox/calls', async (request) => {
    // A repeated query parameter arrives as an array; only a single string filters.
    const requestId = typeof request.query.requestId === 'string' ? request.query.requestId.toLowerCase() : undefined;
    const path = typeof request.query.path === 'string' ? request.query.path : undefined;
    return state.calls.filter((c) => (!requestId || c.requestId === requestId) && (!path || c.path === path));
  });

  app.get('/sandbox/webhooks', async () => state.webhookDeliveries);

  // For launchers and compose health checks: answers as soon as the server listens.
  app.get('/sandbox/health', async () => ({ ok: true }));

  app.post('/sandbox/reset', async () => {
    state.reset();
    return { reset: true };
  });
}

/** The "SMS inbox" view: what the user's phone would show, plus bookkeeping. */
function inbox(otp: OtpRecord) {
  return {
    otpRequestId: otp.otpRequestId,
    code: otp.code,
    expiresAt: new Date(otp.expiresAt).toISOString(),
    requestId: otp.requestId,
    status: otp.status,
    wrongAttempts: otp.wrongAttempts,
  };
}

function otpSummary(otp: OtpRecord | undefined) {
  if (!otp) return null;
  const { code: _code, ...rest } = otp;
  return { ...rest, expiresAt: new Date(otp.expiresAt).toISOString() };
}
