// The two dialects over HTTP, both flavours, answer by answer: `ours` (Part B's numbered codes) and `seed`
// (the shapes the Vlens seeds print). Each row states the exact wire answer of each dialect; the call log
// must read the same in both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../../sandbox/dialect';
import {
  API_KEY,
  CAIRO,
  base,
  bearerRefusal,
  CS,
  fakeClock,
  faces,
  image,
  INVALID_TOKEN,
  north,
  startTestSandbox,
  type HttpClient,
  type Json,
  type Res,
} from './helpers';

const ACTIVATE = '/api/BusinessRequest/Activate';
const BY_ID = '/api/BusinessRequest/GetBusinessRequestById';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PENDING = {
  data: null,
  error_code: 403,
  error_message: 'This request is pending approval form admin',
  error_descriptions: null,
};
/** The legacy seed's printed pending-approval answer: three keys (docs/vlens-api.md:36). */
const { error_descriptions: _, ...PENDING_AS_PRINTED } = PENDING;

const wire = (data: unknown, errorCode: number | string | null, message: string | null = null) => ({
  data,
  error_code: errorCode,
  error_message: message,
  error_descriptions: null,
});

/** The legacy seed's envelope: three keys. */
const legacyWire = (data: unknown, errorCode: number | string | null, message: string | null = null) => ({
  data,
  error_code: errorCode,
  error_message: message,
});

/** `[status, body]`, so one `toEqual` checks the whole answer. */
const answer = (res: Res<unknown>) => [res.status, res.body];

type Call = { path: string; httpStatus: number; errorCode: number | null };

describe.each(['ours', 'seed'] as const)('%s dialect', (dialect: DialectName) => {
  const seed = dialect === 'seed';
  const clock = fakeClock();
  let http: HttpClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestSandbox({ dialect, now: clock.now, tokenTtlSeconds: 600 });
    expect(started.sandbox.options.dialect).toBe(dialect);
    http = started.http;
    close = () => started.sandbox.close();
  });
  afterAll(async () => close());

  /** A CustomerSign business error: our code, an integer in both (the current seed types error_code integer-or-null). */
  const csError = (code: number, message: string) => wire(null, code, message);
  const pendingApproval = seed ? PENDING_AS_PRINTED : PENDING;
  const byId = async (requestId: string) => (await http.get(`${BY_ID}/${requestId}`)).body.data as Json;

  describe('CustomerSign flavour', () => {
    const post = (step: string, body: Json, headers?: Record<string, string>) =>
      http.post(`${CS}/${step}`, body, headers);
    const requestOtp = (id: string, location = CAIRO) =>
      post('StepRequestOtp', base(id, location, { smsProviders: 1 }));
    const validateOtp = (id: string, otpRequestId: string, otpCode: string) =>
      post('StepValidateOtp', base(id, CAIRO, { otpRequestId, otpCode }));
    const validatePayment = (id: string) => post('StepValidatePayment', base(id));

    it('near: the otpRequestId; far (> 80 km): re-validation, worded as each dialect words it', async () => {
      const s = await http.seed();
      const near = await requestOtp(s.requestId, north(CAIRO, 80));
      // The seed prints this answer with error_code 0.
      expect(answer(near)).toEqual([200, wire({ otpRequestId: expect.stringMatching(UUID) }, seed ? 0 : null)]);

      const far = await requestOtp(s.requestId, north(CAIRO, 80.1));
      expect(answer(far)).toEqual([
        200,
        seed
          ? wire(null, null, 'Location changed, liveness re-validation is required.')
          : wire(null, 4010, 'Location changed, liveness revalidation required.'),
      ]);
      // While re-validation is pending, even a near request is refused.
      expect(answer(await requestOtp(s.requestId))).toEqual([200, csError(4012, 'Liveness re-validation required')]);
    });

    it('liveness: success is error_code 0 in both; a failed liveness is 4011', async () => {
      const s = await http.seed();
      const far = north(CAIRO, 150);
      await requestOtp(s.requestId, far);
      const failed = await post(
        'StepReValidateLiveness',
        base(s.requestId, far, { scanTransaction: { ...faces(), face_1: image(1) } }),
      );
      expect(answer(failed)).toEqual([200, csError(4011, 'Liveness re-validation failed')]);
      const passed = await post('StepReValidateLiveness', base(s.requestId, far, { scanTransaction: faces() }));
      expect(answer(passed)).toEqual([200, wire('Liveness re-validation successful. Proceed to OTP request.', 0)]);
      expect((await requestOtp(s.requestId, far)).body.data).toEqual({ otpRequestId: expect.stringMatching(UUID) });
    });

    it('wrong, expired and exhausted OTPs keep our codes (numeric strings in seed)', async () => {
      const s = await http.seed();
      const first = ((await requestOtp(s.requestId)).body.data as { otpRequestId: string }).otpRequestId;
      const code = await http.otpCode(first);
      const wrong = code === '000000' ? '111111' : '000000';
      expect(answer(await validateOtp(s.requestId, first, wrong))).toEqual([200, csError(4001, 'Invalid OTP code')]);
      for (let i = 0; i < 4; i++) await validateOtp(s.requestId, first, wrong);
      expect(answer(await validateOtp(s.requestId, first, code))).toEqual([
        200,
        csError(4003, 'OTP attempts exceeded'),
      ]);

      const second = ((await requestOtp(s.requestId)).body.data as { otpRequestId: string }).otpRequestId;
      clock.advance(5 * 60_000);
      expect(answer(await validateOtp(s.requestId, second, await http.otpCode(second)))).toEqual([
        200,
        csError(4002, 'OTP expired'),
      ]);
    });

    it('OTP, payment unpaid then paid; GetBusinessRequestById says Approved (2), then Customer Signed (4)', async () => {
      const s = await http.seed();
      expect(answer(await validatePayment(s.requestId))).toEqual([200, csError(4013, 'OTP not validated')]);
      const otpRequestId = ((await requestOtp(s.requestId)).body.data as { otpRequestId: string }).otpRequestId;
      const validated = await validateOtp(s.requestId, otpRequestId, await http.otpCode(otpRequestId));
      const link = expect.stringMatching(new RegExp(`^${http.baseUrl}/sandbox/pay/[0-9a-f-]{36}$`));
      expect(answer(validated)).toEqual([200, wire(seed ? { paymentLink: link } : link, null)]);
      const url = seed ? (validated.body.data as { paymentLink: string }).paymentLink : (validated.body.data as string);

      const unpaid = await validatePayment(s.requestId);
      expect(answer(unpaid)).toEqual([
        200,
        seed ? wire({ isActive: false, isValidPayment: false }, null) : wire(null, 4020, 'Payment not completed'),
      ]);
      expect(await byId(s.requestId)).toMatchObject({ requeststatus: 2, requestStatusName: 'Approved', isPaid: false });

      await http.pay(url);
      const paid = await validatePayment(s.requestId);
      expect(answer(paid)).toEqual([
        200,
        wire(
          seed ? 'Payment validated successfully.' : { isActive: true, isValidPayment: true, requestId: s.requestId },
          null,
        ),
      ]);
      // Idempotent: the same answer again.
      expect(answer(await validatePayment(s.requestId))).toEqual(answer(paid));
      expect(await byId(s.requestId)).toMatchObject({
        requeststatus: 4,
        requestStatusName: 'Customer Signed',
        isPaid: true,
      });
      expect(answer(await requestOtp(s.requestId))).toEqual([200, csError(4032, 'Request already signed')]);

      // The call log reads the same in both dialects: our codes.
      const calls = await http.get<Call[]>(`/sandbox/calls?requestId=${s.requestId}`, {});
      expect(
        calls.body
          .filter((c) => c.path.startsWith(CS))
          .map((c) => [c.path.slice(CS.length + 1), c.httpStatus, c.errorCode]),
      ).toEqual([
        ['StepValidatePayment', 200, 4013],
        ['StepRequestOtp', 200, null],
        ['StepValidateOtp', 200, null],
        ['StepValidatePayment', 200, 4020],
        ['StepValidatePayment', 200, null],
        ['StepValidatePayment', 200, null],
        ['StepRequestOtp', 200, 4032],
      ]);
    });

    it('no payment needed: StepValidateOtp data is null in both', async () => {
      const s = await http.seed({ hasPayment: false });
      const otpRequestId = ((await requestOtp(s.requestId)).body.data as { otpRequestId: string }).otpRequestId;
      expect(answer(await validateOtp(s.requestId, otpRequestId, await http.otpCode(otpRequestId)))).toEqual([
        200,
        wire(null, null),
      ]);
    });

    it('not approved: the legacy seed envelope, HTTP 403 in ours and 200 in seed; rejected 4031; unknown 404 / 4040', async () => {
      const pending = await http.seed({ status: 'pending_approval' });
      for (const res of [await requestOtp(pending.requestId), await validatePayment(pending.requestId)]) {
        expect(answer(res)).toEqual([seed ? 200 : 403, pendingApproval]);
      }
      const rejected = await http.seed({ status: 'rejected' });
      expect(answer(await requestOtp(rejected.requestId))).toEqual([200, csError(4031, 'Request is rejected')]);
      expect(answer(await requestOtp('0f0f0f0f-0000-4000-8000-000000000000'))).toEqual([
        404,
        wire(null, 4040, 'Business request not found'),
      ]);
      const calls = await http.get<Call[]>(`/sandbox/calls?requestId=${pending.requestId}`, {});
      expect(calls.body.map((c) => [c.httpStatus, c.errorCode])).toEqual([
        [seed ? 200 : 403, 403],
        [seed ? 200 : 403, 403],
      ]);
    });
  });

  describe('legacy /Activate flavour', () => {
    // The legacy seed marks Authorization required; a service token serves every request.
    let bearer: Record<string, string> = {};
    beforeAll(async () => {
      const login = await http.post('/api/credentials/Login', {
        tenancyName: 'sandbox',
        userNameOrEmailAddress: 'admin',
        password: 'sandbox-password',
      });
      bearer = { Authorization: `Bearer ${(login.body.data as { accessToken: string }).accessToken}` };
    });
    const activate = (body: Json, headers?: Record<string, string>) =>
      http.post(ACTIVATE, body, headers ?? { ApiKey: API_KEY, ...bearer });
    /** The legacy object for a request, with the fields a step sets. */
    const legacy = (s: { requestId: string; transactionId: string }, fields: Json = {}) => ({
      isActive: false,
      needsReValidate: false,
      errorMessage: null,
      paymentLink: null,
      isValidPayment: false,
      requestId: s.requestId,
      otpRequestId: null,
      transactionId: s.transactionId,
      ...fields,
    });
    /** A legacy success: error_code null in ours, the string "0" in seed (three keys). */
    const success = (data: unknown) => (seed ? legacyWire(data, '0') : wire(data, null));
    /** A legacy business error: in `data.errorMessage` in seed, our envelope error in ours. */
    const refusal = (data: Json, code: number, ourMessage: string, seedMessage = ourMessage) =>
      seed ? legacyWire({ ...data, errorMessage: seedMessage }, null) : wire(null, code, ourMessage);
    /** An envelope error: our code, a string in the seed's three keys. */
    const legacyError = (code: number, message: string) =>
      seed ? legacyWire(null, String(code), message) : wire(null, code, message);

    it('Authorization: required by the seed dialect (the legacy seed marks it so), optional in ours', async () => {
      const s = await http.seed();
      const bare = await activate(base(s.requestId), { ApiKey: API_KEY });
      if (seed) expect(bearerRefusal(bare)).toEqual({ status: 401, body: '', challenge: 'Bearer' });
      else expect(bare.status).toBe(200);
    });
    const step2 = (
      s: { requestId: string; transactionId: string },
      otpRequestId: string,
      otpCode: string,
      extra: Json = {},
    ) => activate(base(s.requestId, CAIRO, { transactionId: s.transactionId, otpRequestId, otpCode, ...extra }));

    it('step 1 near and far: the OTP is sent either way; far says needsReValidate', async () => {
      const s = await http.seed();
      const near = await activate(base(s.requestId));
      expect(answer(near)).toEqual([200, success(legacy(s, { otpRequestId: expect.stringMatching(UUID) }))]);
      const far = await activate(base(s.requestId, north(CAIRO, 100)));
      expect(answer(far)).toEqual([
        200,
        success(legacy(s, { needsReValidate: true, otpRequestId: expect.stringMatching(UUID) })),
      ]);
    });

    it('step 2: wrong, exhausted and expired OTPs', async () => {
      const s = await http.seed();
      const first = ((await activate(base(s.requestId))).body.data as { otpRequestId: string }).otpRequestId;
      const code = await http.otpCode(first);
      const wrong = code === '000000' ? '111111' : '000000';
      const onFirst = legacy(s, { otpRequestId: first });
      expect(answer(await step2(s, first, wrong))).toEqual([200, refusal(onFirst, 4001, 'Invalid OTP code')]);
      for (let i = 0; i < 4; i++) await step2(s, first, wrong);
      expect(answer(await step2(s, first, code))).toEqual([200, refusal(onFirst, 4003, 'OTP attempts exceeded')]);

      const second = ((await activate(base(s.requestId))).body.data as { otpRequestId: string }).otpRequestId;
      const onSecond = legacy(s, { otpRequestId: second });
      clock.advance(5 * 60_000);
      expect(answer(await step2(s, second, await http.otpCode(second)))).toEqual([
        200,
        refusal(onSecond, 4002, 'OTP expired'),
      ]);
      // A superseded OTP is "OTP expired" in the seed's words, our detail in ours.
      const third = ((await activate(base(s.requestId))).body.data as { otpRequestId: string }).otpRequestId;
      await activate(base(s.requestId));
      const superseded = await step2(s, third, await http.otpCode(third));
      expect(answer(superseded)).toEqual([
        200,
        refusal(
          legacy(s, { otpRequestId: third }),
          4002,
          'OTP expired (superseded by a newer OTP request)',
          'OTP expired',
        ),
      ]);
    });

    it('step 2 after needsReValidate: the image missing, a failed liveness, then success with it', async () => {
      const s = await http.seed({ livenessOutcome: 'fail' });
      const far = north(CAIRO, 300);
      const otpRequestId = ((await activate(base(s.requestId, far))).body.data as { otpRequestId: string })
        .otpRequestId;
      const code = await http.otpCode(otpRequestId);
      const pending = legacy(s, { otpRequestId, needsReValidate: true });

      const missing = await activate(
        base(s.requestId, far, { transactionId: s.transactionId, otpRequestId, otpCode: code }),
      );
      expect(answer(missing)).toEqual([
        200,
        refusal(pending, 4012, 'Liveness re-validation required', 'Liveness re-validation is required'),
      ]);
      const failed = await activate(
        base(s.requestId, far, {
          transactionId: s.transactionId,
          otpRequestId,
          otpCode: code,
          scanTransaction: { image: image(5) },
        }),
      );
      expect(answer(failed)).toEqual([200, refusal(pending, 4011, 'Liveness re-validation failed')]);

      const ok = await http.seed();
      const okOtp = ((await activate(base(ok.requestId, far))).body.data as { otpRequestId: string }).otpRequestId;
      const passed = await activate(
        base(ok.requestId, far, {
          transactionId: ok.transactionId,
          otpRequestId: okOtp,
          otpCode: await http.otpCode(okOtp),
          scanTransaction: { image: image(6) },
        }),
      );
      expect(answer(passed)).toEqual([
        200,
        success(
          legacy(ok, { otpRequestId: okOtp, paymentLink: expect.stringMatching(/\/sandbox\/pay\/[0-9a-f-]{36}$/) }),
        ),
      ]);
    });

    it('step 4: unpaid, then paid; GetBusinessRequestById says Approved (2), then Customer Signed (4)', async () => {
      const s = await http.seed();
      const otpRequestId = ((await activate(base(s.requestId))).body.data as { otpRequestId: string }).otpRequestId;
      const validated = await step2(s, otpRequestId, await http.otpCode(otpRequestId));
      const link = (validated.body.data as { paymentLink: string }).paymentLink;
      expect(answer(validated)).toEqual([200, success(legacy(s, { otpRequestId, paymentLink: link }))]);

      const pay = () => activate(base(s.requestId, CAIRO, { transactionId: s.transactionId }));
      expect(answer(await pay())).toEqual([200, refusal(legacy(s), 4020, 'Payment not completed')]);
      expect(await byId(s.requestId)).toMatchObject({ requeststatus: 2, requestStatusName: 'Approved' });

      await http.pay(link);
      expect(answer(await pay())).toEqual([200, success(legacy(s, { isActive: true, isValidPayment: true }))]);
      expect(await byId(s.requestId)).toMatchObject({ requeststatus: 4, requestStatusName: 'Customer Signed' });
      // Signed: any step is our 4032 envelope in both dialects.
      expect(answer(await activate(base(s.requestId)))).toEqual([200, legacyError(4032, 'Request already signed')]);

      const calls = await http.get<Call[]>(`/sandbox/calls?requestId=${s.requestId}&path=${ACTIVATE}`, {});
      expect(calls.body.map((c) => [c.httpStatus, c.errorCode])).toEqual([
        [200, null],
        [200, null],
        [200, 4020],
        [200, null],
        [200, 4032],
      ]);
    });

    it('not approved: the seed envelope (HTTP 403 ours, 200 seed); rejected and unknown stay our envelope errors', async () => {
      const pending = await http.seed({ status: 'pending_approval' });
      expect(answer(await activate(base(pending.requestId)))).toEqual([seed ? 200 : 403, pendingApproval]);
      const rejected = await http.seed({ status: 'rejected' });
      expect(answer(await activate(base(rejected.requestId)))).toEqual([200, legacyError(4031, 'Request is rejected')]);
      const unknown = await activate(base('0f0f0f0f-0000-4000-8000-000000000000'));
      // Refused before any step runs: the four-key envelope in both dialects (the sandbox's own choice).
      expect(answer(unknown)).toEqual([404, wire(null, 4040, 'Business request not found')]);
    });
  });

  describe('auth, the same in both dialects', () => {
    it('an expired token is an empty 401 on both flavours and GetBusinessRequestById', async () => {
      const s = await http.seed();
      const headers = { ApiKey: API_KEY, Authorization: `Bearer ${s.accessToken}` };
      expect((await http.get(`${BY_ID}/${s.requestId}`, headers)).status).toBe(200);
      clock.advance(600_000);
      for (const res of [
        await http.post(`${CS}/StepRequestOtp`, base(s.requestId), headers),
        await http.post(ACTIVATE, base(s.requestId), headers),
        await http.get(`${BY_ID}/${s.requestId}`, headers),
      ]) {
        expect(bearerRefusal(res)).toEqual(INVALID_TOKEN);
      }
    });

    it("user A's token on request B is an empty 401; a service token serves both", async () => {
      const a = await http.seed();
      const b = await http.seed();
      const asA = { ApiKey: API_KEY, Authorization: `Bearer ${a.accessToken}` };
      for (const res of [
        await http.post(`${CS}/StepRequestOtp`, base(b.requestId), asA),
        await http.post(ACTIVATE, base(b.requestId), asA),
        await http.get(`${BY_ID}/${b.requestId}`, asA),
      ]) {
        expect(bearerRefusal(res)).toEqual(INVALID_TOKEN);
      }
      expect((await http.post(ACTIVATE, base(a.requestId), asA)).status).toBe(200);

      const login = await http.post('/api/credentials/Login', {
        tenancyName: 'sandbox',
        userNameOrEmailAddress: 'admin',
        password: 'sandbox-password',
      });
      const service = {
        ApiKey: API_KEY,
        Authorization: `Bearer ${(login.body.data as { accessToken: string }).accessToken}`,
      };
      for (const id of [a.requestId, b.requestId]) {
        expect((await http.get(`${BY_ID}/${id}`, service)).status).toBe(200);
        expect((await http.post(`${CS}/StepRequestOtp`, base(id), service)).body.data).toEqual({
          otpRequestId: expect.stringMatching(UUID),
        });
      }
    });

    it('a bad ApiKey is the 401 envelope naming the ApiKey', async () => {
      const s = await http.seed();
      for (const [method, path] of [
        ['POST', `${CS}/StepRequestOtp`],
        ['POST', ACTIVATE],
        ['GET', `${BY_ID}/${s.requestId}`],
      ] as const) {
        const res = await http.request(method, path, method === 'POST' ? base(s.requestId) : undefined, {
          ApiKey: 'wrong',
        });
        expect(answer(res)).toEqual([401, wire(null, 401, 'Invalid or missing ApiKey')]);
      }
    });
  });
});
