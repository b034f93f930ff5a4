// One server span per gateway request (`POST /v1/activations/:requestId/otp`), the parent of everything
// the request causes: the route handler runs inside the span's context, so the Temporal client
// interceptor's span (`StartWorkflowUpdate:submitOtp`) is its child, and through the message headers so
// are the workflow's, the activity's and the Vlens HTTP call's. A caller's W3C `traceparent` is honoured.
// Registered only while tracing is on (telemetry/tracing.ts).
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE } from './metrics';

export const GATEWAY_TRACER_NAME = 'vlens-gateway';

export function registerRequestTracing(
  app: FastifyInstance,
  tracer: Tracer = trace.getTracer(GATEWAY_TRACER_NAME),
): void {
  const spans = new WeakMap<FastifyRequest, { span: Span; ctx: Context }>();

  // Every route's handler runs in its request's span context (hooks before it are the gateway's own).
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function tracedHandler(this: FastifyInstance, request, reply) {
      const entry = spans.get(request);
      return entry
        ? context.with(entry.ctx, () => handler.call(this, request, reply))
        : handler.call(this, request, reply);
    };
  });

  app.addHook('onRequest', (request, _reply, done) => {
    // The route pattern, never the raw URL: span names stay few, and no requestId is in them.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'gateway.request_id': request.id },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    spans.set(request, { span, ctx });
    context.with(ctx, done);
  });

  app.addHook('onError', (request, _reply, error, done) => {
    spans.get(request)?.span.recordException(error);
    done();
  });

  const end = (request: FastifyRequest, statusCode?: number) => {
    const entry = spans.get(request);
    if (!entry) return;
    spans.delete(request);
    if (statusCode !== undefined) {
      entry.span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      entry.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted by the client' });
    }
    entry.span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request);
    done();
  });
}
