// The client's zod schemas: what they accept, the field names they report, and that nothing the
// contract does not name survives parsing.
import { describe, expect, test } from 'vitest';
import { InvalidInput } from '../../client/errors';
import {
  activationInputSchema,
  cancelSchema,
  fieldProblems,
  livenessUploadSchema,
  paymentCompletedBodySchema,
  submitLivenessSchema,
  submitOtpSchema,
} from '../../contract/request-schemas';
import { parseInput } from '../../client/parse-input';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const device = { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2025-01-15T10:30:00Z' };
const problemsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? [] : fieldProblems(result.error as never).map((p) => p.field);

describe('activation input', () => {
  test('the documented example is accepted; policy durations in both forms', () => {
    const input = {
      requestId: REQUEST,
      device,
      smsProvider: 2,
      policy: { otpTtl: '5s', resendCooldown: 1000, maxOtpSends: 3 },
    };
    expect(activationInputSchema.parse(input)).toEqual(input);
  });

  test('every bad field is named', () => {
    const result = activationInputSchema.safeParse({
      requestId: 'nope',
      transactionId: 'x',
      device: { geoLocation: { latitude: 91, longitude: -181 }, userDeviceUtcTime: '2025-13-45' },
      smsProvider: 7,
      policy: { otpTtl: 'soon', maxOtpAttempts: 0 },
    });
    expect(problemsOf(result).sort()).toEqual(
      [
        'device.geoLocation.latitude',
        'device.geoLocation.longitude',
        'device.userDeviceUtcTime',
        'policy.maxOtpAttempts',
        'policy.otpTtl',
        'requestId',
        'smsProvider',
        'transactionId',
      ].sort(),
    );
  });

  test('unknown and prototype keys are dropped', () => {
    const hostile = JSON.parse(
      `{"requestId":"${REQUEST}","device":${JSON.stringify(device)},"__proto__":{"admin":true},"extra":1}`,
    );
    const parsed = activationInputSchema.parse(hostile) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['device', 'requestId']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('messages', () => {
  test('OTP codes are 4 to 8 ASCII digits', () => {
    for (const code of ['1234', '12345678']) expect(submitOtpSchema.safeParse({ code, device }).success).toBe(true);
    for (const code of ['123', '123456789', '12a4', '１２３４', ' 1234', 1234])
      expect(submitOtpSchema.safeParse({ code, device }).success).toBe(false);
  });

  test('liveness: base64 or blob references; inline images are capped, uploads less so', () => {
    const small = Buffer.from('selfie').toString('base64');
    expect(submitLivenessSchema.safeParse({ image: small, device }).success).toBe(true);
    expect(
      submitLivenessSchema.safeParse({ image: 'blob:abcdefgh', faces: ['blob:abcdefgh1', small, small], device })
        .success,
    ).toBe(true);
    expect(problemsOf(submitLivenessSchema.safeParse({ image: 'not base64', device }))).toEqual(['image']);
    expect(problemsOf(submitLivenessSchema.safeParse({ image: small, faces: [small], device }))).toEqual(['faces']);
    const big = 'A'.repeat(800_000);
    expect(problemsOf(submitLivenessSchema.safeParse({ image: big, device }))).toEqual(['image']);
    expect(livenessUploadSchema.safeParse({ image: big, device }).success).toBe(true);
    expect(livenessUploadSchema.safeParse({ image: 'A'.repeat(1_000_000), device }).success).toBe(false);
  });

  test('payment bodies from apps default to source app and cannot claim a provider', () => {
    expect(paymentCompletedBodySchema.parse({ eventId: 'e1' })).toEqual({ eventId: 'e1', source: 'app' });
    expect(paymentCompletedBodySchema.safeParse({ eventId: 'e1', source: 'kashier' }).success).toBe(false);
    expect(
      problemsOf(paymentCompletedBodySchema.safeParse({ eventId: 'x'.repeat(201), currency: 'egp' })).sort(),
    ).toEqual(['currency', 'eventId']);
  });

  test('parseInput throws InvalidInput with the problems and a message naming them', () => {
    try {
      parseInput(cancelSchema, { reason: '' }, 'cancel request');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).problems).toEqual([{ field: 'reason', message: expect.any(String) }]);
      expect((error as InvalidInput).message).toMatch(/^invalid cancel request: reason /);
    }
  });
});
