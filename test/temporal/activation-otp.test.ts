// OTP entry: wrong codes until locked, expiry and resend, the cooldown, the send limit, and update
// validators that reject without writing anything to history.
import { describe, expect } from 'vitest';
import { resendOtpUpdate, submitLivenessUpdate, submitOtpUpdate } from '../../contract/messages';
import { deviceAt } from './harness';
import { historyEventTypes, recordHistory } from './history-recorder';
import { failureOf, payAndNotify, sleep, submitInboxOtp, updateRejection } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');

describe('OTP entry', () => {
  test('wrong codes until locked: otp_attempts_exhausted', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { maxOtpAttempts: 3 } });
    await h.waitForState(handle, 'awaiting_otp');
    const wrong = wrongCodeFor((await h.latestOtp(seeded.requestId)).code);
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: wrong, device: deviceAt() }] });
      outcomes.push([answer.outcome, answer.attemptsLeft]);
    }
    expect(outcomes).toEqual([
      ['wrong_code', 2],
      ['wrong_code', 1],
      ['locked', 0],
    ]);
    expect((await failureOf(handle)).type).toBe('otp_attempts_exhausted');
    await recordHistory('otp-attempts-exhausted', handle);
  });

  test('the OTP expires, the user asks for a new one and completes', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { otpTtl: '1500ms', resendCooldown: 0 } });
    await h.waitForState(handle, 'awaiting_otp');
    const first = await h.latestOtp(seeded.requestId);
    await sleep(1700);
    const late = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: first.code, device: deviceAt() }] });
    expect(late.outcome).toBe('expired');
    const resent = await handle.executeUpdate(resendOtpUpdate, { args: [{ device: deviceAt() }] });
    expect(resent.status.otp?.sendsLeft).toBe(3);
    const second = await h.latestOtp(seeded.requestId);
    expect(second.otpRequestId).not.toBe(first.otpRequestId);
    const accepted = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: second.code, device: deviceAt() }] });
    expect(accepted.outcome).toBe('accepted');
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');
    await recordHistory('otp-expired-then-resend', handle);
  });

  test('an expired OTP with no resend within one more lifetime: otp_expired', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { otpTtl: '1s' } });
    expect((await failureOf(handle)).type).toBe('otp_expired');
    await recordHistory('otp-expired', handle);
  });

  test('a resend inside the cooldown is rejected with resendAvailableAt and writes no history', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { resendCooldown: '1h' } });
    await h.waitForState(handle, 'awaiting_otp');
    const before = await historyEventTypes(handle);
    const rejection = await updateRejection(handle.executeUpdate(resendOtpUpdate, { args: [{ device: deviceAt() }] }));
    expect(rejection.type).toBe('ResendCooldown');
    const details = rejection.details?.[0] as { resendAvailableAt: string };
    expect(Date.parse(details.resendAvailableAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(await historyEventTypes(handle)).toEqual(before);
    await handle.cancel();
  });

  test('sends exhausted: the last resend is refused, then the activation fails', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { maxOtpSends: 2, resendCooldown: 0, otpTtl: '2s' } });
    await h.waitForState(handle, 'awaiting_otp');
    await handle.executeUpdate(resendOtpUpdate, { args: [{ device: deviceAt() }] });
    const rejection = await updateRejection(handle.executeUpdate(resendOtpUpdate, { args: [{ device: deviceAt() }] }));
    expect(rejection.type).toBe('SendsExhausted');
    expect((await failureOf(handle)).type).toBe('otp_sends_exhausted');
    const sandboxState = await h.sandbox('GET', `/sandbox/requests/${seeded.requestId}`);
    expect(sandboxState.body.otpsSent ?? sandboxState.body.smsSent).toBe(2);
    await recordHistory('otp-sends-exhausted', handle);
  });

  test('validators reject malformed and out-of-state input before anything reaches history', async ({ harness: h }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const before = await historyEventTypes(handle);
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['InvalidInput', () => handle.executeUpdate(submitOtpUpdate, { args: [{ code: '12ab', device: deviceAt() }] })],
      ['InvalidInput', () => handle.executeUpdate(submitOtpUpdate, { args: [{ code: '123456' } as never] })],
      ['InvalidInput', () => handle.executeUpdate(submitOtpUpdate, { args: [null as never] })],
      [
        'InvalidInput',
        () =>
          handle.executeUpdate(submitOtpUpdate, {
            args: [
              {
                code: '123456',
                device: { geoLocation: { latitude: 91, longitude: 0 }, userDeviceUtcTime: 'yesterday' },
              },
            ],
          }),
      ],
      [
        'InvalidState',
        () => handle.executeUpdate(submitLivenessUpdate, { args: [{ image: 'aGVsbG8=', device: deviceAt() }] }),
      ],
      [
        'InvalidInput',
        () => handle.executeUpdate(submitLivenessUpdate, { args: [{ image: 'not base64!', device: deviceAt() }] }),
      ],
    ];
    for (const [type, send] of bad) {
      expect((await updateRejection(send())).type).toBe(type);
    }
    expect(await historyEventTypes(handle)).toEqual(before);
    // Still perfectly usable afterwards.
    const accepted = await submitInboxOtp(h, handle, seeded);
    expect(accepted.status.state).toBe('awaiting_payment');
    await handle.cancel();
  });

  test('two OTP submissions at once are serialised: one accepted, the other finds the state moved on', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const { code } = await h.latestOtp(seeded.requestId);
    const results = await Promise.allSettled([
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] }),
      handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] }),
    ]);
    const accepted = results.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'accepted');
    expect(accepted).toHaveLength(1);
    const calls = await h.calls(seeded.requestId);
    expect(calls.filter((c) => c.path.endsWith('StepValidateOtp'))).toHaveLength(1);
    await handle.cancel();
  });
});
