// Workflow-side OpenTelemetry interceptors, bundled only into a tracing worker (tracing.ts adds this module
// to `interceptors.workflowModules`). They continue the caller's trace from the message headers
// (`RunWorkflow:activation`, `HandleUpdate:submitOtp`, `HandleSignal:paymentCompleted`), open a span for each
// activity scheduled (`StartActivity:validateOtp`) and pass its context on to the activity. Spans leave the
// sandbox through the `exporter` sink. Deep imports: the package root loads Node-only code.
// Sandbox code, held by lint to the rules of workflows/, but the worker's wiring rather than the activation's:
// workflows/ imports nothing but @temporalio/workflow and the contract (.dependency-cruiser.mjs).
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
