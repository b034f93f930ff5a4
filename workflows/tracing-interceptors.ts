// Workflow-side OpenTelemetry interceptors, bundled only into a tracing worker (worker/tracing.ts adds
// this module to `interceptors.workflowModules`). They continue the caller's trace from the message
// headers (`RunWorkflow:activation`, `HandleUpdate:submitOtp`, `HandleSignal:paymentCompleted`), open a
// span for each activity scheduled (`StartActivity:validateOtp`) and pass its context on to the activity.
// Spans leave the sandbox through the `exporter` sink. Deep imports: the package root loads Node-only code.
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
