// A private local stack for the Temporal UI browser check: its own Temporal dev server WITH the web UI
// (the shared test server has none) pointed at an in-process codec server, plus the in-process Vlens
// sandbox and the real worker with payload encryption. Everything on free ports and temp folders.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities, makeVlensConfig } from '../../activities';
import { createImageActivities } from '../../activities/image-activities';
import {
  createDataConverter,
  imageStoreResolver,
  LocalEncryptedImageStore,
  startCodecServer,
  type CodecKeys,
  type CodecServer,
} from '../../codec';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import {
  startDevServer,
  stopProcess,
  waitForHttp,
  waitForTemporal,
  type ManagedProcess,
} from '../../scripts/local-stack';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { createActivationWorker } from '../../worker/create-worker';
import { activation } from '../../workflows';
import { paymentCompletedSignal, statusQuery, submitOtpUpdate } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { workflowIdFor, type ActivationInput, type ActivationState, type ActivationStatus } from '../../contract/types';
import { CAIRO, deviceAt } from '../temporal/harness';
import { freePort } from '../../scripts/local-stack';

const NAMESPACE = 'default';

export interface StartedActivation {
  requestId: string;
  workflowId: string;
  input: ActivationInput;
  handle: WorkflowHandle<typeof activation>;
}

export interface UiStack {
  uiUrl: string;
  codecUrl: string;
  client: Client;
  sandboxUrl: string;
  /** Stops the codec server (idempotent), so the UI can no longer decode. */
  stopCodecServer(): Promise<void>;
  /**
   * Seeds a sandbox request and starts its activation, then drives it through the OTP to
   * `awaiting_payment`, or on through the payment to `activated`; resolves once the list query by
   * ActivationState finds it (so the UI's list is not behind the workflow).
   */
  activate(until: 'awaiting_payment' | 'activated'): Promise<StartedActivation>;
  close(): Promise<void>;
}

export async function startUiStack(keys: CodecKeys): Promise<UiStack> {
  const cli = await resolveTemporalCli((line) => console.error(line));

  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    cleanups.length = 0;
    if (errors.length) throw new AggregateError(errors, 'UI stack cleanup failed');
  };

  try {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    const uiUrl = `http://127.0.0.1:${uiPort}`;

    // The UI calls the codec server from the browser, so CORS must allow exactly the UI's origin. The local
    // UI has no login and therefore no bearer token to pass (see the report), so auth is off — as `npm start`
    // does, on 127.0.0.1 only.
    const codec: CodecServer = await startCodecServer({
      port: 0,
      keys,
      tokens: [],
      corsOrigins: [uiUrl],
      requireAuth: false,
    });
    let codecOpen = true;
    // codec.close() (Fastify close) waits for every open socket; a socket connected but with no request
    // yet (Chromium preconnects) is not "idle" to Node, so it can hold close() open for a minute or more.
    // Fail fast and plainly instead of running into the test timeout.
    const stopCodecServer = async () => {
      if (!codecOpen) return;
      codecOpen = false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('the codec server did not close within 10 s: a client still holds a socket open')),
          10_000,
        );
      });
      try {
        await Promise.race([codec.close(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    };
    cleanups.push(stopCodecServer);

    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vlens-ui-temporal-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const devServer: ManagedProcess = startDevServer({
      cliPath: cli.path,
      dataDir,
      port: temporalPort,
      uiPort,
      extraArgs: ['--ui-codec-endpoint', codec.url],
      output: 'ignore',
    });
    cleanups.push(() => stopProcess(devServer, 5_000));
    const address = `127.0.0.1:${temporalPort}`;
    await waitForTemporal(address, 60_000);
    await waitForHttp(`${uiUrl}/api/v1/settings`, 30_000);

    const sandbox: RunningSandbox = await startSandbox({ port: 0 });
    cleanups.push(() => sandbox.close());

    try {
      // Quiet worker logs; harmless if another file in this process already set the runtime up.
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // already installed
    }
    const nativeConnection = await NativeConnection.connect({ address });
    cleanups.push(() => nativeConnection.close());
    const connection = await connectGuarded({ address });
    cleanups.push(() => connection.close());
    const dataConverter = createDataConverter(keys, { namespace: NAMESPACE });
    const client = new Client({ connection, namespace: NAMESPACE, dataConverter });

    const imageDir = mkdtempSync(path.join(os.tmpdir(), 'vlens-ui-images-'));
    cleanups.push(() => rmSync(imageDir, { recursive: true, force: true }));
    const imageStore = new LocalEncryptedImageStore({ keys, dir: imageDir });
    const taskQueue = 'vlens-activation-ui-test';
    const worker: Worker = await createActivationWorker({
      connection: nativeConnection,
      namespace: NAMESPACE,
      taskQueue,
      activities: {
        ...createActivities({
          config: makeVlensConfig({ baseUrl: sandbox.url, httpTimeoutMs: 3_000 }),
          resolveImage: imageStoreResolver(imageStore),
        }),
        ...createImageActivities(imageStore),
      },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter,
      shutdownGraceSeconds: 1,
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    async function sandboxCall(method: string, route: string, body?: unknown): Promise<any> {
      const response = await fetch(`${sandbox.url}${route}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const parsed: unknown = await response.json();
      if (response.status >= 300)
        throw new Error(`sandbox ${method} ${route}: HTTP ${response.status} ${JSON.stringify(parsed)}`);
      return parsed;
    }

    async function waitForState(
      handle: WorkflowHandle,
      state: ActivationState,
      timeoutMs = 20_000,
    ): Promise<ActivationStatus> {
      const started = Date.now();
      let last: ActivationStatus | undefined;
      while (Date.now() - started < timeoutMs) {
        last = await handle.query(statusQuery);
        if (last.state === state) return last;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`activation did not reach ${state} within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
    }

    async function waitForVisibility(query: string, timeoutMs = 15_000): Promise<void> {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        for await (const found of client.workflow.list({ query })) if (found) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`no workflow matched ${query} within ${timeoutMs} ms`);
    }

    return {
      uiUrl,
      codecUrl: codec.url,
      client,
      sandboxUrl: sandbox.url,
      stopCodecServer,
      close,
      async activate(until) {
        const seeded = (await sandboxCall('POST', '/sandbox/requests', { lastLocation: CAIRO })) as {
          requestId: string;
          transactionId: string;
        };
        // No accessToken: the screenshot of the decoded input is kept, and it should hold nothing secret.
        const input: ActivationInput = {
          requestId: seeded.requestId,
          transactionId: seeded.transactionId,
          device: deviceAt(),
        };
        const workflowId = workflowIdFor(seeded.requestId);
        const handle = await client.workflow.start(activation, {
          taskQueue,
          workflowId,
          args: [input],
          typedSearchAttributes: [
            { key: ActivationStateKey, value: 'requesting_otp' },
            { key: VlensRequestIdKey, value: seeded.requestId },
          ],
        });
        await waitForState(handle, 'awaiting_otp');
        const { code } = (await sandboxCall('GET', `/sandbox/requests/${seeded.requestId}/latest-otp`)) as {
          code: string;
        };
        const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
        if (answer.outcome !== 'accepted') throw new Error(`OTP not accepted: ${JSON.stringify(answer)}`);
        if (until === 'activated') {
          const link = answer.status.nextAction.paymentLink ?? answer.status.payment?.link;
          if (!link) throw new Error(`no payment link in ${JSON.stringify(answer.status)}`);
          const paymentId = new URL(link).pathname.split('/').pop() ?? '';
          await sandboxCall('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
          await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'ui-test-payment' });
          const final = await handle.result();
          if (final.state !== 'activated') throw new Error(`activation ended ${final.state}`);
        } else if (answer.status.state !== 'awaiting_payment') {
          throw new Error(`expected awaiting_payment after the OTP, got ${answer.status.state}`);
        }
        await waitForVisibility(`ActivationState="${until}" AND WorkflowId="${workflowId}"`);
        return { requestId: seeded.requestId, workflowId, input, handle };
      },
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
