// Issue 27, item 5, run as attacks against the real stack (Temporal dev server, worker, sandbox over
// HTTP, the gateway over HTTP): a request's policy can no longer wedge a workflow, and a cancel ends a
// workflow whose task is failing.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect } from 'vitest';
import { TERMINATED_WHILE_FAILING } from '../../client/activation-client';
import { ActivationTenantKey } from '../../client/tenancy';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { DEFAULT_POLICY, workflowIdFor } from '../../contract/types';
import { CAIRO, deviceAt, successfulCalls } from '../temporal/harness';
import { recordHistory } from '../temporal/history-recorder';
import { http, workflowTaskFailures, type GatewayStack, type GatewayStackOptions } from '../gateway/stack';
import { gatewayTest as test } from '../temporal/fixtures';

const ACME = 'acme-backend-key-0123456789';

const PRODUCTION_LIKE: GatewayStackOptions = {
  gateway: {
    apiKeys: [`acme:backend:${ACME}`],
    clientSecretKeys: ['client-secret-key-for-the-security-suite-0123456789'],
    serverPolicy: DEFAULT_POLICY,
  },
};

const call = (s: GatewayStack, method: string, route: string, body?: unknown) =>
  http(`${s.gateway.url}${route}`, method, body, { authorization: `Bearer ${ACME}` });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('security: no request value wedges a workflow', () => {
  test.scoped({ stackOptions: PRODUCTION_LIKE });

  test('"at least" fields over their ceiling are refused at the gateway (422), before any SMS', async ({
    stack: s,
  }) => {
    // The finding: the server policy only refused values *looser* than its own, and a longer cooldown or
    // check interval is "tighter", so 1e20 ms passed, the SMS went out and every workflow task failed.
    for (const policy of [
      { resendCooldown: 1e20 },
      { paymentReconcileInitial: 1e20 },
      { paymentReconcileMax: '100000d' },
      { resendCooldown: '2d' },
    ]) {
      const seeded = await s.h.seed({});
      const answer = await call(s, 'POST', '/v1/activations', {
        requestId: seeded.requestId,
        transactionId: seeded.transactionId,
        device: deviceAt(CAIRO),
        accessToken: seeded.accessToken,
        policy,
      });
      const field = `policy.${Object.keys(policy)[0]}`;
      expect({ status: answer.status, code: answer.body?.error?.code }, JSON.stringify(policy)).toEqual({
        status: 422,
        code: 'invalid_request',
      });
      expect(JSON.stringify(answer.body)).toContain(field);
      await pause(300);
      expect(await s.h.calls(seeded.requestId)).toEqual([]);
      expect((await call(s, 'GET', `/v1/activations/${seeded.requestId}`)).status).toBe(404);
    }
  });

  test('a sender that bypasses the gateway: the workflow refuses the policy itself and ends, no SMS, no failed task', async ({
    stack: s,
  }) => {
    // Not every sender goes through the client library: the workflow checks the ceilings again before it
    // computes a single time from them.
    const seeded = await s.h.seed({});
    const handle = await s.h.start(seeded, { policy: { resendCooldown: 1e20 } });
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toContain('policy.resendCooldown must be at most 1d');
    expect(await workflowTaskFailures(handle)).toEqual([]);
    expect(successfulCalls(await s.h.calls(seeded.requestId), 'StepRequestOtp')).toBe(0);
    await recordHistory('policy-over-ceiling-refused', handle);
  });

  test('cancel ends a workflow whose task is failing (terminated, not left running)', async ({ stack: s }) => {
    // A run whose every workflow task fails never reads the cancel signal; the finding was a 202 while it
    // went on. Here the task fails because the worker has no such workflow type (a deployment that
    // dropped a workflow, or any bug), the same state the 1e20 cooldown left runs in before the ceilings.
    const requestId = randomUUID();
    const handle = await s.h.client.workflow.start('activationFromARetiredDeployment', {
      taskQueue: s.h.taskQueue,
      workflowId: workflowIdFor(requestId),
      args: [{ requestId }],
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: requestId },
        { key: ActivationTenantKey, value: 'acme' },
      ],
    });
    for (let i = 0; ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) < 2; i++) {
      if (i > 100) throw new Error('the workflow task never failed');
      await pause(200);
    }
    const answer = await call(s, 'POST', `/v1/activations/${requestId}/cancel`, { reason: 'customer asked' });
    expect(answer.status).toBe(202);
    let description = await handle.describe();
    for (let i = 0; description.status.name === 'RUNNING' && i < 50; i++) {
      await pause(200);
      description = await handle.describe();
    }
    expect(description.status.name).toBe('TERMINATED');
    const history = await handle.fetchHistory();
    const terminated = history.events?.find((e) => e.workflowExecutionTerminatedEventAttributes);
    expect(terminated?.workflowExecutionTerminatedEventAttributes?.reason).toBe(TERMINATED_WHILE_FAILING);
  });
});
