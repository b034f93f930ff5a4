// OpenTelemetry tracing for the gateway, the CLI and the worker: one tracer provider per process,
// exporting over OTLP/HTTP, and only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Without one, nothing is registered and nothing is intercepted, so
// tracing costs nothing. The Temporal interceptors (client/tracing.ts, worker/tracing.ts) and the
// gateway's request spans use the global API, so they all land in the provider registered here.
//
// The SDK line is OpenTelemetry JS 1.x (sdk-trace-* 1.30, exporters and instrumentations 0.57), the line
// @temporalio/interceptors-opentelemetry 1.24.0 depends on: its workflow span exporter hands 1.x
// Resource and ReadableSpan objects to the span processor.
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { activeTracing, otlpTracesConfigured, otlpTracesUrl, setActiveTracing, type Tracing } from './state';

export { activeTracing, otlpTracesConfigured, otlpTracesUrl, SERVICE_NAMES, type Tracing } from './state';

export interface TracingOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Where spans go instead of OTLP/HTTP (tests: a SimpleSpanProcessor over an InMemorySpanExporter).
   * Given one, tracing starts whatever the environment says.
   */
  spanProcessor?: SpanProcessor;
  /**
   * Client spans for outgoing HTTP calls: undici's (the worker's Vlens calls, activities/transport.ts; Node's
   * fetch for webhook deliveries) and node:http's.
   */
  instrumentHttp?: boolean;
}

/**
 * Starts tracing for this process, or returns undefined when no OTLP endpoint is configured. There is
 * one provider per process: a second call returns the first one (the gateway and a worker started in
 * one process, as in the tests, share it).
 */
export function startTracing(options: TracingOptions): Tracing | undefined {
  const running = activeTracing();
  if (running) return running;
  const env = options.env ?? process.env;
  if (!options.spanProcessor && !otlpTracesConfigured(env)) return undefined;

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': options.serviceName }))
    .merge(envDetectorSync.detect());
  const spanProcessor =
    options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(env) }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global provider, AsyncLocalStorage context manager, W3C trace-context and baggage propagators.
  provider.register();

  let unhook: (() => void) | undefined;
  if (options.instrumentHttp) {
    unhook = registerInstrumentations({
      tracerProvider: provider,
      // Outgoing calls only: the worker serves no HTTP, and the gateway makes its own request spans.
      instrumentations: [
        new HttpInstrumentation({ ignoreIncomingRequestHook: () => true }),
        // undici publishes every request on diagnostics channels; no module patching involved.
        new UndiciInstrumentation(),
      ],
    });
    // The http instrumentation patches node:http when it is next required. This is an ES module program
    // (an `import 'node:http'` is the same CommonJS object, read at each call), so require it now to apply
    // the patch.
    const require = createRequire(import.meta.url);
    require('http');
    require('https');
  }

  const tracing: Tracing = {
    serviceName: String(resource.attributes['service.name'] ?? options.serviceName),
    provider,
    resource,
    spanProcessor,
    async shutdown() {
      if (activeTracing() !== tracing) return;
      setActiveTracing(undefined);
      unhook?.();
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
  setActiveTracing(tracing);
  return tracing;
}
