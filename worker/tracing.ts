// Tracing in the worker (service `vlens-worker`), on only when OTEL_EXPORTER_OTLP_ENDPOINT is set:
// - workflow interceptors (workflow-tracing-interceptors.ts, bundled in) continue each caller's trace
//   and hand their spans to the `exporter` sink, which feeds the process's span processor;
// - activity interceptors open `RunActivity:<name>` as the child of the workflow's `StartActivity:<name>`;
// - outgoing HTTP is instrumented, so each Vlens call (undici) is an HTTP client span inside its activity.
import { fileURLToPath } from 'node:url';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import { SERVICE_NAMES, startTracing, type Tracing } from '../telemetry/tracing';

/** The workflow interceptor module a tracing worker bundles (`interceptors.workflowModules`). */
export const WORKFLOW_TRACING_MODULE = fileURLToPath(new URL('./workflow-tracing-interceptors.ts', import.meta.url));

/** Starts the worker's tracing, or returns undefined when no OTLP endpoint is configured. */
export function startWorkerTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  return startTracing({ serviceName: SERVICE_NAMES.worker, instrumentHttp: true, env });
}

export interface WorkerTracingOptions {
  interceptors: NonNullable<WorkerOptions['interceptors']>;
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

/**
 * Interceptors and sinks for Worker.create (through createActivationWorker). With a prebuilt bundle
 * (`prebuiltBundle: true`), the workflow interceptors must already be in it
 * (bundleActivationWorkflows({ workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] })).
 */
export function workerTracingOptions(
  tracing: Tracing,
  options: { prebuiltBundle?: boolean } = {},
): WorkerTracingOptions {
  return {
    interceptors: {
      ...(options.prebuiltBundle ? {} : { workflowModules: [WORKFLOW_TRACING_MODULE] }),
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
