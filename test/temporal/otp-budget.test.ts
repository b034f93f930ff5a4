// Issue 12, "Limits are caller input": OTP sends and attempts are budgeted per requestId across runs. A new
// run after a cancel inherits what earlier runs spent (client/otp-budget.ts); once nothing is left the client
// refuses the start (422 otp_budget_exhausted at the gateway) and the sandbox proves no further SMS went out.
import type { FastifyRequest } from 'fastify';
import { describe, expect } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { OtpBudgetExhausted } from '../../client/errors';
import { toHttpAnswer } from '../../gateway/http-errors';
import { FAILURE_TYPES } from '../../contract/rules';
import { workflowIdFor, type ActivationStatus, type Policy } from '../../contract/types';
import { temporalTest } from './fixtures';
import { deviceAt, type Harness, type SeededRequest } from './harness';
import { recordHistory } from './history-recorder';
import { failureOf } from './scenario-helpers';

/** The client library over the harness's Temporal client, as an app's backend would use it. */
const test = temporalTest.extend<{ activations: ActivationClient }>({
  activations: async ({ harness }, use) => {
    const activations = new ActivationClient({ client: harness.client, taskQueue: harness.taskQueue });
    await use(activations);
    await activations.close();
  },
});

const smsSent = async (h: Harness, requestId: string): Promise<number> =>
  (await h.sandbox('GET', `/sandbox/requests/${requestId}`)).body.smsSent;

describe('OTP budget per requestId across runs', () => {
  async function startAndAwaitOtp(
    activations: ActivationClient,
    seeded: SeededRequest,
    policy: Partial<Policy> = { maxOtpSends: 3 },
  ): Promise<ActivationStatus> {
    const started = await activations.start({
      requestId: seeded.requestId,
      transactionId: seeded.transactionId,
      device: deviceAt(),
      accessToken: seeded.accessToken,
      policy,
    });
    expect(started.created).toBe(true);
    let status = started.status;
    for (let i = 0; i < 200 && status.state !== 'awaiting_otp'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await activations.status(seeded.requestId);
    }
    expect(status.state).toBe('awaiting_otp');
    return status;
  }

  async function cancelAndWait(h: Harness, activations: ActivationClient, requestId: string): Promise<void> {
    await activations.cancel(requestId, 'the user closed the app');
    const failure = await failureOf(h.client.workflow.getHandle(workflowIdFor(requestId)));
    expect(failure.type).toBe('cancelled');
  }

  test('start -> cancel -> start inherits the sends; once used up the start is refused and no SMS is sent', async ({
    harness: h,
    activations,
  }) => {
    const seeded = await h.seed();
    const first = await startAndAwaitOtp(activations, seeded);
    expect(first.otp?.sendsLeft).toBe(2);
    expect(first.spent).toEqual({ otpSends: 1, otpAttempts: 0 });
    await cancelAndWait(h, activations, seeded.requestId);

    const second = await startAndAwaitOtp(activations, seeded);
    expect(second.otp?.sendsLeft).toBe(1);
    expect(second.spent).toEqual({ otpSends: 2, otpAttempts: 0 });
    await cancelAndWait(h, activations, seeded.requestId);

    const third = await startAndAwaitOtp(activations, seeded);
    expect(third.otp?.sendsLeft).toBe(0);
    await cancelAndWait(h, activations, seeded.requestId);
    await recordHistory(
      'otp-budget-inherited-from-earlier-runs',
      h.client.workflow.getHandle(workflowIdFor(seeded.requestId)),
    );
    expect(await smsSent(h, seeded.requestId)).toBe(3);
    const lastRun = (await h.client.workflow.getHandle(workflowIdFor(seeded.requestId)).describe()).runId;

    let refused: unknown;
    for (let i = 0; i < 2; i++) {
      refused = await activations
        .start({
          requestId: seeded.requestId,
          transactionId: seeded.transactionId,
          device: deviceAt(),
          accessToken: seeded.accessToken,
          policy: { maxOtpSends: 3 },
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(OtpBudgetExhausted);
    }
    expect((refused as OtpBudgetExhausted).details).toMatchObject({ otpSends: 3, maxOtpSends: 3 });
    const http = toHttpAnswer(refused, {} as FastifyRequest);
    expect(http.statusCode).toBe(422);
    expect(http.body.error.code).toBe('otp_budget_exhausted');
    // No run was started, so no SMS went out.
    expect((await h.client.workflow.getHandle(workflowIdFor(seeded.requestId)).describe()).runId).toBe(lastRun);
    expect(await smsSent(h, seeded.requestId)).toBe(3);
  });

  test('wrong codes count across runs too', async ({ harness: h, activations }) => {
    const seeded = await h.seed();
    await startAndAwaitOtp(activations, seeded, { maxOtpSends: 3, maxOtpAttempts: 2 });
    const { code } = await h.latestOtp(seeded.requestId);
    const wrong = code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
    const answer = await activations.submitOtp(seeded.requestId, { code: wrong, device: deviceAt() });
    expect(answer.outcome).toBe('wrong_code');
    await cancelAndWait(h, activations, seeded.requestId);
    const next = await startAndAwaitOtp(activations, seeded, { maxOtpSends: 3, maxOtpAttempts: 2 });
    expect(next.otp?.attemptsLeft).toBe(1);
    expect(next.spent).toEqual({ otpSends: 2, otpAttempts: 1 });
    await cancelAndWait(h, activations, seeded.requestId);
  });

  test('the workflow guards itself: a run started with the budget used up fails without sending', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { maxOtpSends: 2 }, spent: { otpSends: 2, otpAttempts: 0 } });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('otp_sends_exhausted');
    expect(await smsSent(h, seeded.requestId)).toBe(0);
    await recordHistory('otp-budget-used-up-at-start', handle);
  });

  test('a negative or fractional spent is refused as invalid input', async ({ harness: h }) => {
    for (const spent of [
      { otpSends: -1, otpAttempts: 0 },
      { otpSends: 0, otpAttempts: 1.5 },
    ]) {
      const seeded = await h.seed();
      const handle = await h.start(seeded, { spent });
      const failure = await failureOf(handle);
      expect(failure.type).toBe(FAILURE_TYPES.invalidInput);
      expect(await smsSent(h, seeded.requestId)).toBe(0);
    }
  });
});
