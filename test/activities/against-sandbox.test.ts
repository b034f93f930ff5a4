// Both flavours through the whole flow against the real Vlens sandbox (sandbox/), as the worker runs
// them: re-validation, OTP from the sandbox's "SMS inbox", payment via the sandbox's payment route.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeVlensConfig, type VlensApiFlavor } from '../../activities/config';
import {
  VLENS_FAILURE_TYPES as F,
  VLENS_TRANSIENT_FAILURE_TYPES as TF,
  type VlensCallContext,
} from '../../contract/activities';
import { VlensHttpClient } from '../../activities/http';
import { createActivities } from '../../activities/index';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { rejection } from './fake-vlens';

const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
const ASWAN = { latitude: 24.0889, longitude: 32.8998 }; // ~680 km away: re-validation
const b64 = (s: string) => Buffer.from(s).toString('base64');

let sandbox: RunningSandbox;
let sandboxNow = Date.now();
let clientNow = Date.now();

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, requireBearer: true, now: () => sandboxNow });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  sandboxNow = clientNow = Date.now();
  await control('POST', '/sandbox/reset');
});

async function control<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok, `${method} ${path} -> ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

async function seed(fields: Record<string, unknown> = {}) {
  return control<{ requestId: string; transactionId: string; accessToken: string }>('POST', '/sandbox/requests', {
    lastLocation: ASWAN,
    ...fields,
  });
}

const inboxCode = async (otpRequestId: string) =>
  (await control<{ code: string }>('GET', `/sandbox/otps/${otpRequestId}`)).code;
const pay = (paymentLink: string) =>
  control('POST', `/sandbox/payments/${paymentLink.split('/').pop()}`, { outcome: 'paid' });

function setup(flavor: VlensApiFlavor) {
  const config = makeVlensConfig({ baseUrl: sandbox.url, flavor, httpTimeoutMs: 3_000 });
  const http = new VlensHttpClient({ config, now: () => clientNow });
  const blobs: Record<string, string> = { 'blob:selfie': b64('selfie-image') };
  const resolveImage = (ref: string) => Promise.resolve(blobs[ref] ?? '');
  return createActivities({ config, http, resolveImage });
}

function context(requestId: string, extra: Partial<VlensCallContext> = {}): VlensCallContext {
  return {
    requestId,
    paymentGateway: 'kashier',
    device: { geoLocation: CAIRO, userDeviceUtcTime: new Date().toISOString() },
    ...extra,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('customer-sign against the sandbox', () => {
  it('runs re-validation, OTP, payment and activation', async () => {
    const a = setup('customer-sign');
    const { requestId, transactionId } = await seed();
    const ctx = context(requestId, { transactionId });

    await expect(a.requestOtp(ctx)).resolves.toEqual({ livenessRequired: true });
    await expect(
      a.validateOtp(ctx, { otpRequestId: '00000000-0000-4000-8000-000000000000', code: '000000' }),
    ).resolves.toEqual({
      outcome: 'liveness_required',
    });
    const faces: [string, string, string] = [b64('face-one'), b64('face-two'), b64('face-three')];
    await expect(a.revalidateLiveness(ctx, { image: 'blob:selfie', faces })).resolves.toEqual({ outcome: 'accepted' });

    const otp = await a.requestOtp(ctx);
    expect(otp.livenessRequired).toBe(false);
    const otpRequestId = otp.otpRequestId!;
    const code = await inboxCode(otpRequestId);
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(a.validateOtp(ctx, { otpRequestId, code: wrong })).resolves.toEqual({ outcome: 'wrong_code' });
    const accepted = await a.validateOtp(ctx, { otpRequestId, code });
    expect(accepted).toMatchObject({ outcome: 'accepted', paymentLink: expect.stringContaining('/sandbox/pay/') });

    await expect(a.validatePayment(ctx)).resolves.toEqual({ activated: false });
    await pay((accepted as { paymentLink: string }).paymentLink);
    await expect(a.validatePayment(ctx)).resolves.toEqual({ activated: true });
    await expect(a.validatePayment(ctx)).resolves.toEqual({ activated: true }); // idempotent

    const state = await control<{ requeststatus: number }>('GET', `/sandbox/requests/${requestId}`);
    expect(state.requeststatus).toBe(4);
    const logins = await control<unknown[]>('GET', '/sandbox/calls?path=/api/credentials/Login');
    expect(logins).toHaveLength(1);
  });

  it('maps sandbox refusals: not approved, failed liveness, exhausted OTP, faults', async () => {
    const a = setup('customer-sign');
    const pending = await seed({ status: 'pending_approval', lastLocation: CAIRO });
    expect((await failureOf(a.requestOtp(context(pending.requestId)))).type).toBe(F.requestNotApproved);

    const faker = await seed({ livenessOutcome: 'fail' });
    const faces: [string, string, string] = [b64('f1'), b64('f2'), b64('f3')];
    await expect(a.revalidateLiveness(context(faker.requestId), { image: b64('img'), faces })).resolves.toEqual({
      outcome: 'rejected',
    });

    const near = await seed({ lastLocation: CAIRO });
    const ctx = context(near.requestId);
    const { otpRequestId } = await a.requestOtp(ctx);
    const code = await inboxCode(otpRequestId!);
    const wrong = code === '000000' ? '111111' : '000000';
    const outcomes = [];
    for (let i = 0; i < 6; i++)
      outcomes.push((await a.validateOtp(ctx, { otpRequestId: otpRequestId!, code: wrong })).outcome);
    expect(outcomes.at(-1)).toBe('locked');

    await control('POST', '/sandbox/faults', {
      path: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
      status: 429,
      times: 1,
    });
    const limited = await failureOf(a.validatePayment(ctx));
    expect(limited.type).toBe(TF.rateLimited);
    expect(limited.nextRetryDelay).toBe(1000);
    await control('POST', '/sandbox/faults', { path: '/api/BusinessRequest/CustomerSign/*', status: 503, times: 1 });
    expect((await failureOf(a.validatePayment(ctx))).type).toBe(TF.unavailable);
  });

  it('logs in again when the sandbox expires the service token, and refreshes it before expiry', async () => {
    const a = setup('customer-sign');
    const { requestId } = await seed({ lastLocation: CAIRO });
    await a.requestOtp(context(requestId));
    // The sandbox's clock runs past the token's life while the worker's clock stands still: a 403.
    sandboxNow += 86_401_000;
    await expect(a.requestOtp(context(requestId))).resolves.toMatchObject({ livenessRequired: false });
    expect(await control<unknown[]>('GET', '/sandbox/calls?path=/api/credentials/Login')).toHaveLength(2);
    // Both clocks at 90% of the new token's life: refreshed, not re-logged in.
    sandboxNow += 77_760_000;
    clientNow += 77_760_000;
    await a.requestOtp(context(requestId));
    expect(await control<unknown[]>('GET', '/sandbox/calls?path=/api/credentials/RefreshToken')).toHaveLength(1);
    expect(await control<unknown[]>('GET', '/sandbox/calls?path=/api/credentials/Login')).toHaveLength(2);
  });
});

describe('legacy-activate against the sandbox', () => {
  it('runs OTP with the image, payment and activation on one endpoint, with the user token', async () => {
    const a = setup('legacy-activate');
    const { requestId, accessToken } = await seed();
    const ctx = context(requestId, { accessToken });

    const otp = await a.requestOtp(ctx);
    expect(otp).toMatchObject({
      livenessRequired: true,
      otpRequestId: expect.any(String),
      transactionId: expect.any(String),
    });
    await expect(a.revalidateLiveness(ctx, { image: 'blob:selfie' })).resolves.toEqual({ outcome: 'accepted' });

    const withTx = { ...ctx, transactionId: otp.transactionId! };
    const code = await inboxCode(otp.otpRequestId!);
    const accepted = await a.validateOtp(withTx, {
      otpRequestId: otp.otpRequestId!,
      code,
      images: { image: 'blob:selfie' },
    });
    expect(accepted).toMatchObject({ outcome: 'accepted', paymentLink: expect.stringContaining('/sandbox/pay/') });

    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: false });
    await pay((accepted as { paymentLink: string }).paymentLink);
    await expect(a.validatePayment(withTx)).resolves.toEqual({ activated: true });
    expect(await control<unknown[]>('GET', '/sandbox/calls?path=/api/credentials/Login')).toHaveLength(0);
  });

  it('reports a failed image as liveness_rejected, a missing one as liveness_required, and a bad user token', async () => {
    const a = setup('legacy-activate');
    const { requestId, transactionId } = await seed({ livenessOutcome: 'fail' });
    const ctx = context(requestId, { transactionId });
    const otp = await a.requestOtp(ctx);
    const code = await inboxCode(otp.otpRequestId!);
    await expect(a.validateOtp(ctx, { otpRequestId: otp.otpRequestId!, code })).resolves.toEqual({
      outcome: 'liveness_required',
    });
    await expect(
      a.validateOtp(ctx, { otpRequestId: otp.otpRequestId!, code, images: { image: b64('someone else') } }),
    ).resolves.toEqual({
      outcome: 'liveness_rejected',
    });
    const f = await failureOf(a.requestOtp({ ...ctx, accessToken: 'not-a-token' }));
    expect(f.type).toBe(F.userTokenRejected);
  });
});
