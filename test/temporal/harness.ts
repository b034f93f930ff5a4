// The real thing, wired for tests: the Vlens sandbox over HTTP, the real activities and worker on a
// fresh task queue, and a client of the real Temporal dev server that the global setup started.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, WorkflowHandle } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { makeVlensConfig, type VlensApiFlavor, type VlensConfigOverrides } from '../../activities/config';
import { createImageActivities } from '../../activities/image-activities';
import { createOutboundDispatcher, loadOutboundPolicy } from '../../codec/outbound-guard';
import { createWebhookActivities } from '../../activities/webhook-activities';
import type { WebhookEndpoint } from '../../contract/webhook-endpoints';
import { freePort } from '../../scripts/local-stack';
import {
  createDataConverter,
  imageStoreResolver,
  LocalEncryptedImageStore,
  parseCodecKeys,
  type CodecKeys,
  type ImageStore,
} from '../../codec';
import { startSandbox } from '../../sandbox/server';
import type { SandboxOptions } from '../../sandbox/config';
import { createActivationWorker } from '../../worker/create-worker';
import { capturedLogText, capturingLogger, findHistoryLeaks, findLeaks } from './secret-guard';
import { activation } from '../../workflows';
import { statusQuery } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import {
  workflowIdFor,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type DeviceContext,
} from '../../contract/types';

export const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
/** About 180 km from Cairo: more than 80 km, so Vlens demands liveness re-validation. */
export const ALEXANDRIA = { latitude: 31.2001, longitude: 29.9187 };

export function deviceAt(geoLocation = CAIRO): DeviceContext {
  return { geoLocation, userDeviceUtcTime: new Date().toISOString() };
}

export interface SeededRequest {
  requestId: string;
  transactionId: string;
  accessToken: string;
}

export interface SandboxCall {
  at: string;
  method: string;
  path: string;
  httpStatus: number;
  errorCode: number | null;
  requestId?: string;
  /** Set when an injected fault answered (or delayed) the call. */
  faultId?: string;
}

/**
 * The fixed key the scenario tests encrypt with, so recorded histories stay decodable by the replay
 * test. A test fixture, not a secret: production keys come from CODEC_KEYS.
 */
export const FIXTURE_CODEC_KEYS = parseCodecKeys(`fixture-1:${Buffer.alloc(32, 7).toString('base64')}`);

/** A fresh AES-256 key set, as CODEC_KEYS would give it. */
export function testCodecKeys(...ids: string[]): { spec: string; keys: CodecKeys } {
  const spec = (ids.length ? ids : ['test-key']).map((id) => `${id}:${randomBytes(32).toString('base64')}`).join(',');
  return { spec, keys: parseCodecKeys(spec) };
}

export interface HarnessOptions {
  flavor?: VlensApiFlavor;
  /** Encryption keys for the worker and client; a fresh key when absent. */
  keys?: CodecKeys;
  sandbox?: Partial<SandboxOptions>;
  /** The claim-check store of the gateway side and the worker; a fresh local directory when absent. */
  imageStore?: (keys: CodecKeys) => ImageStore;
  /** Client settings beyond the sandbox's address and the flavour. */
  vlens?: VlensConfigOverrides;
  /** Backends that hear about state changes (ACTIVATION_WEBHOOKS); none when absent. */
  webhooks?: WebhookEndpoint[];
  /** The env the worker's outbound policy is read from (NODE_ENV, OUTBOUND_ALLOWED_NETWORKS); default none. */
  outboundEnv?: NodeJS.ProcessEnv;
}

export interface Harness {
  client: Client;
  /** The test server's namespace, which every payload of this harness is bound to. */
  namespace: string;
  taskQueue: string;
  sandboxUrl: string;
  worker: Worker;
  keys: CodecKeys;
  imageStore: ImageStore;
  /** Marks a value the tests handled as secret: no history or log line may contain it. */
  trackSecret(value: string, kind: string): void;
  /** Replaces the worker and the client's data converter, e.g. to rotate encryption keys mid-activation. */
  restartWorker(keys: CodecKeys): Promise<void>;
  seed(body?: Record<string, unknown>): Promise<SeededRequest>;
  start(seeded: SeededRequest, overrides?: Partial<ActivationInput>): Promise<WorkflowHandle<typeof activation>>;
  status(handle: WorkflowHandle): Promise<ActivationStatus>;
  waitForState(
    handle: WorkflowHandle,
    states: ActivationState | ActivationState[],
    timeoutMs?: number,
  ): Promise<ActivationStatus>;
  latestOtp(requestId: string): Promise<{ code: string; otpRequestId: string }>;
  calls(requestId?: string): Promise<SandboxCall[]>;
  sandbox(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  payThroughPage(paymentLink: string, outcome?: 'paid' | 'declined'): Promise<void>;
  close(): Promise<void>;
}

let metricsUrl: string | undefined;

/** The test process's worker metrics endpoint (SDK and business metrics). */
export function workerMetricsUrl(): string {
  if (!metricsUrl) throw new Error('no harness started yet');
  return metricsUrl;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (!metricsUrl) {
    const bindAddress = `127.0.0.1:${await freePort()}`;
    // Every log line is kept for the secret scan; only warnings and errors are printed.
    Runtime.install({ logger: capturingLogger(), telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
    metricsUrl = `http://${bindAddress}/metrics`;
  }
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await connectGuarded({ address });
  // The real data path: every payload encrypted, selfies through the claim-check store.
  let keys = options.keys ?? FIXTURE_CODEC_KEYS;
  let client = new Client({ connection, namespace, dataConverter: createDataConverter(keys, { namespace }) });
  const taskQueue = `test-${randomUUID()}`;
  const imageStore =
    options.imageStore?.(keys) ??
    new LocalEncryptedImageStore({
      keys,
      dir: path.join(mkdtempSync(path.join(os.tmpdir(), 'vlens-images-')), 'images'),
    });
  const vlensConfig = makeVlensConfig({
    httpTimeoutMs: 3_000,
    ...options.vlens,
    baseUrl: sandbox.url,
    flavor: options.flavor ?? 'customer-sign',
  });
  const secrets = new Map<string, string>();
  const handles: WorkflowHandle[] = [];

  async function launchWorker(workerKeys: CodecKeys) {
    const worker = await createActivationWorker({
      connection: nativeConnection,
      namespace,
      taskQueue,
      activities: {
        ...createActivities({ config: vlensConfig, resolveImage: imageStoreResolver(imageStore) }),
        ...createImageActivities(imageStore),
        ...createWebhookActivities({
          endpoints: options.webhooks ?? [],
          dispatcher: createOutboundDispatcher(loadOutboundPolicy(options.outboundEnv ?? {})),
        }),
      },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: createDataConverter(workerKeys, { namespace }),
      shutdownGraceSeconds: 2,
    });
    return { worker, running: worker.run() };
  }
  let current = await launchWorker(keys);

  /** Every history this harness produced, and the logs so far, must be free of the secrets it saw. */
  async function assertNoLeaks(): Promise<void> {
    const leaks = findLeaks(capturedLogText(), secrets, 'worker logs');
    for (const handle of handles) {
      const history = historyToJSON(await handle.fetchHistory());
      leaks.push(...findHistoryLeaks(history, secrets, `history of ${handle.workflowId}`));
    }
    if (leaks.length) throw new Error(`secrets leaked: ${JSON.stringify(leaks)}`);
  }

  async function sandboxCall(method: string, path: string, body?: unknown) {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML pages and empty bodies stay text
    }
    return { status: response.status, body: parsed as any };
  }

  const harness: Harness = {
    namespace,
    taskQueue,
    sandboxUrl: sandbox.url,
    get worker() {
      return current.worker;
    },
    get client() {
      return client;
    },
    get keys() {
      return keys;
    },
    imageStore,
    trackSecret: (value, kind) => void secrets.set(value, kind),
    async restartWorker(newKeys) {
      current.worker.shutdown();
      await current.running;
      keys = newKeys;
      client = new Client({ connection, namespace, dataConverter: createDataConverter(keys, { namespace }) });
      current = await launchWorker(keys);
    },
    sandbox: sandboxCall,
    async seed(body = {}) {
      const response = await sandboxCall('POST', '/sandbox/requests', { lastLocation: CAIRO, ...body });
      if (response.status >= 300) throw new Error(`seeding failed: ${JSON.stringify(response.body)}`);
      secrets.set(response.body.accessToken, 'access token');
      return response.body as SeededRequest;
    },
    async start(seeded, overrides = {}) {
      const input: ActivationInput = {
        requestId: seeded.requestId,
        transactionId: seeded.transactionId,
        device: deviceAt(),
        accessToken: seeded.accessToken,
        ...overrides,
      };
      const handle = await client.workflow.start(activation, {
        taskQueue,
        workflowId: workflowIdFor(seeded.requestId),
        args: [input],
        typedSearchAttributes: [
          { key: ActivationStateKey, value: 'requesting_otp' },
          { key: VlensRequestIdKey, value: seeded.requestId },
        ],
      });
      handles.push(handle);
      return handle;
    },
    status: (handle) => handle.query(statusQuery),
    async waitForState(handle, states, timeoutMs = 20_000) {
      const wanted = Array.isArray(states) ? states : [states];
      const started = Date.now();
      let last: ActivationStatus | undefined;
      while (Date.now() - started < timeoutMs) {
        last = await handle.query(statusQuery);
        if (wanted.includes(last.state)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(
        `activation did not reach ${wanted.join('|')} within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`,
      );
    },
    async latestOtp(requestId) {
      const response = await sandboxCall('GET', `/sandbox/requests/${requestId}/latest-otp`);
      if (response.status !== 200) throw new Error(`no OTP in the sandbox inbox: ${JSON.stringify(response.body)}`);
      secrets.set(response.body.code, 'OTP code');
      return response.body as { code: string; otpRequestId: string };
    },
    async calls(requestId) {
      const response = await sandboxCall('GET', `/sandbox/calls${requestId ? `?requestId=${requestId}` : ''}`);
      return response.body as SandboxCall[];
    },
    async payThroughPage(paymentLink, outcome = 'paid') {
      const paymentId = new URL(paymentLink).pathname.split('/').pop();
      const response = await sandboxCall('POST', `/sandbox/payments/${paymentId}`, { outcome });
      if (response.status >= 300) throw new Error(`payment failed: ${JSON.stringify(response.body)}`);
    },
    async close() {
      try {
        await assertNoLeaks();
      } finally {
        current.worker.shutdown();
        await current.running;
        await nativeConnection.close();
        await connection.close();
        await sandbox.close();
      }
    },
  };
  return harness;
}

/** Counts the calls to one Vlens step that succeeded (HTTP 200, no error code, not a fault's answer). */
export function successfulCalls(calls: SandboxCall[], step: string): number {
  return calls.filter(
    (c) => c.path.endsWith(step) && c.httpStatus === 200 && (c.errorCode === null || c.errorCode === 0) && !c.faultId,
  ).length;
}
