// The light half of tracing: is it configured, and did this process start it? No OpenTelemetry SDK is
// loaded from here (type imports only), so the client library and the CLI pay nothing when they do not
// trace. telemetry/tracing.ts starts the SDK and records it here.
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export const SERVICE_NAMES = { gateway: 'vlens-gateway', worker: 'vlens-worker', cli: 'vlens-cli' } as const;

/** True when the environment names an OTLP endpoint for traces (and the SDK is not disabled). */
export function otlpTracesConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The OTLP/HTTP traces URL: the traces endpoint as given, or `<endpoint>/v1/traces` (the OTLP convention). */
export function otlpTracesUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

export interface Tracing {
  readonly serviceName: string;
  readonly provider: NodeTracerProvider;
  readonly resource: Resource;
  /** Where finished spans go; the worker's workflow span sink feeds it too. */
  readonly spanProcessor: SpanProcessor;
  /** Flushes what is buffered, unhooks node:http, and unregisters the global provider. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** Recorded by startTracing and cleared by shutdown (telemetry/tracing.ts). */
export function setActiveTracing(tracing: Tracing | undefined): void {
  active = tracing;
}
