// Issue 27 item 2 as attacks on the real stack (Temporal dev server, the real worker and its notifier
// workflow, HTTP receivers on 127.0.0.1): a tenant's receiver that redirects the worker's signed POST to an
// internal address, and receivers whose address is loopback when the worker runs as production. The worker's
// outbound policy is read from env as worker/main.ts reads it (loadOutboundPolicy).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { ActivationUpdate } from '../../contract/activities';
import { activationWebhooks } from '../../workflows';
import { activationChangedSignal } from '../../workflows/activation-webhooks';
import type { Harness, HarnessOptions } from '../temporal/harness';
import { temporalTest as test } from '../temporal/fixtures';
import { startWebhookReceiver, type WebhookReceiver } from '../temporal/webhook-receiver';

const SECRET = 'whsec_security_suite_0123456789abcdef';

/** An HTTP server on 127.0.0.1 that counts what reaches it and answers `answer`. */
async function countingServer(answer: (res: import('node:http').ServerResponse) => void) {
  const hits: { method: string; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { hits, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const update = (tenant: string): ActivationUpdate => ({
  activationId: `activation-${randomUUID()}`,
  tenant,
  version: 1,
  changedAt: new Date().toISOString(),
  status: { state: 'awaiting_otp', version: 1 },
});

/** Starts a notifier for one update and returns it once a delivery attempt has failed, with the failure text. */
async function firstFailure(h: Harness, tenant: string): Promise<{ handle: WorkflowHandle; message: string }> {
  const handle = await h.client.workflow.start(activationWebhooks, {
    taskQueue: h.taskQueue,
    workflowId: `webhooks-${randomUUID()}`,
    args: [{ initialRetryInterval: '200ms' }],
  });
  await handle.signal(activationChangedSignal, update(tenant));
  for (let i = 0; i < 150; i++) {
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    const message = pending?.lastFailure?.message;
    if (message) return { handle, message };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no failed delivery for tenant ${tenant}`);
}

describe('security: outbound webhooks follow no redirect (production, allow-list naming 127.0.0.1)', () => {
  const options: HarnessOptions = {};
  let internal: Awaited<ReturnType<typeof countingServer>>;
  let redirector: Awaited<ReturnType<typeof countingServer>>;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    // The "internal" service: an admin endpoint the worker can reach but a tenant cannot.
    internal = await countingServer((res) => res.writeHead(418).end('internal-admin-answer'));
    redirector = await countingServer((res) =>
      res.writeHead(307, { location: `http://127.0.0.1:${internal.port}/admin/delete-everything` }).end(),
    );
    receiver = await startWebhookReceiver(SECRET);
    options.outboundEnv = { NODE_ENV: 'production', OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32' };
    options.webhooks = [
      { tenant: 'hostile', url: `http://127.0.0.1:${redirector.port}/hooks`, secrets: [SECRET] },
      { tenant: 'fine', url: receiver.url, secrets: [SECRET] },
    ];
  });
  afterAll(async () => {
    await Promise.all([internal?.close(), redirector?.close(), receiver?.close()]);
  });
  test.scoped({ harnessOptions: options });

  test("a receiver's 307 to an internal address is a failed delivery; the internal target never sees a request", async ({
    harness: h,
  }) => {
    const { handle, message } = await firstFailure(h, 'hostile');
    await handle.terminate('test done');
    expect(redirector.hits.length).toBeGreaterThan(0);
    expect(internal.hits).toEqual([]);
    expect(message).toContain('HTTP 3xx (redirects are not followed)');
    // Nothing the target answered: neither its status nor its body. The hostile URL is taken out first: its
    // random port may hold the digits 307 or 418 (CI failed once on port 41823).
    const answered = message.replace(`http://127.0.0.1:${redirector.port}/hooks`, '<hostile url>');
    expect(answered).toContain('<hostile url>');
    expect(answered).not.toMatch(/307|418|internal-admin-answer/);
  });

  test('an allow-listed receiver still gets its deliveries under the production policy', async ({ harness: h }) => {
    const handle = await h.client.workflow.start(activationWebhooks, {
      taskQueue: h.taskQueue,
      workflowId: `webhooks-${randomUUID()}`,
      args: [{ initialRetryInterval: '200ms' }],
    });
    const sent = { ...update('fine'), final: true };
    await handle.signal(activationChangedSignal, sent);
    await handle.result();
    expect(receiver.versionsFor(sent.activationId)).toEqual([1]);
  });
});

describe('security: outbound webhooks reach no loopback address in production without an allow-list', () => {
  const options: HarnessOptions = {};
  let target: Awaited<ReturnType<typeof countingServer>>;
  beforeAll(async () => {
    target = await countingServer((res) => res.writeHead(200).end());
    options.outboundEnv = { NODE_ENV: 'production' };
    options.webhooks = [
      { tenant: 'literal', url: `http://127.0.0.1:${target.port}/by-address`, secrets: [SECRET] },
      // A name that resolves to loopback: the check is on the connected socket, after DNS.
      { tenant: 'by-name', url: `http://localhost:${target.port}/by-name`, secrets: [SECRET] },
    ];
  });
  afterAll(async () => {
    await target?.close();
  });
  test.scoped({ harnessOptions: options });

  test('a literal 127.0.0.1 and a name resolving to it are refused before a byte is sent', async ({ harness: h }) => {
    for (const tenant of ['literal', 'by-name']) {
      const { handle, message } = await firstFailure(h, tenant);
      await handle.terminate('test done');
      expect(message).toContain('address not allowed');
    }
    expect(target.hits).toEqual([]);
  });
});
