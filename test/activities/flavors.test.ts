// Both API flavours: the exact JSON each operation sends, how answers map (success only when positive),
// how a payment is proven, and image references.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVlensConfig } from '../../activities/config';
import {
  VLENS_FAILURE_TYPES as F,
  VLENS_TRANSIENT_FAILURE_TYPES as TF,
  type VlensCallContext,
} from '../../contract/activities';
import { createActivities, type ActivityDeps } from '../../activities/index';
import { IMAGE_FAILURE_TYPES } from '../../activities/images';
import {
  envelope,
  isRequestStatus,
  LOGIN_PATH,
  rejection,
  REQUEST_STATUS_PREFIX,
  requestStatus,
  startFakeVlens,
  tokenIssuer,
  withoutCode,
  type FakeReply,
  type FakeVlens,
  type Handler,
} from './fake-vlens';

const CS = '/api/BusinessRequest/CustomerSign';
const ACTIVATE = '/api/BusinessRequest/Activate';
const STATUS = `${REQUEST_STATUS_PREFIX}r-1`;

const device = { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2025-01-15T10:30:00Z' };
const minimal: VlensCallContext = { requestId: 'r-1', device };
const full: VlensCallContext = {
  requestId: 'r-1',
  transactionId: 't-1',
  contractStorageId: 'c-1',
  paymentGateway: 'kashier',
  smsProvider: 3,
  device,
  accessToken: 'user-jwt',
};

let vlens: FakeVlens;
let answer: Handler;
/** What GetBusinessRequestById answers (Approved, not signed, unless a test says otherwise). */
let statusAnswer: FakeReply;
const tokens = tokenIssuer();

beforeEach(async () => {
  answer = () => ({ json: envelope(null) });
  statusAnswer = requestStatus(2);
  vlens = await startFakeVlens((req) => tokens(req) ?? (isRequestStatus(req) ? statusAnswer : answer(req)));
});
afterEach(async () => {
  await vlens.close();
});

function activities(flavor: 'customer-sign' | 'legacy-activate', deps: Partial<ActivityDeps> = {}) {
  return createActivities({ config: makeVlensConfig({ baseUrl: vlens.url, flavor }), ...deps });
}
/** The GetBusinessRequestById calls made so far. */
const statusCalls = () => vlens.callsTo(STATUS);
const reply = (r: FakeReply) => {
  answer = () => r;
};
/** The bodies sent to one path (logins excluded). */
const sent = (path: string) => vlens.callsTo(path).map((c) => c.body);
const store: Record<string, string> = { 'blob:img': 'IMG64', 'blob:f1': 'F1', 'blob:f2': 'F2', 'blob:f3': 'F3' };
const resolveImage = (ref: string) =>
  store[ref] ? Promise.resolve(store[ref]) : Promise.reject(new Error(`no such blob ${ref}`));

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('customer-sign flavour', () => {
  const base = {
    geoLocation: { latitude: 30.0444, longitude: 31.2357 },
    userDeviceUtcTime: '2025-01-15T10:30:00Z',
    requestId: 'r-1',
    transactionId: null,
    contractStorageId: null,
    paymentGateway: null,
  };
  const fullBase = { ...base, transactionId: 't-1', contractStorageId: 'c-1', paymentGateway: 'kashier' };

  it('requestOtp sends the base body with nulls and smsProviders', async () => {
    reply({ json: envelope({ otpRequestId: 'o-1', transactionId: 't-9' }) });
    await expect(activities('customer-sign').requestOtp(minimal)).resolves.toEqual({
      otpRequestId: 'o-1',
      transactionId: 't-9',
      livenessRequired: false,
    });
    await activities('customer-sign').requestOtp(full);
    expect(sent(`${CS}/StepRequestOtp`)).toEqual([
      { ...base, smsProviders: null },
      { ...fullBase, smsProviders: 3 },
    ]);
  });

  it('requestOtp answers re-validation with livenessRequired and no otpRequestId', async () => {
    reply({ json: envelope(null, 4010, 'Location changed, liveness revalidation required.') });
    await expect(activities('customer-sign').requestOtp(minimal)).resolves.toEqual({ livenessRequired: true });
  });

  it('requestOtp reads a re-validation demand in a success answer', async () => {
    const a = activities('customer-sign');
    for (const r of [
      { json: envelope('Location changed, liveness re-validation is required.') },
      { json: envelope({ message: 'Liveness re-validation required' }) },
      { json: envelope({ needsReValidate: true }) },
      { json: envelope(null, 0, 'Location changed, liveness revalidation required.') },
    ]) {
      reply(r);
      await expect(a.requestOtp(minimal)).resolves.toEqual({ livenessRequired: true });
    }
  });

  it('requestOtp without an otpRequestId or a re-validation demand is unrecognised', async () => {
    const a = activities('customer-sign');
    for (const r of [
      { json: envelope(null) },
      { json: envelope({}) },
      { json: envelope('OTP sent') },
      { json: envelope('Liveness re-validation successful.') },
      { json: withoutCode({ otpRequestId: 'o-1' }) },
      { json: envelope({ otpRequestId: 'o-1' }, null, 'Something new') }, // a message no pattern knows
      { json: envelope({ otpRequestId: 'o-1', needsReValidate: 'true' }) }, // a flag as a string
    ]) {
      reply(r);
      const f = await failureOf(a.requestOtp(minimal));
      expect(f.type).toBe(TF.unrecognised);
      // A 2xx may have sent an SMS: held for an operator, not retried.
      expect(f.nonRetryable).toBe(true);
    }
  });

  it('revalidateLiveness sends scanTransaction with the images, resolving blob: references', async () => {
    reply({ json: envelope('Liveness re-validation successful. Proceed to OTP request.', 0) });
    const a = activities('customer-sign', { resolveImage });
    await expect(
      a.revalidateLiveness(full, { image: 'blob:img', faces: ['blob:f1', 'INLINE2', 'blob:f3'] }),
    ).resolves.toEqual({ outcome: 'accepted' });
    expect(sent(`${CS}/StepReValidateLiveness`)).toEqual([
      { ...fullBase, scanTransaction: { image: 'IMG64', face_1: 'F1', face_2: 'INLINE2', face_3: 'F3' } },
    ]);
  });

  it('revalidateLiveness accepts only a positive success', async () => {
    const a = activities('customer-sign');
    reply({ json: withoutCode('Liveness re-validation successful. Proceed to OTP request.') });
    expect((await failureOf(a.revalidateLiveness(minimal, { image: 'A', faces: ['1', '2', '3'] }))).type).toBe(
      TF.unrecognised,
    );
    reply({ raw: '' });
    expect((await failureOf(a.revalidateLiveness(minimal, { image: 'A', faces: ['1', '2', '3'] }))).type).toBe(
      TF.unrecognised,
    );
  });

  it('revalidateLiveness maps 4011 to rejected', async () => {
    reply({ json: envelope(null, 4011, 'Liveness re-validation failed') });
    await expect(
      activities('customer-sign').revalidateLiveness(minimal, { image: 'A', faces: ['1', '2', '3'] }),
    ).resolves.toEqual({
      outcome: 'rejected',
    });
  });

  it('revalidateLiveness without the three faces is rejected without a call', async () => {
    await expect(activities('customer-sign').revalidateLiveness(minimal, { image: 'A' })).resolves.toEqual({
      outcome: 'rejected',
    });
    expect(sent(`${CS}/StepReValidateLiveness`)).toHaveLength(0);
  });

  it('validateOtp sends otpRequestId and otpCode, and reads the payment link', async () => {
    reply({ json: envelope('https://pay.example/p/1') });
    const a = activities('customer-sign');
    await expect(
      a.validateOtp(full, { otpRequestId: 'o-1', code: '123456', images: { image: 'ignored' } }),
    ).resolves.toEqual({
      outcome: 'accepted',
      paymentLink: 'https://pay.example/p/1',
    });
    expect(sent(`${CS}/StepValidateOtp`)).toEqual([{ ...fullBase, otpRequestId: 'o-1', otpCode: '123456' }]);
    reply({ json: envelope(null) });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({ outcome: 'accepted' });
    reply({ json: envelope({ paymentLink: 'https://pay.example/p/2', other: 1 }) });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({
      outcome: 'accepted',
      paymentLink: 'https://pay.example/p/2',
    });
  });

  it('validateOtp accepts nothing but a link or nothing at all', async () => {
    const a = activities('customer-sign');
    for (const r of [
      { json: envelope('OTP validated') }, // a message, not a link
      { json: envelope('OTP validated successfully') }, // even a success sentence: it proves no signature
      { json: envelope({ paymentLink: null }) },
      { json: envelope('javascript:alert(1)') }, // not an http(s) link
      { json: envelope({ paymentLink: 'https://pay.example/p/2', needsReValidate: 'false' }) },
      { json: envelope(null, null, 'Something new') },
      { json: { data: null, error_code: 0, error_message: 7 } }, // a message of another type
      { json: envelope(true) },
    ]) {
      reply(r);
      const f = await failureOf(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' }));
      expect(f.type).toBe(TF.unrecognised);
    }
  });

  it('validateOtp reads a re-validation demand in a success as liveness_required', async () => {
    const a = activities('customer-sign');
    for (const r of [
      { json: envelope('Location changed, liveness re-validation is required.') },
      { json: envelope({ needsReValidate: true, paymentLink: 'https://pay.example/p/1' }) },
      { json: envelope({ errorMessage: null, message: 'Liveness re-validation needed' }) },
    ]) {
      reply(r);
      await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({
        outcome: 'liveness_required',
      });
    }
  });

  it('validateOtp never accepts an answer it cannot read', async () => {
    const a = activities('customer-sign');
    for (const r of [
      { json: envelope(42) },
      { json: envelope(true) },
      { json: withoutCode('https://pay.example/p/1') },
      { json: {} },
      { raw: '' },
    ]) {
      reply(r);
      const f = await failureOf(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' }));
      expect(f.type).toBe(TF.unrecognised);
    }
    // A legacy error inside the success envelope is read by its message.
    reply({ json: envelope({ errorMessage: 'Invalid OTP code' }) });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({
      outcome: 'wrong_code',
    });
    reply({ json: envelope({ errorMessage: 'OTP expired' }) });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({ outcome: 'expired' });
  });

  it('validatePayment sends the base body; 4020 is not activated; 4032 is confirmed by GetBusinessRequestById', async () => {
    const a = activities('customer-sign');
    reply({ json: envelope(null, 4020, 'Payment not completed') });
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: false });
    expect(statusCalls()).toHaveLength(0);
    reply({ json: envelope(null, 4032, 'Request already signed') });
    statusAnswer = requestStatus(4);
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: true });
    statusAnswer = requestStatus(2);
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: false });
    expect(sent(`${CS}/StepValidatePayment`)).toEqual([fullBase, fullBase, fullBase]);
    // The GET carries no body and the user's token.
    expect(statusCalls().map((c) => [c.method, c.body, c.headers.authorization])).toEqual([
      ['GET', undefined, 'Bearer user-jwt'],
      ['GET', undefined, 'Bearer user-jwt'],
    ]);
  });

  // [data of a success answer, what it proves without asking: activated, not_paid, or ask (the status decides)]
  const FLAGS: Array<[unknown, 'activated' | 'not_paid' | 'ask' | 'unrecognised']> = [
    [{ isActive: true }, 'activated'],
    [{ isActive: true, isValidPayment: true }, 'activated'],
    [{ isActive: true, isValidPayment: false }, 'activated'],
    // Paid is not active: only the request's status proves the activation.
    [{ isValidPayment: true }, 'ask'],
    [{ isValidPayment: true, isActive: null }, 'ask'],
    [{ isValidPayment: true, isActive: false }, 'ask'],
    [{ isActive: false }, 'not_paid'],
    [{ isValidPayment: false }, 'not_paid'],
    [{ isActive: false, isValidPayment: false }, 'not_paid'],
    [{ isActive: null, isValidPayment: false }, 'not_paid'],
    [{ isActive: null, isValidPayment: null }, 'ask'],
    [{}, 'ask'],
    [{ isActive: 'true' }, 'unrecognised'],
    [{ isValidPayment: 1 }, 'unrecognised'],
    ['Payment validated successfully.', 'ask'],
    ['Payment validated', 'unrecognised'],
    [[], 'unrecognised'],
    [null, 'ask'],
  ];
  for (const [data, proves] of FLAGS) {
    it(`validatePayment with data ${JSON.stringify(data)}: ${proves}`, async () => {
      const a = activities('customer-sign');
      reply({ json: envelope(data) });
      if (proves === 'unrecognised') {
        expect((await failureOf(a.validatePayment(minimal))).type).toBe(TF.unrecognised);
        expect(statusCalls()).toHaveLength(0);
        return;
      }
      if (proves !== 'ask') {
        await expect(a.validatePayment(minimal)).resolves.toEqual({ activated: proves === 'activated' });
        expect(statusCalls()).toHaveLength(0);
        return;
      }
      statusAnswer = requestStatus(4);
      await expect(a.validatePayment(minimal)).resolves.toEqual({ activated: true });
      statusAnswer = requestStatus(2);
      await expect(a.validatePayment(minimal)).resolves.toEqual({ activated: false });
      expect(statusCalls().map((c) => c.method)).toEqual(['GET', 'GET']);
    });
  }

  it('validatePayment proves activation only with the configured Customer Signed status', async () => {
    reply({ json: envelope(null) });
    statusAnswer = requestStatus(4);
    await expect(activities('customer-sign').validatePayment(minimal)).resolves.toEqual({ activated: true });
    const seven = createActivities({ config: makeVlensConfig({ baseUrl: vlens.url, customerSignedStatus: 7 }) });
    // 4 named "Customer Signed" while the configuration says 7: the name disagrees with the number.
    expect((await failureOf(seven.validatePayment(minimal))).type).toBe(TF.unrecognised);
    statusAnswer = { json: envelope({ requeststatus: 4 }) };
    await expect(seven.validatePayment(minimal)).resolves.toEqual({ activated: false });
    statusAnswer = { json: envelope({ requeststatus: 7, requestStatusName: 'CustomerSigned' }) };
    await expect(seven.validatePayment(minimal)).resolves.toEqual({ activated: true });
  });

  it('validatePayment fails closed when GetBusinessRequestById cannot be read', async () => {
    const a = activities('customer-sign');
    reply({ json: envelope(null) });
    for (const unreadable of [
      { json: envelope({ requestStatusName: 'Customer Signed' }) }, // no requeststatus
      { json: withoutCode({ requeststatus: 4 }) },
      { json: envelope(null) },
      { raw: '' },
      { json: envelope({ requeststatus: 'signed' }) },
      { json: envelope({ requeststatus: '4' }) }, // a number of the wrong type
      { json: envelope({ requeststatus: 4, requestStatusName: 'Approved' }) }, // the name disagrees
      { json: envelope({ requeststatus: 2, requestStatusName: 'Customer Signed' }) },
    ]) {
      statusAnswer = unreadable;
      const f = await failureOf(a.validatePayment(minimal));
      expect(f.type).toBe(TF.unrecognised);
      expect(f.nonRetryable).toBe(false);
    }
    statusAnswer = { status: 404, json: envelope(null, 4040, 'Request not found') };
    expect((await failureOf(a.validatePayment(minimal))).type).toBe(F.requestRejected);
    statusAnswer = { status: 503, raw: '<html>down</html>' };
    expect((await failureOf(a.validatePayment(minimal))).type).toBe(TF.unavailable);
  });

  it('validatePayment without error_code is unrecognised, whatever its flags say', async () => {
    reply({ json: withoutCode({ isActive: true, isValidPayment: true }) });
    statusAnswer = requestStatus(4);
    const f = await failureOf(activities('customer-sign').validatePayment(minimal));
    expect(f.type).toBe(TF.unrecognised);
    expect(statusCalls()).toHaveLength(0);
  });
});

describe('legacy-activate flavour', () => {
  const base = {
    geoLocation: { latitude: 30.0444, longitude: 31.2357 },
    userDeviceUtcTime: '2025-01-15T10:30:00Z',
    requestId: 'r-1',
  };
  const data = (d: Record<string, unknown>) => ({
    json: envelope({
      isActive: false,
      needsReValidate: false,
      errorMessage: null,
      paymentLink: null,
      isValidPayment: false,
      requestId: 'r-1',
      otpRequestId: null,
      transactionId: null,
      ...d,
    }),
  });

  it('requestOtp sends the legacy base body only', async () => {
    reply(data({ otpRequestId: 'o-1', transactionId: 't-1' }));
    await expect(activities('legacy-activate').requestOtp(full)).resolves.toEqual({
      otpRequestId: 'o-1',
      transactionId: 't-1',
      livenessRequired: false,
    });
    expect(sent(ACTIVATE)).toEqual([base]);
  });

  it('requestOtp maps needsReValidate to livenessRequired and still returns the otpRequestId', async () => {
    reply(data({ otpRequestId: 'o-1', transactionId: 't-1', needsReValidate: true }));
    await expect(activities('legacy-activate').requestOtp(minimal)).resolves.toEqual({
      otpRequestId: 'o-1',
      transactionId: 't-1',
      livenessRequired: true,
    });
  });

  it('requestOtp without an otpRequestId (and no re-validation) is an unrecognised answer', async () => {
    reply(data({}));
    const f = await failureOf(activities('legacy-activate').requestOtp(minimal));
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(true);
  });

  it('requestOtp with needsReValidate but no otpRequestId still asks for liveness', async () => {
    reply(data({ needsReValidate: true }));
    await expect(activities('legacy-activate').requestOtp(minimal)).resolves.toEqual({ livenessRequired: true });
  });

  it('requestOtp reads a data.errorMessage inside a success envelope', async () => {
    const a = activities('legacy-activate');
    reply(data({ otpRequestId: 'o-1', errorMessage: 'This request is pending approval form admin' }));
    expect((await failureOf(a.requestOtp(minimal))).type).toBe(F.requestNotApproved);
    reply(data({ errorMessage: 'Something odd happened' }));
    expect((await failureOf(a.requestOtp(minimal))).type).toBe(TF.unrecognised);
  });

  it('revalidateLiveness accepts without any HTTP call (the image goes with validateOtp)', async () => {
    await expect(activities('legacy-activate').revalidateLiveness(full, { image: 'blob:img' })).resolves.toEqual({
      outcome: 'accepted',
    });
    expect(vlens.calls.filter((c) => c.path !== LOGIN_PATH)).toHaveLength(0);
  });

  it('validateOtp sends transactionId, otpRequestId, otpCode and scanTransaction.image (resolved)', async () => {
    reply(data({ paymentLink: 'https://pay.example/p/2' }));
    const a = activities('legacy-activate', { resolveImage });
    await expect(
      a.validateOtp(
        { ...minimal, transactionId: 't-1' },
        { otpRequestId: 'o-1', code: '123456', images: { image: 'blob:img', faces: ['a', 'b', 'c'] } },
      ),
    ).resolves.toEqual({ outcome: 'accepted', paymentLink: 'https://pay.example/p/2' });
    await a.validateOtp(minimal, { otpRequestId: 'o-1', code: '654321' });
    expect(sent(ACTIVATE)).toEqual([
      { ...base, transactionId: 't-1', otpRequestId: 'o-1', otpCode: '123456', scanTransaction: { image: 'IMG64' } },
      { ...base, transactionId: null, otpRequestId: 'o-1', otpCode: '654321' },
    ]);
  });

  it('validateOtp maps 4011 to liveness_rejected and 4012 to liveness_required', async () => {
    const a = activities('legacy-activate');
    reply({ json: envelope(null, 4011, 'Liveness re-validation failed') });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1', images: { image: 'X' } })).resolves.toEqual({
      outcome: 'liveness_rejected',
    });
    reply({ json: envelope(null, 4012, 'Liveness re-validation required') });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' })).resolves.toEqual({
      outcome: 'liveness_required',
    });
    reply({ json: envelope(null, 4001, 'Invalid OTP code') });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' })).resolves.toEqual({ outcome: 'wrong_code' });
  });

  it('validateOtp reads needsReValidate in a success: liveness_required without an image, liveness_rejected with one', async () => {
    const a = activities('legacy-activate');
    reply(data({ needsReValidate: true, paymentLink: 'https://pay.example/p/2' }));
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' })).resolves.toEqual({
      outcome: 'liveness_required',
    });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1', images: { image: 'X' } })).resolves.toEqual({
      outcome: 'liveness_rejected',
    });
  });

  it('validateOtp reads data.errorMessage inside a success envelope by its message', async () => {
    const a = activities('legacy-activate');
    const cases: Array<[string, unknown]> = [
      ['Invalid OTP code', { outcome: 'wrong_code' }],
      ['OTP code expired', { outcome: 'expired' }],
      ['Maximum OTP attempts exceeded', { outcome: 'locked' }],
      ['Liveness check failed: face not match', { outcome: 'liveness_rejected' }],
      ['Liveness re-validation required', { outcome: 'liveness_required' }],
    ];
    for (const [errorMessage, want] of cases) {
      reply(data({ errorMessage, paymentLink: 'https://pay.example/p/2' }));
      await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1', images: { image: 'X' } })).resolves.toEqual(
        want,
      );
    }
    reply(data({ errorMessage: 'Unexpected state', paymentLink: 'https://pay.example/p/2' }));
    expect((await failureOf(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' }))).type).toBe(TF.unrecognised);
  });

  it('validateOtp without error_code is unrecognised, even with a payment link', async () => {
    reply({ json: withoutCode({ paymentLink: 'https://pay.example/p/2' }) });
    expect(
      (await failureOf(activities('legacy-activate').validateOtp(minimal, { otpRequestId: 'o', code: '1' }))).type,
    ).toBe(TF.unrecognised);
  });

  it('validatePayment sends base + transactionId and maps the flags', async () => {
    const a = activities('legacy-activate');
    const withTx = { ...full, transactionId: 't-1' };
    reply(data({ isActive: true, isValidPayment: true }));
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: true });
    reply(data({ isActive: false, isValidPayment: false }));
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    reply({ json: envelope(null, 4020, 'Payment not completed') });
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    expect(statusCalls()).toHaveLength(0);
    expect(sent(ACTIVATE)).toEqual([
      { ...base, transactionId: 't-1' },
      { ...base, transactionId: 't-1' },
      { ...base, transactionId: 't-1' },
    ]);
  });

  it('validatePayment: paid but not active, no flags, or 4032 leave it to GetBusinessRequestById', async () => {
    const a = activities('legacy-activate');
    const withTx = { ...full, transactionId: 't-1' };
    for (const r of [
      data({ isActive: false, isValidPayment: true }),
      { json: envelope(null) },
      { json: envelope(null, 4032, 'Request already signed') },
    ]) {
      reply(r);
      statusAnswer = requestStatus(4);
      await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: true });
      statusAnswer = requestStatus(2);
      await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    }
    expect(statusCalls()).toHaveLength(6);
    expect(statusCalls().every((c) => c.method === 'GET' && c.headers.authorization === 'Bearer user-jwt')).toBe(true);
  });

  it('validatePayment reads a data.errorMessage about the payment as not activated', async () => {
    reply(data({ isValidPayment: true, errorMessage: 'Payment not completed' }));
    await expect(activities('legacy-activate').validatePayment({ ...minimal, transactionId: 't-1' })).resolves.toEqual({
      activated: false,
    });
    expect(statusCalls()).toHaveLength(0);
  });

  it('validatePayment without a transactionId fails fast (it would read as "request OTP")', async () => {
    const f = await failureOf(activities('legacy-activate').validatePayment(minimal));
    expect(f.type).toBe(F.invalidRequest);
    expect(f.nonRetryable).toBe(true);
    expect(sent(ACTIVATE)).toHaveLength(0);
  });
});

describe('image references', () => {
  it('without an image store, a blob: reference is a non-retryable failure and nothing is sent', async () => {
    const f = await failureOf(
      activities('customer-sign').revalidateLiveness(minimal, { image: 'blob:img', faces: ['a', 'b', 'c'] }),
    );
    expect(f.type).toBe(IMAGE_FAILURE_TYPES.storeNotConfigured);
    expect(f.nonRetryable).toBe(true);
    expect(sent(`${CS}/StepReValidateLiveness`)).toHaveLength(0);
  });

  it('a store that fails with a plain error gives a retryable failure', async () => {
    const f = await failureOf(
      activities('legacy-activate', { resolveImage }).validateOtp(minimal, {
        otpRequestId: 'o',
        code: '1',
        images: { image: 'blob:missing' },
      }),
    );
    expect(f.type).toBe(IMAGE_FAILURE_TYPES.resolveFailed);
    expect(f.nonRetryable).toBe(false);
  });

  it("a store's own ApplicationFailure passes through", async () => {
    const gone = ApplicationFailure.create({ type: 'ImageGone', message: 'deleted', nonRetryable: true });
    const f = await failureOf(
      activities('customer-sign', { resolveImage: () => Promise.reject(gone) }).revalidateLiveness(minimal, {
        image: 'blob:x',
        faces: ['1', '2', '3'],
      }),
    );
    expect(f).toBe(gone);
  });
});

describe('inside an activity', () => {
  it('bounds unrecognised answers by the activity attempt: validateOtp retryable on attempt 1, not on attempt 2', async () => {
    reply({ json: withoutCode('https://pay.example/p/1') });
    for (const flavor of ['customer-sign', 'legacy-activate'] as const) {
      const a = activities(flavor);
      const first = await failureOf(
        new MockActivityEnvironment({ attempt: 1 }).run(a.validateOtp, minimal, { otpRequestId: 'o', code: '1' }),
      );
      expect(first.type).toBe(TF.unrecognised);
      expect(first.nonRetryable).toBe(false);
      const second = await failureOf(
        new MockActivityEnvironment({ attempt: 2 }).run(a.validateOtp, minimal, { otpRequestId: 'o', code: '1' }),
      );
      expect(second.type).toBe(TF.unrecognised);
      expect(second.nonRetryable).toBe(true);
    }
  });

  it("is cancelled by the activity's cancellation signal", async () => {
    answer = () => 'hang';
    const env = new MockActivityEnvironment();
    const a = activities('customer-sign');
    const call = env.run(a.validatePayment, minimal);
    setTimeout(() => env.cancel(), 100);
    const error = await rejection(call);
    expect(error).toBeInstanceOf(CancelledFailure);
  });
});
