// Issue 27, item 5: any policy the request schema accepts runs without failing a workflow task. Random
// policies (fast-check) within the schema are started on the real stack (Temporal dev server, worker,
// sandbox over HTTP) through the client library the gateway and the CLI use, without a server policy, so
// each value reaches the workflow as sent; each run is driven through its Date arithmetic (OTP expiry,
// resend cooldown, the payment deadline and check intervals, the status times) and then cancelled.
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { activationInputSchema } from '../../contract/request-schemas';
import { POLICY_DURATION_CEILINGS_MS, type PolicyDurationField } from '../../contract/policy';
import { LIMITS } from '../../contract/rules';
import { workflowIdFor, type Policy } from '../../contract/types';
import { CAIRO, deviceAt } from '../temporal/harness';
import { workflowTaskFailures } from '../gateway/stack';
import { gatewayTest as test } from '../temporal/fixtures';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration as the schema takes it, from 0 to the field's ceiling: a number or text, the edges included. */
function durationUpTo(ceilingMs: number): fc.Arbitrary<number | string> {
  const text = fc
    .constantFrom(...(Object.keys(UNITS) as Array<keyof typeof UNITS>))
    .chain((unit) => fc.integer({ min: 0, max: Math.floor(ceilingMs / UNITS[unit]) }).map((n) => `${n}${unit}`));
  return fc.oneof(
    fc.constantFrom(0, 1, ceilingMs),
    fc.integer({ min: 0, max: ceilingMs }),
    fc.double({ min: 0, max: ceilingMs, noNaN: true }),
    text,
  );
}

const count = fc.integer({ min: LIMITS.policyCount.min, max: LIMITS.policyCount.max });

const durations = Object.fromEntries(
  Object.entries(POLICY_DURATION_CEILINGS_MS).map(([field, ceiling]) => [field, durationUpTo(ceiling)]),
) as Record<PolicyDurationField, fc.Arbitrary<number | string>>;

const policies: fc.Arbitrary<Partial<Policy>> = fc.record(
  { ...durations, maxOtpAttempts: count, maxOtpSends: count, maxLivenessAttempts: count },
  { requiredKeys: [] },
);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('security: random policies within the schema never fail a workflow task', () => {
  test('property: start, resend, a wrong and a right code, status, cancel: no failed workflow task', async ({
    stack: s,
  }) => {
    await fc.assert(
      fc.asyncProperty(policies, async (policy) => {
        const seeded = await s.h.seed({});
        const input = activationInputSchema.parse({
          requestId: seeded.requestId,
          transactionId: seeded.transactionId,
          device: deviceAt(CAIRO),
          accessToken: seeded.accessToken,
          policy,
        });
        const { requestId } = input;
        await s.activations.start(input);
        const ignore = () => undefined;
        for (let i = 0; i < 20 && (await s.activations.status(requestId)).state === 'requesting_otp'; i++)
          await pause(100);
        const app = { device: deviceAt(CAIRO), accessToken: seeded.accessToken };
        await s.activations.resendOtp(requestId, app).catch(ignore);
        await s.activations.submitOtp(requestId, { ...app, code: '00000000' }).catch(ignore);
        const otp = await s.h.latestOtp(requestId).catch(ignore);
        if (otp) await s.activations.submitOtp(requestId, { ...app, code: otp.code }).catch(ignore);
        await s.activations.status(requestId).catch(ignore);
        await s.activations.cancel(requestId, 'property test').catch(ignore);
        const handle = s.h.client.workflow.getHandle(workflowIdFor(requestId));
        expect(await workflowTaskFailures(handle), JSON.stringify(policy)).toEqual([]);
        // Ended, not wedged: a cancel reaches a healthy run (the late-payment window may keep it open).
        let status = await s.activations.status(requestId);
        for (let i = 0; i < 50 && !['cancelled', 'failed', 'activated'].includes(status.state); i++) {
          await pause(100);
          status = await s.activations.status(requestId);
        }
        expect(['cancelled', 'failed', 'activated'], JSON.stringify(policy)).toContain(status.state);
      }),
      {
        numRuns: 15,
        examples: [
          [
            {
              resendCooldown: 0,
              livenessTimeout: 0,
              paymentReconcileInitial: 8.747981843429829e-306,
              paymentReconcileMax: '0h',
              deadline: 217201262,
              maxOtpSends: 7,
              maxLivenessAttempts: 2,
            },
          ],
        ],
      },
    );
  }, 180_000);
});
