// The current activation flavour: the four CustomerSign/Step* endpoints (part A, rules of part B). Each
// step's answer, and the answer for any rule it breaks, is worded by the dialect.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadRequest, requestOtpStrict, revalidateLiveness, validateOtp, validatePayment } from '../activation';
import { answerStep } from '../call-context';
import type { SandboxContext } from '../context';
import type { Answer } from '../envelope';
import { decodeImages } from '../liveness';
import {
  parseBody,
  requestOtpSchema,
  revalidateLivenessSchema,
  validateOtpSchema,
  validatePaymentSchema,
} from '../schemas';

const BASE = '/api/BusinessRequest/CustomerSign';

export function customerSignRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const say = ctx.dialect.customerSign;
  const step = (reply: FastifyReply, run: () => Answer) => answerStep(reply, run, say.refused);

  app.post(`${BASE}/StepRequestOtp`, async (request, reply) => {
    const body = parseBody(requestOtpSchema, request.body);
    const record = loadRequest(ctx, body.requestId);
    return step(reply, () => say.otpSent(requestOtpStrict(ctx, record, body.geoLocation).otpRequestId));
  });

  // One Vlens doc spells the path `StepRevalidteLiveness`; both spellings are served.
  for (const name of ['StepReValidateLiveness', 'StepRevalidteLiveness']) {
    app.post(`${BASE}/${name}`, async (request, reply) => {
      const body = parseBody(revalidateLivenessSchema, request.body);
      const decoded = decodeImages(body.scanTransaction, ctx.opts.maxImageBytes);
      const record = loadRequest(ctx, body.requestId);
      return step(reply, () => {
        revalidateLiveness(ctx, record, decoded, body.geoLocation);
        return say.livenessPassed();
      });
    });
  }

  app.post(`${BASE}/StepValidateOtp`, async (request, reply) => {
    const body = parseBody(validateOtpSchema, request.body);
    const record = loadRequest(ctx, body.requestId);
    return step(reply, () => say.otpValidated(validateOtp(ctx, record, body.otpRequestId, body.otpCode)));
  });

  app.post(`${BASE}/StepValidatePayment`, async (request, reply) => {
    const body = parseBody(validatePaymentSchema, request.body);
    const record = loadRequest(ctx, body.requestId);
    return step(reply, () => {
      validatePayment(ctx, record);
      return say.paymentValidated(record.requestId);
    });
  });
}
