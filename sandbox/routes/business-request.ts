// `GET /api/BusinessRequest/GetBusinessRequestById/:id`: the request object, for status polling.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loadRequest } from '../activation';
import { sendEnvelope } from '../call-context';
import type { SandboxContext } from '../context';
import { ok } from '../envelope';
import { parseBody } from '../schemas';
import { REQUEST_STATUS } from '../state';

const paramsSchema = z.object({ id: z.guid({ error: 'must be a UUID' }).transform((v) => v.toLowerCase()) });

export function businessRequestRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/api/BusinessRequest/GetBusinessRequestById/:id', async (request, reply) => {
    const { id } = parseBody(paramsSchema, request.params);
    const record = loadRequest(ctx, id);
    const payment = record.paymentId ? ctx.state.payments.get(record.paymentId) : undefined;
    const status = REQUEST_STATUS[record.status];
    return sendEnvelope(
      reply,
      200,
      ok({
        id: record.requestId,
        requeststatus: status.code,
        requestStatusName: status.name,
        hasPaymentCheckPerRequestFeature: record.hasPayment,
        amount: record.amount,
        currency: record.currency,
        transactionId: record.transactionId,
        paymentGateway: record.gateway,
        isPaid: payment?.status === 'paid',
        creationTime: record.createdAt,
        customerSignedTime: record.customerSignedAt,
      }),
    );
  });
}
