// The whole activation over the gateway's HTTP API, against the real Temporal server, the real worker
// and the sandbox: start, OTP from the sandbox inbox, payment on the sandbox, the sandbox's signed
// gateway webhook into the gateway, activation. Once with Kashier, once with Fawry, and once with the
// liveness detour (a device more than 80 km from the last location).
import { describe, expect } from 'vitest';
import { createEncryptionCodec } from '../../codec';
import { ALEXANDRIA, deviceAt } from '../temporal/harness';
import { workflowTaskFailures } from './stack';
import { gatewayTest as test } from '../temporal/fixtures';

/** Two small different "images" (the sandbox only checks base64 and that captures differ). */
const image = (seed: number) => Buffer.from(`sandbox-selfie-${seed}-${'x'.repeat(40)}`).toString('base64');

describe('gateway happy path', () => {
  for (const paymentGateway of ['kashier', 'fawry'] as const) {
    test(`start, OTP, pay on the sandbox, ${paymentGateway} webhook, activated`, async ({ stack: s }) => {
      const { seeded, answer: started } = await s.startActivation({ paymentGateway });
      expect(started.status).toBe(202);
      expect(started.headers.get('location')).toBe(`/v1/activations/${seeded.requestId}`);
      expect(started.headers.get('x-request-id')).toBeTruthy();
      expect(started.body.requestId).toBe(seeded.requestId);

      // Starting again joins the running activation.
      const again = await s.api('POST', '/v1/activations', {
        requestId: seeded.requestId,
        device: deviceAt(),
      });
      expect(again.status).toBe(200);
      expect(again.body.workflowId).toBe(started.body.workflowId);

      await s.waitForState(seeded.requestId, 'awaiting_otp');
      const { code } = await s.h.latestOtp(seeded.requestId);
      const otp = await s.api(
        'POST',
        `/v1/activations/${seeded.requestId}/otp`,
        { code, device: deviceAt() },
        { 'idempotency-key': `otp-${seeded.requestId}` },
      );
      expect(otp.status).toBe(200);
      expect(otp.body.outcome).toBe('accepted');
      expect(otp.body.status.state).toBe('awaiting_payment');
      const link: string = otp.body.status.nextAction.paymentLink;
      expect(link).toMatch(/\/sandbox\/pay\//);

      // A retried call with the same Idempotency-Key is the same update: same answer, no second Vlens call.
      const retried = await s.api(
        'POST',
        `/v1/activations/${seeded.requestId}/otp`,
        { code, device: deviceAt() },
        { 'idempotency-key': `otp-${seeded.requestId}` },
      );
      expect(retried.status).toBe(200);
      expect(retried.body.outcome).toBe('accepted');
      const validateCalls = (await s.h.calls(seeded.requestId)).filter((c) => c.path.endsWith('StepValidateOtp'));
      expect(validateCalls).toHaveLength(1);

      // The payment page's Pay button: the sandbox marks it paid and sends the signed webhook to the gateway.
      const paymentId = new URL(link).pathname.split('/').pop();
      const paid = await s.h.sandbox('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
      expect(paid.status).toBe(200);
      expect(paid.body.webhook.httpStatus).toBe(200);

      const final = await s.waitForState(seeded.requestId, 'activated');
      expect(final.nextAction.type).toBe('none');

      const handle = s.h.client.workflow.getHandle(final.workflowId);
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentCompleted',
      );
      expect(signals.length).toBeGreaterThanOrEqual(1);
      expect(await workflowTaskFailures(handle)).toEqual([]);

      // The provider redelivers the same event: acknowledged, nothing signalled again.
      const redelivered = await s.h.sandbox('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
      expect(redelivered.body.webhook.httpStatus).toBe(200);
      expect(s.logs.some((line) => line.includes('duplicate payment webhook') && line.includes(seeded.requestId))).toBe(
        true,
      );

      // Secrets never reach the logs: not the OTP, not the user's token, not the API key.
      const logText = s.logs.join('\n');
      expect(logText).not.toContain(`"${code}"`);
      expect(logText).not.toContain(seeded.accessToken);
      expect(logText).not.toContain('dev-key');

      // An activated request cannot be started again.
      const restart = await s.api('POST', '/v1/activations', { requestId: seeded.requestId, device: deviceAt() });
      expect(restart.status).toBe(409);
      expect(restart.body.error.code).toBe('already_activated');
    });
  }

  test('liveness detour: a device far from its last location re-validates, then OTP and payment', async ({
    stack: s,
  }) => {
    const { seeded, answer } = await s.startActivation({}, { device: deviceAt(ALEXANDRIA) });
    expect(answer.status).toBe(202);
    const waiting = await s.waitForState(seeded.requestId, 'awaiting_liveness');
    expect(waiting.nextAction.type).toBe('submit_liveness');

    // An OTP now is out of order.
    const early = await s.api('POST', `/v1/activations/${seeded.requestId}/otp`, {
      code: '123456',
      device: deviceAt(ALEXANDRIA),
    });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('invalid_state');

    const selfies = { image: image(0), faces: [image(1), image(2), image(3)], device: deviceAt(ALEXANDRIA) };
    const keyed = { 'idempotency-key': `liveness-${seeded.requestId}` };
    const liveness = await s.api('POST', `/v1/activations/${seeded.requestId}/liveness`, selfies, keyed);
    expect(liveness.status).toBe(200);
    expect(liveness.body.outcome).toBe('accepted');

    // The app retries the same submission (its answer was lost on the way) with the same Idempotency-Key
    // after the state moved on: it gets the first answer, not 409 (BENCHMARKS.md §8, P2).
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const retried = await s.api('POST', `/v1/activations/${seeded.requestId}/liveness`, selfies, keyed);
    expect(retried.status).toBe(200);
    expect(retried.body.outcome).toBe('accepted');

    // The gateway put the images in the claim-check store: history holds only `blob:` references.
    const history = await s.h.client.workflow.getHandle(`activation-${seeded.requestId}`).fetchHistory();
    const accepted = (history.events ?? []).find(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitLiveness',
    );
    const [payload] = await createEncryptionCodec(s.h.keys, { namespace: s.h.namespace }).decode([
      accepted!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!,
    ]);
    const sent = JSON.parse(Buffer.from(payload!.data!).toString('utf8'));
    expect([sent.image, ...sent.faces].every((ref: string) => /^blob:/.test(ref))).toBe(true);

    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const { code } = await s.h.latestOtp(seeded.requestId);
    const otp = await s.api('POST', `/v1/activations/${seeded.requestId}/otp`, { code, device: deviceAt(ALEXANDRIA) });
    expect(otp.body.outcome).toBe('accepted');
    await s.h.payThroughPage(otp.body.status.nextAction.paymentLink);
    await s.waitForState(seeded.requestId, 'activated');
  });
});
