// Fuzz: more than 2,000 malformed or hostile requests across every route of the gateway, against a
// real activation. Asserts that the gateway never answers 5xx, always answers errors in the contract's
// shape, stays up, that no workflow task fails, and that nothing is written to the activation's history
// (rejected updates leave no trace; no hostile body becomes a signal).
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect } from 'vitest';
import type { z } from 'zod';
import {
  activationInputSchema,
  cancelSchema,
  paymentCompletedBodySchema,
  submitOtpSchema,
} from '../../contract/request-schemas';
import { ALEXANDRIA, CAIRO, deviceAt } from '../temporal/harness';
import { getCases, postCases, prng, type FuzzCase, type RouteTemplate } from './fuzz-corpus';
import { gatewayTest } from '../temporal/fixtures';
import { http, workflowTaskFailures } from './stack';

const UNKNOWN = '00000000-0000-4000-8000-00000000f022';
const image = (n: number) => Buffer.from(`fuzz-image-${n}-${'q'.repeat(30)}`).toString('base64');

/** Lossy decode + JSON + schema: would this body be accepted by the route's schema? */
function accepted(schema: z.ZodType, body: string | Uint8Array | undefined): boolean {
  if (body === undefined) return false;
  try {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    return schema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

interface Targets {
  /** An activation waiting for its OTP, the target of most cases. */
  target: string;
  handle: WorkflowHandle;
  /** A second activation waiting for liveness: valid OTP and resend bodies are refused by its validators. */
  livenessTarget: string;
  livenessHandle: WorkflowHandle;
}

const test = gatewayTest.extend<{ targets: Targets }>({
  targets: async ({ stack: s }, use) => {
    // A long cooldown, so valid resend requests reach the workflow's validator and are refused there.
    const { seeded } = await s.startActivation({}, { policy: { resendCooldown: '1h' } });
    const target = seeded.requestId;
    await s.waitForState(target, 'awaiting_otp');
    const far = await s.startActivation({}, { device: deviceAt(ALEXANDRIA) });
    const livenessTarget = far.seeded.requestId;
    await s.waitForState(livenessTarget, 'awaiting_liveness');
    await use({
      target,
      handle: s.h.client.workflow.getHandle(`activation-${target}`),
      livenessTarget,
      livenessHandle: s.h.client.workflow.getHandle(`activation-${livenessTarget}`),
    });
  },
});

describe('gateway fuzz', () => {
  // Generous limits, so the cases are judged by validation rather than stopped by rate limiting.
  test.scoped({
    stackOptions: {
      gateway: {
        rateLimits: {
          otpPerActivation: 100_000,
          resendPerActivation: 100_000,
          perApiKey: 100_000,
          readsPerActivation: 100_000,
          readsPerCaller: 100_000,
          unverifiedWebhooksPerSource: 100_000,
        },
        logLevel: 'warn',
      },
    },
  });

  function corpus({ target, livenessTarget }: Targets): FuzzCase[] {
    const random = prng(20_261_122);
    const device = deviceAt(CAIRO);
    const base = `/v1/activations/${target}`;
    const templates: Array<
      RouteTemplate & { count: number; schema?: z.ZodType; redirect?: (route: string) => string }
    > = [
      {
        route: '/v1/activations',
        valid: { requestId: target, device, policy: { otpTtl: '5m' } },
        required: [
          'requestId',
          'device',
          'device.geoLocation',
          'device.geoLocation.latitude',
          'device.userDeviceUtcTime',
          'policy.otpTtl',
        ],
        count: 200,
        schema: activationInputSchema,
      },
      {
        route: `${base}/otp`,
        valid: { code: '123456', device },
        required: ['code', 'device', 'device.geoLocation', 'device.geoLocation.longitude', 'device.userDeviceUtcTime'],
        headers: { 'idempotency-key': 'fuzz-otp' },
        count: 300,
        schema: submitOtpSchema,
        // A body that happens to be valid would be a real OTP attempt: it goes to an unknown activation.
        redirect: (route) => route.replace(target, UNKNOWN),
      },
      {
        route: `${base}/otp/resend`,
        valid: { device },
        required: ['device', 'device.geoLocation', 'device.geoLocation.latitude', 'device.userDeviceUtcTime'],
        count: 230,
      },
      {
        route: `${base}/liveness`,
        valid: { image: image(0), faces: [image(1), image(2), image(3)], device },
        required: ['image', 'faces', 'device', 'device.geoLocation.latitude', 'device.userDeviceUtcTime'],
        count: 230,
      },
      {
        route: `${base}/payment-completed`,
        valid: { eventId: 'fuzz-evt', reference: 'R' },
        required: ['eventId'],
        count: 200,
        schema: paymentCompletedBodySchema,
        redirect: (route) => route.replace(target, UNKNOWN),
      },
      {
        route: `${base}/cancel`,
        valid: { reason: 'fuzz' },
        required: ['reason'],
        count: 200,
        schema: cancelSchema,
        redirect: (route) => route.replace(target, UNKNOWN),
      },
      {
        route: '/v1/webhooks/kashier',
        // A signature that never matches: no case can become a signal.
        valid: {
          event: 'pay',
          data: {
            merchantOrderId: target,
            transactionId: 'TX-1',
            status: 'SUCCESS',
            amount: '1.00',
            creationDate: '2026-01-01T10:00:00.000Z',
            signatureKeys: ['amount', 'creationDate', 'merchantOrderId', 'status', 'transactionId'],
          },
        },
        required: ['data', 'data.merchantOrderId', 'data.transactionId', 'data.status', 'data.signatureKeys', 'event'],
        headers: { 'x-kashier-signature': 'deadbeef'.repeat(8) },
        count: 200,
      },
      {
        route: '/v1/webhooks/fawry',
        valid: {
          fawryRefNumber: '123',
          merchantRefNumber: target,
          paymentAmount: 1,
          orderAmount: 1,
          orderStatus: 'PAID',
          paymentMethod: 'CARD',
          paymentRefrenceNumber: '1',
          messageSignature: 'ab'.repeat(32),
        },
        required: ['fawryRefNumber', 'merchantRefNumber', 'paymentAmount', 'orderStatus', 'messageSignature'],
        count: 200,
      },
      {
        route: '/v1/webhooks/vlens',
        // Not CustomerSigned, and no mutation can produce that exact status: nothing is signalled.
        valid: {
          Id: 'f1',
          WebhookEvent: 'App.BusinessRequestStatusChange',
          Attempt: 1,
          Data: { Id: target, NewStatus: 'PendingApproval' },
        },
        required: ['Id', 'WebhookEvent', 'Data', 'Data.Id', 'Data.NewStatus'],
        count: 200,
      },
    ];
    const cases: FuzzCase[] = [];
    for (const template of templates) {
      for (const c of postCases(template, template.count, random)) {
        const redirect = template.schema && template.redirect && accepted(template.schema, c.body);
        cases.push(
          redirect ? { ...c, route: template.redirect!(c.route), label: `${c.label} (valid: redirected)` } : c,
        );
      }
    }
    cases.push(...getCases(150, random));
    // Well-formed bodies the workflow's update validators refuse (cooldown, wrong state): they reach
    // Temporal, and must still leave no history behind.
    const json = { 'content-type': 'application/json' };
    for (let i = 0; i < 40; i++) {
      const key = { 'idempotency-key': `fuzz-${i}` };
      const valid = (body: unknown) => JSON.stringify(body);
      cases.push({
        route: `${base}/otp/resend`,
        method: 'POST',
        body: valid({ device }),
        headers: { ...json, ...key },
        label: 'valid resend in cooldown',
      });
      cases.push({
        route: `${base}/liveness`,
        method: 'POST',
        body: valid({ image: image(i), device }),
        headers: { ...json, ...key },
        label: 'valid liveness while awaiting OTP',
      });
      cases.push({
        route: `/v1/activations/${livenessTarget}/otp`,
        method: 'POST',
        body: valid({ code: '123456', device }),
        headers: { ...json, ...key },
        label: 'valid OTP while awaiting liveness',
      });
      cases.push({
        route: `/v1/activations/${livenessTarget}/otp/resend`,
        method: 'POST',
        body: valid({ device }),
        headers: json,
        label: 'valid resend while awaiting liveness',
      });
    }
    // Hostile credentials on an authenticated route.
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'bearer dev-key ',
      'Bearer dev-key dev-key',
      `Bearer ${'k'.repeat(8_000)}`,
      'Basic dev-key',
      'Bearer dev-key\u0000',
    ]) {
      for (let i = 0; i < 8; i++)
        cases.push({
          route: `${base}/otp`,
          method: 'POST',
          body: '{}',
          headers: {
            'content-type': 'application/json',
            authorization: authorization.replace('\u0000', '') + (i ? String(i) : ''),
          },
          label: `auth ${authorization.slice(0, 20)}`,
        });
    }
    return cases;
  }

  test('2,000+ hostile requests: no 5xx, error shape always, no history written, no workflow task failure', async ({
    stack: s,
    targets,
  }) => {
    const { target, handle, livenessHandle } = targets;
    const cases = corpus(targets);
    expect(cases.length).toBeGreaterThanOrEqual(2_000);
    const historyBefore = (await handle.fetchHistory()).events?.length ?? 0;
    const livenessHistoryBefore = (await livenessHandle.fetchHistory()).events?.length ?? 0;

    const failures: string[] = [];
    const statusCounts = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index]!;
        const headers = { authorization: 'Bearer dev-key', ...c.headers };
        const where = `#${index} ${c.method} ${c.route.slice(0, 80)} ${c.label.slice(0, 60)}`;
        let answer;
        try {
          answer = await http(`${s.gateway.url}${c.route}`, c.method, c.body, headers);
        } catch (error) {
          // The server may close the socket after answering 413 to a body it refused to read.
          failures.push(`${where}: request failed ${(error as Error).message}`);
          continue;
        }
        statusCounts.set(answer.status, (statusCounts.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500)
          failures.push(`${where}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        else if (answer.status >= 400 && typeof answer.body?.error?.code !== 'string') {
          failures.push(
            `${where}: ${answer.status} without the error shape: ${JSON.stringify(answer.body).slice(0, 100)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(
      `[fuzz] ${cases.length} cases; statuses: ${JSON.stringify(Object.fromEntries([...statusCounts].sort()))}`,
    );
    expect(failures).toEqual([]);

    // Still up, still answering properly.
    expect((await http(`${s.gateway.url}/healthz`, 'GET')).status).toBe(200);
    const status = await s.api('GET', `/v1/activations/${target}`);
    expect(status.status).toBe(200);
    expect(status.body.state).toBe('awaiting_otp');

    // Rejected updates and refused webhooks left nothing in history, and no workflow task failed.
    expect((await handle.fetchHistory()).events?.length ?? 0).toBe(historyBefore);
    expect((await livenessHandle.fetchHistory()).events?.length ?? 0).toBe(livenessHistoryBefore);
    expect(await workflowTaskFailures(handle)).toEqual([]);
    expect(await workflowTaskFailures(livenessHandle)).toEqual([]);
    expect(s.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});
