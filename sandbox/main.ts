// `npm run sandbox`: the Vlens sandbox as a process, configured from env (SANDBOX_PORT default 4010).
import { optionsFromEnv } from './config';
import { processLogger } from '../telemetry/log-output';
import { startSandbox } from './server';

async function main(): Promise<void> {
  const log = processLogger();
  // A process logs its requests unless SANDBOX_LOG=false (the benchmarks: each line is CPU on the measured box).
  const sandbox = await startSandbox({ log: optionsFromEnv().log ?? true });
  log.info(
    `Vlens sandbox listening on ${sandbox.url} (dialect ${sandbox.options.dialect}; ApiKey from SANDBOX_API_KEY)`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'sandbox did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
