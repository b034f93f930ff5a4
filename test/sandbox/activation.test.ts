// Part B's activation rules, row by row, against both API flavours with the same test code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  CAIRO,
  base,
  drivers,
  errorOf,
  fakeClock,
  faces,
  image,
  north,
  startTestSandbox,
  CS,
  type FlavourDriver,
  type HttpClient,
} from './helpers';

describe.each(drivers)('activation rules, %s flavour', (_name, makeDriver) => {
  const clock = fakeClock();
  let http: HttpClient;
  let driver: FlavourDriver;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const started = await startTestSandbox({ now: clock.now });
    http = started.http;
    close = () => started.sandbox.close();
    driver = makeDriver(http);
  });
  afterAll(async () => close());

  /** Seeds, requests an OTP from Cairo and validates it; returns what later steps need. */
  async function throughOtp(seed: Record<string, unknown> = {}) {
    const s = await http.seed(seed);
    const otpRes = await driver.requestOtp(s.requestId);
    expect(otpRes.status).toBe(200);
    const otpRequestId = driver.otpRequestIdOf(otpRes);
    const code = await http.otpCode(otpRequestId);
    const validated = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, code);
    expect(validated.body.error_code).toBeNull();
    return { ...s, otpRequestId, code, link: driver.paymentLinkOf(validated) };
  }

  it('happy path: OTP, payment link, 4020 until paid, then Customer Signed; idempotent afterwards', async () => {
    const s = await http.seed();
    const otpRes = await driver.requestOtp(s.requestId);
    expect(otpRes.status).toBe(200);
    expect(otpRes.body.error_code).toBeNull();
    expect(driver.revalidationRequired(otpRes)).toBe(false);
    const otpRequestId = driver.otpRequestIdOf(otpRes);
    expect(otpRequestId).toMatch(/^[0-9a-f-]{36}$/);

    const inbox = await http.get<{ code: string; expiresAt: string; requestId: string }>(
      `/sandbox/otps/${otpRequestId}`,
      {},
    );
    expect(inbox.body.code).toMatch(/^\d{6}$/);
    expect(inbox.body.requestId).toBe(s.requestId);
    expect(Date.parse(inbox.body.expiresAt) - clock.now()).toBe(5 * 60_000);

    const validated = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, inbox.body.code);
    expect(validated.status).toBe(200);
    expect(validated.body.error_code).toBeNull();
    const link = driver.paymentLinkOf(validated);
    expect(link).toMatch(new RegExp(`^${http.baseUrl}/sandbox/pay/[0-9a-f-]{36}$`));

    const unpaid = await driver.validatePayment(s.requestId, s.transactionId);
    expect(errorOf(unpaid)).toEqual({ status: 200, code: 4020, message: 'Payment not completed' });
    // Safe to call again while unpaid.
    expect((await driver.validatePayment(s.requestId, s.transactionId)).body.error_code).toBe(4020);

    expect((await http.pay(link as string)).body.status).toBe('paid');
    const paid = await driver.validatePayment(s.requestId, s.transactionId);
    expect(paid.status).toBe(200);
    expect(paid.body.error_code).toBeNull();
    if (driver.name === 'legacy-activate') {
      expect(paid.body.data).toMatchObject({ isActive: true, isValidPayment: true, requestId: s.requestId });
    }

    const byId = await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`);
    expect(byId.body.data).toMatchObject({
      requeststatus: 4,
      requestStatusName: 'Customer Signed',
      hasPaymentCheckPerRequestFeature: true,
    });

    // StepValidatePayment after success: success again, no change.
    const again = await driver.validatePayment(s.requestId, s.transactionId);
    expect(again.body.error_code).toBeNull();
    // Any other step on a signed request: 4032.
    expect(errorOf(await driver.requestOtp(s.requestId))).toMatchObject({
      code: 4032,
      message: 'Request already signed',
    });
  });

  it('payment link is null and payment validation activates without payment when hasPayment is false', async () => {
    const s = await throughOtp({ hasPayment: false });
    expect(s.link).toBeNull();
    const res = await driver.validatePayment(s.requestId, s.transactionId);
    expect(res.body.error_code).toBeNull();
    const state = await http.get<{ requeststatus: number }>(`/sandbox/requests/${s.requestId}`, {});
    expect(state.body.requeststatus).toBe(4);
  });

  it.each([
    [79.9, false],
    [80.0, false],
    [80.1, true],
  ])('distance %f km from the reference -> re-validation %s', async (km, expected) => {
    const s = await http.seed({ lastLocation: CAIRO });
    const res = await driver.requestOtp(s.requestId, north(CAIRO, km));
    expect(res.status).toBe(200);
    expect(driver.revalidationRequired(res)).toBe(expected);
    if (driver.name === 'customer-sign') {
      if (expected) {
        expect(res.body).toEqual({
          data: null,
          error_code: 4010,
          error_message: 'Location changed, liveness revalidation required.',
          error_descriptions: null,
        });
      } else {
        expect(res.body.error_code).toBeNull();
      }
    } else {
      // Legacy: needsReValidate replaces 4010, and an OTP is sent either way (the image travels in step 2).
      expect(res.body.error_code).toBeNull();
      expect(driver.otpRequestIdOf(res)).toBeTruthy();
    }
  });

  it('a successful liveness moves the reference location to the submitted one', async () => {
    const s = await http.seed();
    const far = north(CAIRO, 200);
    const first = await driver.requestOtp(s.requestId, far);
    expect(driver.revalidationRequired(first)).toBe(true);

    if (driver.name === 'customer-sign') {
      const live = await driver.revalidate(s.requestId, far);
      expect(live?.body).toEqual({
        data: 'Liveness re-validation successful. Proceed to OTP request.',
        error_code: 0,
        error_message: null,
        error_descriptions: null,
      });
      const second = await driver.requestOtp(s.requestId, far);
      expect(second.body.error_code).toBeNull();
      expect(driver.revalidationRequired(second)).toBe(false);
    } else {
      const otpRequestId = driver.otpRequestIdOf(first);
      const code = await http.otpCode(otpRequestId);
      const validated = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, code, far, image(9));
      expect(validated.body.error_code).toBeNull();
      expect(validated.body.data).toMatchObject({ needsReValidate: false, otpRequestId });
    }
    const state = await http.get<{ referenceLocation: unknown }>(`/sandbox/requests/${s.requestId}`, {});
    expect(state.body.referenceLocation).toEqual(far);
    // Back in Cairo (200 km from the new reference) re-validation is needed again.
    expect(driver.revalidationRequired(await driver.requestOtp(s.requestId, CAIRO))).toBe(true);
  });

  it('5 wrong codes answer 4001, then the OTP is dead (4003, even with the right code); a new OTP works', async () => {
    const s = await http.seed();
    const otpRequestId = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    const code = await http.otpCode(otpRequestId);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, wrong);
      expect(errorOf(res)).toEqual({ status: 200, code: 4001, message: 'Invalid OTP code' });
    }
    const dead = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, code);
    expect(errorOf(dead)).toEqual({ status: 200, code: 4003, message: 'OTP attempts exceeded' });

    const fresh = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    const ok = await driver.validateOtp(s.requestId, s.transactionId, fresh, await http.otpCode(fresh));
    expect(ok.body.error_code).toBeNull();
  });

  it('an OTP is valid for 5 minutes, then 4002', async () => {
    const s = await http.seed();
    const a = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    clock.advance(5 * 60_000 - 1);
    expect(
      (await driver.validateOtp(s.requestId, s.transactionId, a, await http.otpCode(a))).body.error_code,
    ).toBeNull();

    const b = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    clock.advance(5 * 60_000);
    const expired = await driver.validateOtp(s.requestId, s.transactionId, b, await http.otpCode(b));
    expect(errorOf(expired)).toEqual({ status: 200, code: 4002, message: 'OTP expired' });
  });

  it('a new OTP request invalidates the previous otpRequestId', async () => {
    const s = await http.seed();
    const old = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    const oldCode = await http.otpCode(old);
    const current = driver.otpRequestIdOf(await driver.requestOtp(s.requestId));
    expect(current).not.toBe(old);
    expect((await driver.validateOtp(s.requestId, s.transactionId, old, oldCode)).body.error_code).toBe(4002);
    expect(
      (await driver.validateOtp(s.requestId, s.transactionId, current, await http.otpCode(current))).body.error_code,
    ).toBeNull();
    const state = await http.get<{ smsSent: number }>(`/sandbox/requests/${s.requestId}`, {});
    expect(state.body.smsSent).toBe(2);
  });

  it('payment validation before a valid OTP: 4013 (legacy: the body selects step 1 instead)', async () => {
    const s = await http.seed();
    const res = await driver.validatePayment(s.requestId, s.transactionId);
    if (driver.name === 'customer-sign') {
      expect(errorOf(res)).toEqual({ status: 200, code: 4013, message: 'OTP not validated' });
    } else {
      // Part B: "transactionId without otpCode" means "validate payment" only after a validated OTP;
      // before that the same body is a step-1 OTP request.
      expect(res.body.error_code).toBeNull();
      expect(res.body.data).toMatchObject({ isActive: false, isValidPayment: false, transactionId: s.transactionId });
      expect(driver.otpRequestIdOf(res)).toBeTruthy();
    }
  });

  it('steps while re-validation is pending: 4012', async () => {
    const s = await http.seed();
    const far = north(CAIRO, 100);
    const first = await driver.requestOtp(s.requestId, far);
    expect(driver.revalidationRequired(first)).toBe(true);
    if (driver.name === 'customer-sign') {
      // Even from inside the radius, a pending re-validation blocks StepRequestOtp and StepValidateOtp.
      expect(errorOf(await driver.requestOtp(s.requestId, CAIRO))).toEqual({
        status: 200,
        code: 4012,
        message: 'Liveness re-validation required',
      });
      const someOtp = '00000000-0000-4000-8000-000000000000';
      expect((await driver.validateOtp(s.requestId, s.transactionId, someOtp, '123456')).body.error_code).toBe(4012);
    } else {
      // Legacy: the image is mandatory in step 2 after needsReValidate.
      const otpRequestId = driver.otpRequestIdOf(first);
      const code = await http.otpCode(otpRequestId);
      expect((await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, code, far)).body.error_code).toBe(
        4012,
      );
      // ...and no OTP attempt was used up: with the image it now succeeds.
      const ok = await driver.validateOtp(s.requestId, s.transactionId, otpRequestId, code, far, image(7));
      expect(ok.body.error_code).toBeNull();
    }
  });

  it('liveness failure (seeded fail): 4011, and re-validation stays pending', async () => {
    const s = await http.seed({ livenessOutcome: 'fail' });
    const far = north(CAIRO, 300);
    const first = await driver.requestOtp(s.requestId, far);
    let res;
    if (driver.name === 'customer-sign') {
      res = await driver.revalidate(s.requestId, far);
    } else {
      const otpRequestId = driver.otpRequestIdOf(first);
      res = await driver.validateOtp(
        s.requestId,
        s.transactionId,
        otpRequestId,
        await http.otpCode(otpRequestId),
        far,
        image(5),
      );
    }
    expect(res && errorOf(res)).toEqual({ status: 200, code: 4011, message: 'Liveness re-validation failed' });
    const state = await http.get<{ revalidationPending: boolean }>(`/sandbox/requests/${s.requestId}`, {});
    expect(state.body.revalidationPending).toBe(true);
  });

  it('liveness images must be base64 and under 500 KB decoded: 400 / 4000', async () => {
    const s = await http.seed();
    const far = north(CAIRO, 150);
    const first = await driver.requestOtp(s.requestId, far);
    const big = Buffer.alloc(500 * 1024, 1).toString('base64');
    const submit = (img: string) =>
      driver.name === 'customer-sign'
        ? (driver.revalidate(s.requestId, far, { ...faces(), face_2: img }) as Promise<import('./helpers').Res>)
        : driver.validateOtp(s.requestId, s.transactionId, driver.otpRequestIdOf(first), '123456', far, img);
    for (const bad of ['not base64!!', 'abc', big]) {
      const res = await submit(bad);
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe(4000);
      expect(res.body.error_descriptions?.[0]?.field).toMatch(/face_2|scanTransaction\.image/);
    }
    // Just under the limit is accepted.
    const ok = await submit(Buffer.alloc(500 * 1024 - 1, 2).toString('base64'));
    expect(ok.status).toBe(200);
  });

  it("request not approved: HTTP 403 with the legacy seed's envelope (code 403); rejected 4031; unknown 404 / 4040", async () => {
    const pending = await http.seed({ status: 'pending_approval' });
    const notApproved = await driver.requestOtp(pending.requestId);
    expect(notApproved.status).toBe(403);
    expect(notApproved.body).toEqual({
      data: null,
      error_code: 403,
      error_message: 'This request is pending approval form admin',
      error_descriptions: null,
    });
    expect(errorOf(await driver.validatePayment(pending.requestId, pending.transactionId))).toMatchObject({
      status: 403,
      code: 403,
    });
    const rejected = await http.seed({ status: 'rejected' });
    expect(errorOf(await driver.requestOtp(rejected.requestId))).toEqual({
      status: 200,
      code: 4031,
      message: 'Request is rejected',
    });
    const unknown = await driver.requestOtp('0f0f0f0f-0000-4000-8000-000000000000');
    expect(errorOf(unknown)).toMatchObject({ status: 404, code: 4040 });
  });

  it('validation errors: 400 / 4000 with field descriptions', async () => {
    const path = driver.name === 'customer-sign' ? `${CS}/StepRequestOtp` : '/api/BusinessRequest/Activate';
    const cases: [Record<string, unknown>, string][] = [
      [{ userDeviceUtcTime: '2025-01-15T10:30:00Z', requestId: '81f404b3-d7dc-4f08-b4fe-934853c86282' }, 'geoLocation'],
      [base('not-a-uuid'), 'requestId'],
      [{ ...base('81f404b3-d7dc-4f08-b4fe-934853c86282'), userDeviceUtcTime: '15/01/2025' }, 'userDeviceUtcTime'],
      [
        { ...base('81f404b3-d7dc-4f08-b4fe-934853c86282'), geoLocation: { latitude: 91, longitude: 0 } },
        'geoLocation.latitude',
      ],
      [{ ...base('81f404b3-d7dc-4f08-b4fe-934853c86282'), transactionId: 'x' }, 'transactionId'],
    ];
    for (const [body, field] of cases) {
      const res = await http.post(path, body, { ApiKey: API_KEY });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe(4000);
      expect(res.body.data).toBeNull();
      expect(res.body.error_descriptions?.map((d) => d.field)).toContain(field);
    }
  });
});

describe('current flavour specifics', () => {
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox();
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());

  it('identical captures fail liveness (4011); the misspelt alias path works', async () => {
    const s = await http.seed();
    const far = north(CAIRO, 120);
    expect((await http.post(`${CS}/StepRequestOtp`, base(s.requestId, far))).body.error_code).toBe(4010);
    const same = image(3);
    const dup = await http.post(
      `${CS}/StepReValidateLiveness`,
      base(s.requestId, far, { scanTransaction: { ...faces(), face_3: same, face_1: same } }),
    );
    expect(dup.body.error_code).toBe(4011);
    const faceEqualsImage = await http.post(
      `${CS}/StepReValidateLiveness`,
      base(s.requestId, far, { scanTransaction: { ...faces(), face_1: image(1) } }),
    );
    expect(faceEqualsImage.body.error_code).toBe(4011);
    const alias = await http.post(`${CS}/StepRevalidteLiveness`, base(s.requestId, far, { scanTransaction: faces() }));
    expect(alias.body.error_code).toBe(0);
  });

  it('a correct code retried after success succeeds again (lost-response retry); payment link is stable', async () => {
    const s = await http.seed();
    const otpRequestId = (
      (await http.post(`${CS}/StepRequestOtp`, base(s.requestId))).body.data as { otpRequestId: string }
    ).otpRequestId;
    const code = await http.otpCode(otpRequestId);
    const body = base(s.requestId, CAIRO, { otpRequestId, otpCode: code });
    const first = await http.post(`${CS}/StepValidateOtp`, body);
    const second = await http.post(`${CS}/StepValidateOtp`, body);
    expect(first.body.error_code).toBeNull();
    expect(second.body.data).toBe(first.body.data);
  });

  it('GetBusinessRequestById reports the documented fields', async () => {
    const s = await http.seed({ amount: 250.5, currency: 'USD', paymentGateway: 'fawry' });
    const res = await http.get(`/api/BusinessRequest/GetBusinessRequestById/${s.requestId}`);
    expect(res.body).toMatchObject({
      error_code: null,
      data: {
        id: s.requestId,
        requeststatus: 2,
        requestStatusName: 'Approved',
        hasPaymentCheckPerRequestFeature: true,
        amount: 250.5,
        currency: 'USD',
        paymentGateway: 'fawry',
        isPaid: false,
      },
    });
    const pending = await http.seed({ status: 'pending_approval' });
    expect(
      (await http.get(`/api/BusinessRequest/GetBusinessRequestById/${pending.requestId}`)).body.data,
    ).toMatchObject({
      requeststatus: 1,
      requestStatusName: 'Pending Approval',
    });
    const rejected = await http.seed({ status: 'rejected' });
    expect(
      (await http.get(`/api/BusinessRequest/GetBusinessRequestById/${rejected.requestId}`)).body.data,
    ).toMatchObject({
      requeststatus: 3,
      requestStatusName: 'Rejected',
    });
    expect(
      (await http.get('/api/BusinessRequest/GetBusinessRequestById/0f0f0f0f-0000-4000-8000-000000000000')).status,
    ).toBe(404);
  });
});
