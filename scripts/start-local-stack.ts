// `npm start`: the whole local stack in one command — the Temporal dev server with its UI (state in
// ./.data/temporal.sqlite, so activations survive a restart), the Vlens sandbox, the worker and the
// HTTP gateway — with the URLs printed and everything stopped cleanly on Ctrl-C.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { codecMode, loadCodecKeys } from '../codec';
import { resolveTemporalCli } from './temporal-cli';
import {
  DEV_SERVER_DYNAMIC_CONFIG,
  ROOT,
  TSX,
  dynamicConfigArgs,
  startDevServer,
  startProcess,
  stopProcess,
  waitForHttp,
  waitForTemporal,
  type ManagedProcess,
} from './local-stack';

const env = process.env;
const DATA_DIR = path.resolve(ROOT, env.DATA_DIR ?? '.data');
const TEMPORAL_PORT = Number(env.TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(env.TEMPORAL_UI_PORT ?? 8233);
const SANDBOX_PORT = Number(env.SANDBOX_PORT ?? 4010);
const GATEWAY_PORT = Number(env.GATEWAY_PORT ?? 3000);
const CODEC_PORT = Number(env.CODEC_SERVER_PORT ?? 8888);
const codecUrl = `http://127.0.0.1:${CODEC_PORT}`;
const temporalAddress = `127.0.0.1:${TEMPORAL_PORT}`;
const sandboxUrl = `http://127.0.0.1:${SANDBOX_PORT}`;
const gatewayUrl = `http://127.0.0.1:${GATEWAY_PORT}`;
const hasGateway = existsSync(path.join(ROOT, 'gateway/main.ts'));

const running: ManagedProcess[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping the local stack...');
    // Reverse order: callers first, the server last, so nothing loses its peer mid-request.
    for (const proc of [...running].reverse()) await stopProcess(proc);
    console.log('stopped.');
  }
  process.exit(exitCode);
}

function supervise(proc: ManagedProcess): ManagedProcess {
  running.push(proc);
  void proc.exited.then((code) => {
    if (!stopping) {
      console.error(`[${proc.name}] exited unexpectedly (code ${code}); stopping the stack.`);
      void stopAll(1);
    }
  });
  return proc;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const cli = await resolveTemporalCli((line) => console.log(line));

  // Create (or load) the encryption key once, before any child starts, so all of them share it.
  const keys = loadCodecKeys(env, { dataDir: DATA_DIR, mode: codecMode(env), log: (line) => console.log(line) });
  console.log(`payload encryption: key ${keys.primary.id} encrypts; ${keys.ids.length} key(s) decrypt`);

  supervise(
    startDevServer({
      cliPath: cli.path,
      dataDir: DATA_DIR,
      port: TEMPORAL_PORT,
      uiPort: UI_PORT,
      // The UI asks the codec server to decrypt payloads for display. The dynamic config removes the dev
      // server's wait before dispatching each task (DEV_SERVER_DYNAMIC_CONFIG).
      extraArgs: ['--ui-codec-endpoint', codecUrl, ...dynamicConfigArgs(DEV_SERVER_DYNAMIC_CONFIG)],
    }),
  );
  await waitForTemporal(temporalAddress);

  const common = {
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR,
    // Children write to a pipe (prefixed below); ask them for one line per event, coloured when this terminal is.
    LOG_FORMAT: env.LOG_FORMAT ?? 'pretty',
    LOG_COLOR: env.LOG_COLOR ?? (process.stdout.isTTY ? '1' : '0'),
  };
  supervise(
    startProcess('codec', TSX, ['codec/codec-server-main.ts'], {
      ...common,
      CODEC_SERVER_PORT: String(CODEC_PORT),
      CODEC_SERVER_CORS_ORIGINS: `http://localhost:${UI_PORT},http://127.0.0.1:${UI_PORT}`,
      // The local UI has no login and cannot send a bearer token; the server listens on 127.0.0.1 only.
      // Production (docker-compose.yml) keeps auth on.
      CODEC_SERVER_AUTH: env.CODEC_SERVER_AUTH ?? 'off',
    }),
  );
  await waitForHttp(`${codecUrl}/healthz`);

  supervise(
    startProcess('sandbox', TSX, ['sandbox/main.ts'], {
      ...common,
      SANDBOX_PORT: String(SANDBOX_PORT),
      ...(hasGateway ? { SANDBOX_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/{gateway}` } : {}),
      ...(hasGateway ? { SANDBOX_VLENS_WEBHOOK_URL: `${gatewayUrl}/v1/webhooks/vlens` } : {}),
    }),
  );
  await waitForHttp(`${sandboxUrl}/sandbox/calls`);

  supervise(
    startProcess('worker', TSX, ['worker/main.ts'], {
      ...common,
      VLENS_BASE_URL: sandboxUrl,
      WORKER_METRICS_ADDRESS: env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464',
    }),
  );
  if (hasGateway) {
    supervise(
      startProcess('gateway', TSX, ['gateway/main.ts'], {
        ...common,
        GATEWAY_PORT: String(GATEWAY_PORT),
        // Starts answer the hosted activation page's link (`npm run demo -- --page`).
        ACTIVATION_PAGE_BASE_URL: env.ACTIVATION_PAGE_BASE_URL ?? gatewayUrl,
      }),
    );
    await waitForHttp(`${gatewayUrl}/healthz`);
  }

  console.log(`
Local stack is up:
  Temporal        ${temporalAddress}   (namespace default, task queue vlens-activation)
  Temporal UI     http://127.0.0.1:${UI_PORT}   (payloads decoded through the codec server)
  Codec server    ${codecUrl}
  Worker metrics  http://${env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464'}/metrics
  Vlens sandbox   ${sandboxUrl}     (ApiKey sandbox-key)${hasGateway ? `\n  HTTP gateway    ${gatewayUrl}     (Authorization: Bearer dev-key)` : ''}
  Data            ${DATA_DIR}

Try \`npm run demo\` (or \`npm run demo -- --page\` for the customer's activation page) in another terminal. Ctrl-C stops everything.`);
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
