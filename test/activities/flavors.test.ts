// Both API flavours: the exact JSON each operation sends, how answers map, and image references.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVlensConfig } from '../../activities/config';
import { VLENS_FAILURE_TYPES as F, type VlensCallContext } from '../../activities/contract';
import { createActivities, type ActivityDeps } from '../../activities/index';
import { IMAGE_FAILURE_TYPES } from '../../activities/images';
import { envelope, LOGIN_PATH, rejection, startFakeVlens, tokenIssuer, type FakeReply, type FakeVlens, type Handler } from './fake-vlens';

const CS = '/api/BusinessRequest/CustomerSign';
const ACTIVATE = '/api/BusinessRequest/Activate';

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
const tokens = tokenIssuer();

beforeEach(async () => {
  answer = () => ({ json: envelope(null) });
  vlens = await startFakeVlens((req) => tokens(req) ?? answer(req));
});
afterEach(async () => {
  await vlens.close();
});

function activities(flavor: 'customer-sign' | 'legacy-activate', deps: Partial<ActivityDeps> = {}) {
  return createActivities({ config: makeVlensConfig({ baseUrl: vlens.url, flavor }), ...deps });
}
const reply = (r: FakeReply) => {
  answer = () => r;
};
/** The bodies sent to one path (logins excluded). */
const sent = (path: string) => vlens.callsTo(path).map((c) => c.body);
const store: Record<string, string> = { 'blob:img': 'IMG64', 'blob:f1': 'F1', 'blob:f2': 'F2', 'blob:f3': 'F3' };
const resolveImage = (ref: string) => (store[ref] ? Promise.resolve(store[ref]) : Promise.reject(new Error(`no such blob ${ref}`)));

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
    await expect(activities('customer-sign').requestOtp(minimal)).resolves.toEqual({ otpRequestId: 'o-1', transactionId: 't-9', livenessRequired: false });
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

  it('revalidateLiveness sends scanTransaction with the images, resolving blob: references', async () => {
    reply({ json: envelope('Liveness re-validation successful. Proceed to OTP request.', 0) });
    const a = activities('customer-sign', { resolveImage });
    await expect(a.revalidateLiveness(full, { image: 'blob:img', faces: ['blob:f1', 'INLINE2', 'blob:f3'] })).resolves.toEqual({ outcome: 'accepted' });
    expect(sent(`${CS}/StepReValidateLiveness`)).toEqual([
      { ...fullBase, scanTransaction: { image: 'IMG64', face_1: 'F1', face_2: 'INLINE2', face_3: 'F3' } },
    ]);
  });

  it('revalidateLiveness maps 4011 to rejected', async () => {
    reply({ json: envelope(null, 4011, 'Liveness re-validation failed') });
    await expect(activities('customer-sign').revalidateLiveness(minimal, { image: 'A', faces: ['1', '2', '3'] })).resolves.toEqual({
      outcome: 'rejected',
    });
  });

  it('revalidateLiveness without the three faces is rejected without a call', async () => {
    await expect(activities('customer-sign').revalidateLiveness(minimal, { image: 'A' })).resolves.toEqual({ outcome: 'rejected' });
    expect(sent(`${CS}/StepReValidateLiveness`)).toHaveLength(0);
  });

  it('validateOtp sends otpRequestId and otpCode, and reads the payment link', async () => {
    reply({ json: envelope('https://pay.example/p/1') });
    const a = activities('customer-sign');
    await expect(a.validateOtp(full, { otpRequestId: 'o-1', code: '123456', images: { image: 'ignored' } })).resolves.toEqual({
      outcome: 'accepted',
      paymentLink: 'https://pay.example/p/1',
    });
    expect(sent(`${CS}/StepValidateOtp`)).toEqual([{ ...fullBase, otpRequestId: 'o-1', otpCode: '123456' }]);
    reply({ json: envelope(null) });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({ outcome: 'accepted' });
    reply({ json: envelope('OTP validated') }); // a message, not a link
    await expect(a.validateOtp(minimal, { otpRequestId: 'o-1', code: '1' })).resolves.toEqual({ outcome: 'accepted' });
  });

  it('validatePayment sends the base body and maps 4020/4032/success', async () => {
    const a = activities('customer-sign');
    reply({ json: envelope(null, 4020, 'Payment not completed') });
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: false });
    reply({ json: envelope(null, 4032, 'Request already signed') });
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: true });
    reply({ json: envelope('done') });
    await expect(a.validatePayment(full)).resolves.toEqual({ activated: true });
    expect(sent(`${CS}/StepValidatePayment`)).toEqual([fullBase, fullBase, fullBase]);
  });
});

describe('legacy-activate flavour', () => {
  const base = { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2025-01-15T10:30:00Z', requestId: 'r-1' };
  const data = (d: Record<string, unknown>) => ({ json: envelope({ isActive: false, needsReValidate: false, errorMessage: null, paymentLink: null, isValidPayment: false, requestId: 'r-1', otpRequestId: null, transactionId: null, ...d }) });

  it('requestOtp sends the legacy base body only', async () => {
    reply(data({ otpRequestId: 'o-1', transactionId: 't-1' }));
    await expect(activities('legacy-activate').requestOtp(full)).resolves.toEqual({ otpRequestId: 'o-1', transactionId: 't-1', livenessRequired: false });
    expect(sent(ACTIVATE)).toEqual([base]);
  });

  it('requestOtp maps needsReValidate to livenessRequired and still returns the otpRequestId', async () => {
    reply(data({ otpRequestId: 'o-1', transactionId: 't-1', needsReValidate: true }));
    await expect(activities('legacy-activate').requestOtp(minimal)).resolves.toEqual({ otpRequestId: 'o-1', transactionId: 't-1', livenessRequired: true });
  });

  it('requestOtp without an otpRequestId (and no re-validation) is a malformed response', async () => {
    reply(data({}));
    const f = await failureOf(activities('legacy-activate').requestOtp(minimal));
    expect(f.type).toBe('VlensMalformedResponse');
  });

  it('revalidateLiveness accepts without any HTTP call (the image goes with validateOtp)', async () => {
    await expect(activities('legacy-activate').revalidateLiveness(full, { image: 'blob:img' })).resolves.toEqual({ outcome: 'accepted' });
    expect(vlens.calls.filter((c) => c.path !== LOGIN_PATH)).toHaveLength(0);
  });

  it('validateOtp sends transactionId, otpRequestId, otpCode and scanTransaction.image (resolved)', async () => {
    reply(data({ paymentLink: 'https://pay.example/p/2' }));
    const a = activities('legacy-activate', { resolveImage });
    await expect(
      a.validateOtp({ ...minimal, transactionId: 't-1' }, { otpRequestId: 'o-1', code: '123456', images: { image: 'blob:img', faces: ['a', 'b', 'c'] } }),
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
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1', images: { image: 'X' } })).resolves.toEqual({ outcome: 'liveness_rejected' });
    reply({ json: envelope(null, 4012, 'Liveness re-validation required') });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' })).resolves.toEqual({ outcome: 'liveness_required' });
    reply({ json: envelope(null, 4001, 'Invalid OTP code') });
    await expect(a.validateOtp(minimal, { otpRequestId: 'o', code: '1' })).resolves.toEqual({ outcome: 'wrong_code' });
  });

  it('validatePayment sends base + transactionId and maps isActive', async () => {
    const a = activities('legacy-activate');
    const withTx = { ...full, transactionId: 't-1' };
    reply(data({ isActive: true, isValidPayment: true }));
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: true });
    reply(data({ isActive: false, isValidPayment: false }));
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    reply({ json: envelope(null, 4020, 'Payment not completed') });
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    expect(sent(ACTIVATE)).toEqual([
      { ...base, transactionId: 't-1' },
      { ...base, transactionId: 't-1' },
      { ...base, transactionId: 't-1' },
    ]);
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
    const f = await failureOf(activities('customer-sign').revalidateLiveness(minimal, { image: 'blob:img', faces: ['a', 'b', 'c'] }));
    expect(f.type).toBe(IMAGE_FAILURE_TYPES.storeNotConfigured);
    expect(f.nonRetryable).toBe(true);
    expect(sent(`${CS}/StepReValidateLiveness`)).toHaveLength(0);
  });

  it('a store that fails with a plain error gives a retryable failure', async () => {
    const f = await failureOf(
      activities('legacy-activate', { resolveImage }).validateOtp(minimal, { otpRequestId: 'o', code: '1', images: { image: 'blob:missing' } }),
    );
    expect(f.type).toBe(IMAGE_FAILURE_TYPES.resolveFailed);
    expect(f.nonRetryable).toBe(false);
  });

  it("a store's own ApplicationFailure passes through", async () => {
    const gone = ApplicationFailure.create({ type: 'ImageGone', message: 'deleted', nonRetryable: true });
    const f = await failureOf(
      activities('customer-sign', { resolveImage: () => Promise.reject(gone) }).revalidateLiveness(minimal, { image: 'blob:x', faces: ['1', '2', '3'] }),
    );
    expect(f).toBe(gone);
  });
});

describe('inside an activity', () => {
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
