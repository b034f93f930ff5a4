// One trace from the gateway to Vlens: the gateway and a tracing worker run in this process and share
// one tracer provider (an in-memory exporter), an OTP is POSTed through the gateway, and the spans must
// form one trace: gateway request -> StartWorkflowUpdate -> HandleUpdate -> StartActivity ->
// RunActivity:validateOtp -> the HTTP call to the sandbox's StepValidateOtp.
import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject } from 'vitest';
import { createActivities } from '../../activities';
import { makeVlensConfig } from '../../activities/config';
import { createImageActivities } from '../../activities/image-activities';
import { ActivationClient } from '../../client/activation-client';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway } from '../../gateway/server';
import { createDataConverter, imageStoreResolver } from '../../codec';
import { startTracing } from '../../telemetry/tracing';
import { bundleActivationWorkflows, createActivationWorker } from '../../worker/create-worker';
import { WORKFLOW_TRACING_MODULE, workerTracingOptions } from '../../worker/tracing';
import { http, type HttpAnswer } from '../gateway/stack';
import { temporalTest } from './fixtures';
import { CAIRO, deviceAt } from './harness';

const API_KEY = 'trace-key';

interface Traced {
  exporter: InMemorySpanExporter;
  activations: ActivationClient;
  /** Calls the traced gateway with its API key. */
  api(method: string, route: string, body?: unknown): Promise<HttpAnswer>;
}

/**
 * The traced half, on the harness's sandbox, image store and keys: one tracer provider (an in-memory
 * exporter) for a tracing worker on a task queue of its own and a gateway with a client made by connect.ts.
 */
const test = temporalTest.extend<{ traced: Traced }>({
  traced: async ({ harness: h }, use) => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({
      serviceName: 'vlens-trace-test',
      spanProcessor: new SimpleSpanProcessor(exporter),
      instrumentHttp: true,
    })!;
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const taskQueue = `tracing-${randomUUID()}`;

    // The worker: the project's activities against the sandbox, with the tracing interceptors and sink.
    const connection = await NativeConnection.connect({ address });
    const { code } = await bundleActivationWorkflows({ workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] });
    const worker = await createActivationWorker({
      connection,
      namespace,
      taskQueue,
      activities: {
        ...createActivities({
          config: makeVlensConfig({ baseUrl: h.sandboxUrl, flavor: 'customer-sign', httpTimeoutMs: 3_000 }),
          resolveImage: imageStoreResolver(h.imageStore),
        }),
        ...createImageActivities(h.imageStore),
      },
      workflowBundle: { code },
      dataConverter: createDataConverter(h.keys, { namespace: h.namespace }),
      shutdownGraceSeconds: 2,
      ...workerTracingOptions(tracing, { prebuiltBundle: true }),
    });
    const running = worker.run();

    // The gateway with a client made by connect.ts, which adds the tracing interceptor on its own.
    const activations = new ActivationClient({
      temporal: { address, namespace, env: {} },
      dataConverter: createDataConverter(h.keys, { namespace: h.namespace }),
      imageStore: h.imageStore,
      taskQueue,
      updateTimeoutMs: 30_000,
    });
    const gateway = await startGateway({
      activations,
      port: 0,
      apiKeys: [API_KEY],
      dedupStore: new MemoryDedupStore(),
      logLevel: 'silent',
    });

    await use({
      exporter,
      activations,
      api: (method, route, body) =>
        http(`${gateway.url}${route}`, method, body, { authorization: `Bearer ${API_KEY}` }),
    });

    await gateway.close();
    await activations.close();
    worker.shutdown();
    await running;
    await connection.close();
    await tracing.shutdown();
  },
});

describe('tracing: gateway request -> update -> activity -> Vlens HTTP call', () => {
  // The traced worker's own workflow bundle is built in the fixture, inside this test's time: room for it.
  test(
    'one traceId from the gateway request span to the HTTP client span of StepValidateOtp',
    { timeout: 120_000 },
    async ({ harness: h, traced }) => {
      const { exporter, activations, api } = traced;
      const seeded = await h.seed();
      const started = await api('POST', '/v1/activations', {
        requestId: seeded.requestId,
        transactionId: seeded.transactionId,
        device: deviceAt(CAIRO),
        accessToken: seeded.accessToken,
        policy: { paymentReconcileInitial: '1h', paymentReconcileMax: '1h' },
      });
      expect(started.status).toBe(202);
      await expect
        .poll(async () => (await api('GET', `/v1/activations/${seeded.requestId}`)).body.state, { timeout: 20_000 })
        .toBe('awaiting_otp');
      const { code } = await h.latestOtp(seeded.requestId);

      exporter.reset();
      const answer = await api('POST', `/v1/activations/${seeded.requestId}/otp`, { code, device: deviceAt(CAIRO) });
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).toBe('accepted');

      const route = 'POST /v1/activations/:requestId/otp';
      const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
      // Workflow spans arrive through the sink once the workflow task completes.
      await expect
        .poll(() => exporter.getFinishedSpans().map((span) => span.name), { timeout: 10_000 })
        .toEqual(
          expect.arrayContaining([
            route,
            'StartWorkflowUpdate:submitOtp',
            'HandleUpdate:submitOtp',
            'StartActivity:validateOtp',
            'RunActivity:validateOtp',
          ]),
        );

      const spans = exporter.getFinishedSpans();
      const [request] = named(spans, route);
      expect(request!.kind).toBe(SpanKind.SERVER);
      expect(request!.attributes['http.route']).toBe('/v1/activations/:requestId/otp');
      expect(request!.attributes['http.response.status_code']).toBe(200);
      const traceId = request!.spanContext().traceId;
      const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);

      const one = (name: string) => {
        const found = named(inTrace, name);
        expect(found, `${name} in the gateway request's trace`).toHaveLength(1);
        return found[0]!;
      };
      const startUpdate = one('StartWorkflowUpdate:submitOtp');
      const handleUpdate = one('HandleUpdate:submitOtp');
      const startActivity = one('StartActivity:validateOtp');
      const runActivity = one('RunActivity:validateOtp');
      // The Vlens call: an HTTP client span (undici's) inside the activity.
      const vlensCalls = inTrace.filter(
        (span) =>
          span.kind === SpanKind.CLIENT &&
          String(span.attributes['http.url'] ?? span.attributes['url.full']).includes('/StepValidateOtp'),
      );
      expect(vlensCalls).toHaveLength(1);
      const vlensCall = vlensCalls[0]!;

      // Parent links, hop by hop.
      const id = (span: ReadableSpan) => span.spanContext().spanId;
      // The test's own call is traced too (Node's fetch is undici, instrumented): it is the request's parent.
      const caller = spans.find((span) => span.spanContext().spanId === request!.parentSpanId);
      expect(caller?.kind).toBe(SpanKind.CLIENT);
      expect(caller?.parentSpanId).toBeUndefined();
      expect(startUpdate.parentSpanId).toBe(id(request!));
      expect(handleUpdate.parentSpanId).toBe(id(startUpdate));
      expect(startActivity.parentSpanId).toBe(id(handleUpdate));
      expect(runActivity.parentSpanId).toBe(id(startActivity));
      expect(vlensCall.parentSpanId).toBe(id(runActivity));
      expect(vlensCall.attributes['http.request.method']).toBe('POST');
      expect(vlensCall.attributes['http.response.status_code']).toBe(200);
      expect(runActivity.attributes.temporalWorkflowId).toBe(`activation-${seeded.requestId}`);

      // Every span of the trace carries the one service name of this process.
      expect(new Set(inTrace.map((span) => span.resource.attributes['service.name']))).toEqual(
        new Set(['vlens-trace-test']),
      );
      // Nothing secret in span names or attributes: not the OTP, not the user's token.
      const text = JSON.stringify(
        inTrace.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })),
      );
      expect(text).not.toContain(code);
      expect(text).not.toContain(seeded.accessToken);

      await activations.cancel(seeded.requestId, 'tracing test over');
    },
  );
});
