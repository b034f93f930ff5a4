// Tracing on the client side (library, CLI, gateway): the Temporal client interceptor that opens a span
// for every start, signal, query and update and carries its context to the workflow in the message
// headers, so the workflow's and the activities' spans join the caller's trace. connect.ts adds it to
// every Client it creates while tracing is on (see telemetry/tracing.ts).
// The client part only: the package root also loads the workflow-side modules.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { activeTracing, otlpTracesConfigured } from '../telemetry/state';

export { activeTracing, SERVICE_NAMES, type Tracing } from '../telemetry/state';

/** Whether clients made now should carry the tracing interceptor: this process traces, or OTLP is configured. */
export function clientTracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return activeTracing() !== undefined || otlpTracesConfigured(env);
}

/** The workflow client interceptors for tracing (spans `StartWorkflow:activation`, `StartWorkflowUpdate:submitOtp`, ...). */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}
