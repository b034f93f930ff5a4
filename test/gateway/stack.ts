// The gateway on top of the lead's harness (real Temporal dev server, real worker, sandbox over HTTP),
// wired so the sandbox's payment webhooks reach this gateway. The gateway's port is chosen first,
// because the sandbox needs the webhook URL when it starts and the gateway needs the harness's task queue.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ActivationClient } from '../../client/activation-client';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server';
import {
  CAIRO,
  deviceAt,
  startHarness,
  type Harness,
  type HarnessOptions,
  type SeededRequest,
} from '../temporal/harness';
import { DEFAULT_POLICY, type ActivationStatus, type ActivationState, type Policy } from '../../contract/types';
import { freePort } from '../../scripts/local-stack';

export const API_KEY = 'dev-key';

/**
 * The server policy of the shared test gateway: the workflow's defaults, except that callers may shorten
 * the resend cooldown (the route tests drive cooldowns of 0-2 s). The bounds are still enforced for every
 * other field; test/security/ checks them against production-like settings.
 */
export const TEST_SERVER_POLICY: Policy = { ...DEFAULT_POLICY, resendCooldown: 0 };

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: any;
}

export interface GatewayStack {
  h: Harness;
  gateway: RunningGateway;
  activations: ActivationClient;
  dataDir: string;
  /** Every log line the gateway wrote (JSON text). */
  logs: string[];
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** POST /v1/activations for a freshly seeded sandbox request. */
  startActivation(
    seedBody?: Record<string, unknown>,
    input?: Record<string, unknown>,
  ): Promise<{ seeded: SeededRequest; answer: HttpAnswer }>;
  waitForState(
    requestId: string,
    states: ActivationState | ActivationState[],
    timeoutMs?: number,
  ): Promise<ActivationStatus>;
  /** Starts another gateway on the same port and data folder (after `gateway.close()`), as a restart would. */
  restartGateway(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Workflow task failures in a history, except UNHANDLED_COMMAND: that one is the server refusing a
 * completion because a signal (here: Vlens's webhook) arrived in the same moment; the SDK retries it
 * at once and it is not a fault of the workflow code.
 */
export async function workflowTaskFailures(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowTaskFailedEventAttributes)
    .filter(
      (failed) =>
        failed &&
        failed.cause !== temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    )
    .map((failed) => failed?.failure?.message ?? 'workflow task failed');
}

export async function http(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    const raw = typeof body === 'string' || body instanceof Uint8Array;
    init.body = raw ? (body as string | Uint8Array) : JSON.stringify(body);
    if (!raw && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface GatewayStackOptions {
  /** The harness under the gateway; the sandbox's webhooks go to this gateway unless set here. */
  harness?: HarnessOptions;
  gateway?: Partial<GatewayOptions>;
  /** Serve the hosted activation page from this gateway's own URL (ACTIVATION_PAGE_BASE_URL). */
  activationPage?: boolean;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = await startHarness({
    ...options.harness,
    sandbox: {
      webhookUrl: `${base}/v1/webhooks/{gateway}`,
      vlensWebhookUrl: `${base}/v1/webhooks/vlens`,
      webhookRetryDelaysMs: [200, 500],
      ...options.harness?.sandbox,
    },
  });
  // The claim-check store the worker reads from: the gateway puts liveness images there, as in production.
  const activations = new ActivationClient({
    client: h.client,
    taskQueue: h.taskQueue,
    imageStore: h.imageStore,
    updateTimeoutMs: 30_000,
  });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-test-'));
  const logs: string[] = [];
  const gatewayOptions: GatewayOptions = {
    activations,
    port,
    dataDir,
    logLevel: 'info',
    logStream: { write: (line) => void logs.push(line) },
    serverPolicy: TEST_SERVER_POLICY,
    ...(options.activationPage ? { activationPageBaseUrl: base } : {}),
    ...options.gateway,
  };
  let gateway = await startGateway(gatewayOptions);

  const stack: GatewayStack = {
    h,
    get gateway() {
      return gateway;
    },
    activations,
    dataDir,
    logs,
    api: (method, route, body, headers = {}) =>
      http(`${base}${route}`, method, body, { authorization: `Bearer ${API_KEY}`, ...headers }),
    async startActivation(seedBody = {}, input = {}) {
      const seeded = await h.seed(seedBody);
      const answer = await stack.api('POST', '/v1/activations', {
        requestId: seeded.requestId,
        transactionId: seeded.transactionId,
        device: deviceAt(CAIRO),
        accessToken: seeded.accessToken,
        ...input,
      });
      return { seeded, answer };
    },
    async waitForState(requestId, states, timeoutMs = 20_000) {
      const wanted = Array.isArray(states) ? states : [states];
      const until = Date.now() + timeoutMs;
      let last: HttpAnswer | undefined;
      while (Date.now() < until) {
        last = await stack.api('GET', `/v1/activations/${requestId}`);
        if (last.status === 200 && wanted.includes(last.body.state)) return last.body as ActivationStatus;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      throw new Error(
        `activation ${requestId} did not reach ${wanted.join('|')}; last answer ${JSON.stringify(last?.body)}`,
      );
    },
    async restartGateway() {
      gateway = await startGateway(gatewayOptions);
    },
    async close() {
      await gateway.close().catch(() => undefined);
      await h.close();
    },
  };
  return stack;
}

export { freePort };
