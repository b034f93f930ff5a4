// The simulated gateway: the payment page, and the outcome route its buttons call. "paid" sends the signed
// gateway webhook (Kashier- or Fawry-style) and answers with the delivery result so tests can see it.
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context';
import { errors } from '../envelope';
import { fawryPaidEvent, kashierPaidEvent } from '../gateway-events';
import { notFoundPageHtml, paymentPageHtml } from '../payment-page';
import { parseBody, paymentOutcomeSchema } from '../schemas';
import type { PaymentRecord } from '../state';
import type { DeliveryResult } from '../webhooks';

export function paymentRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get<{ Params: { paymentId: string }; Querystring: { merchantRedirect?: string } }>(
    '/sandbox/pay/:paymentId',
    async (request, reply) => {
      const payment = ctx.state.payments.get(request.params.paymentId);
      reply.type('text/html; charset=utf-8');
      if (!payment) return reply.code(404).send(notFoundPageHtml());
      const back = request.query.merchantRedirect;
      return reply.send(paymentPageHtml(payment, typeof back === 'string' ? back : undefined));
    },
  );

  app.post<{ Params: { paymentId: string } }>('/sandbox/payments/:paymentId', async (request) => {
    const { outcome, paymentMethod } = parseBody(paymentOutcomeSchema, request.body);
    const payment = ctx.state.payments.get(request.params.paymentId);
    if (!payment) throw errors.notFound('Payment');

    if (outcome === 'declined') {
      if (payment.status === 'paid') throw errors.conflict('Payment already completed');
      payment.status = 'declined';
      return summary(payment, null);
    }

    if (payment.status !== 'paid') {
      const now = ctx.opts.now();
      payment.status = 'paid';
      payment.paidAt = new Date(now).toISOString();
      payment.gatewayEvent =
        payment.gateway === 'fawry'
          ? fawryPaidEvent(payment, ctx.opts.fawrySecureKey, now, paymentMethod ?? 'PayAtFawry')
          : kashierPaidEvent(payment, ctx.opts.kashierWebhookSecret, payment.paidAt);
    }
    // A repeated "paid" re-sends the same event: a provider's duplicate delivery.
    const event = payment.gatewayEvent;
    const url = ctx.opts.webhookUrl?.replaceAll('{gateway}', payment.gateway);
    const webhook =
      event && url
        ? await ctx.webhooks.deliver(payment.gateway, url, event.body, event.headers)
        : { delivered: false as const, skipped: 'SANDBOX_WEBHOOK_URL is not set' };
    return summary(payment, webhook);
  });
}

function summary(payment: PaymentRecord, webhook: DeliveryResult | { delivered: false; skipped: string } | null) {
  return {
    paymentId: payment.paymentId,
    requestId: payment.requestId,
    gateway: payment.gateway,
    status: payment.status,
    paidAt: payment.paidAt,
    eventId: payment.gatewayEvent?.eventId ?? null,
    webhook,
  };
}
