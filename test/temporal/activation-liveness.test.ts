// The >80 km branch: Vlens demands liveness re-validation before it sends an OTP.
import { describe, expect } from 'vitest';
import { submitLivenessUpdate } from '../../contract/messages';
import { ALEXANDRIA, deviceAt, successfulCalls } from './harness';
import { recordHistory } from './history-recorder';
import { failureOf, payAndNotify, submitInboxOtp } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

// Three distinct small "images" (valid base64); the sandbox rejects identical faces.
const selfie = (n: number) => Buffer.from(`selfie-${n}-${'x'.repeat(64)}`).toString('base64');
const images = { image: selfie(0), faces: [selfie(1), selfie(2), selfie(3)] as [string, string, string] };

for (const flavor of ['customer-sign', 'legacy-activate'] as const) {
  describe(`liveness branch (${flavor})`, () => {
    test.scoped({ harnessOptions: { flavor } });

    test('moved more than 80 km: selfies pass, a new OTP, payment, activation', async ({ harness: h }) => {
      for (const image of [images.image, ...images.faces]) h.trackSecret(image, 'liveness image');
      const seeded = await h.seed();
      const far = deviceAt(ALEXANDRIA);
      const handle = await h.start(seeded, { device: far });
      const waiting = await h.waitForState(handle, 'awaiting_liveness');
      expect(waiting.nextAction.type).toBe('submit_liveness');
      expect(waiting.liveness).toEqual({ required: true, attemptsLeft: 3 });

      const answer = await handle.executeUpdate(submitLivenessUpdate, { args: [{ ...images, device: far }] });
      expect(answer.outcome).toBe('accepted');
      const accepted = await submitInboxOtp(h, handle, seeded, far);
      await payAndNotify(h, handle, accepted.status);
      expect((await handle.result()).state).toBe('activated');
      if (flavor === 'customer-sign') {
        const calls = await h.calls(seeded.requestId);
        expect(successfulCalls(calls, 'StepReValidateLiveness')).toBe(1);
        expect(successfulCalls(calls, 'StepRequestOtp')).toBe(1);
      }
      await recordHistory(`liveness-pass-${flavor}`, handle);
    });
  });
}

describe('liveness images through the claim-check store', () => {
  test('four 500 KB selfies travel as references and are deleted when the activation ends', async ({ harness: h }) => {
    const seeded = await h.seed();
    const far = deviceAt(ALEXANDRIA);
    const handle = await h.start(seeded, { device: far });
    await h.waitForState(handle, 'awaiting_liveness');
    // Distinct, incompressible-looking 500 KB images: far over Temporal's 2 MB payload limit together.
    const big = (n: number) =>
      Buffer.from(Array.from({ length: 500 * 1024 - 1 }, (_, i) => (i * 31 + n * 97 + (i >> 7)) % 256)).toString(
        'base64',
      );
    const selfies = [0, 1, 2, 3].map(big);
    for (const selfie of selfies) h.trackSecret(selfie, 'liveness image');
    const refs = await Promise.all(selfies.map((selfie) => h.imageStore.put(seeded.requestId, selfie)));
    const answer = await handle.executeUpdate(submitLivenessUpdate, {
      args: [{ image: refs[0]!, faces: [refs[1]!, refs[2]!, refs[3]!], device: far }],
    });
    expect(answer.outcome).toBe('accepted');
    const accepted = await submitInboxOtp(h, handle, seeded, far);
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');
    for (const ref of refs) await expect(h.imageStore.get(ref)).rejects.toMatchObject({ name: 'ImageNotFound' });
    // A history recorded with the patched clean-up step, next to the older ones recorded without it.
    await recordHistory('liveness-images-deleted-at-end', handle);
  });
});

describe('liveness failures', () => {
  test('selfies rejected every time: the activation fails as liveness_rejected', async ({ harness: h }) => {
    const seeded = await h.seed({ livenessOutcome: 'fail' });
    const far = deviceAt(ALEXANDRIA);
    const handle = await h.start(seeded, { device: far, policy: { maxLivenessAttempts: 2 } });
    await h.waitForState(handle, 'awaiting_liveness');
    const first = await handle.executeUpdate(submitLivenessUpdate, { args: [{ ...images, device: far }] });
    expect(first).toMatchObject({ outcome: 'rejected', attemptsLeft: 1 });
    const second = await handle.executeUpdate(submitLivenessUpdate, { args: [{ ...images, device: far }] });
    expect(second).toMatchObject({ outcome: 'rejected', attemptsLeft: 0 });
    expect(second.status.state).toBe('failed');
    expect((await failureOf(handle)).type).toBe('liveness_rejected');
    await recordHistory('liveness-rejected', handle);
  });

  test('no selfies in time: liveness_timeout', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { device: deviceAt(ALEXANDRIA), policy: { livenessTimeout: '1500ms' } });
    await h.waitForState(handle, 'awaiting_liveness');
    const failure = await failureOf(handle);
    expect(failure.type).toBe('liveness_timeout');
    expect(failure.nonRetryable).toBe(true);
    await recordHistory('liveness-timeout', handle);
  });
});
