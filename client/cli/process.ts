// The `vlens-activation` process (cli-bin.mjs under tsx; dist/client/cli.js, built by scripts/build.ts):
// runCli on the real streams and env, traced as `vlens-cli` when an OTLP endpoint is configured (the SDK
// is loaded only then), with spans flushed before exit.
import { otlpTracesConfigured, SERVICE_NAMES } from '../../telemetry/state';
import { runCli } from './run';

export async function runCliProcess(argv: string[]): Promise<number> {
  const tracing = otlpTracesConfigured(process.env)
    ? (await import('../../telemetry/tracing')).startTracing({ serviceName: SERVICE_NAMES.cli })
    : undefined;
  try {
    return await runCli(argv);
  } finally {
    await tracing?.shutdown().catch(() => undefined);
  }
}
