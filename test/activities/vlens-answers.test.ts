// Every answer the two Vlens seeds print, and the plausible variants of them, run through the real client
// (both flavours) with the reading each must get; then a property: nothing but a positive answer ever
// activates a contract or accepts an OTP. The corpus lives in test/fixtures/vlens-answers/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActivities, type FetchLike, type VlensActivities } from '../../activities';
import { makeVlensConfig, type VlensApiFlavor } from '../../activities/config';
import { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES, type VlensCallContext } from '../../activities/contract';

type Step = 'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment';
type Reading =
  | 'success'
  | 'business'
  | 'revalidation'
  | 'token'
  | 'api_key'
  | 'not_approved'
  | 'rejected'
  | 'transient'
  | 'unrecognised';

interface Answer {
  httpStatus: number;
  /** JSON, or a raw string sent as it is (an empty body, HTML). */
  body: unknown;
}

interface Fixture extends Answer {
  name: string;
  step: Step;
  flavor?: VlensApiFlavor;
  token?: 'user';
  requestStatus?: Answer;
  reading: Reading;
  outcome?: string;
  activated?: boolean;
  paymentLink?: string;
  /** What the client before the fail-closed rewrite made of it, when different. */
  oldReading?: Reading;
}

interface Corpus {
  source: string;
  flavor: VlensApiFlavor;
  fixtures: Fixture[];
}

const DIR = path.join(import.meta.dirname, '../fixtures/vlens-answers');
const corpora = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Corpus) }));

const REQUEST_ID = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const ctx = (token?: 'user'): VlensCallContext => ({
  requestId: REQUEST_ID,
  transactionId: '0c3e8f2a-1d4b-4c6e-8f9a-7b2d5e1c3a90',
  device: { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2025-01-15T10:30:00Z' },
  ...(token ? { accessToken: 'user-jwt' } : {}),
});

function respond(answer: Answer) {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  return { status: answer.httpStatus, headers: { get: () => null }, text: async () => text };
}

/** A Vlens that answers the step with `step` and GetBusinessRequestById with `status` (Approved by default). */
function activitiesAnswering(
  flavor: VlensApiFlavor,
  step: Answer,
  status?: Answer,
): { vlens: VlensActivities; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    const { pathname } = new URL(url);
    calls.push(`${init.method} ${pathname}`);
    if (pathname.includes('GetBusinessRequestById')) {
      return respond(status ?? { httpStatus: 200, body: { data: { requeststatus: 2 }, error_code: null } });
    }
    return respond(step);
  };
  const config = makeVlensConfig({ flavor, serviceAuth: 'none' });
  return { vlens: createActivities({ config, fetch, logger: silent }), calls };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const FACE = Buffer.from('a selfie').toString('base64');

async function run(vlens: VlensActivities, step: Step, c: VlensCallContext): Promise<unknown> {
  switch (step) {
    case 'requestOtp':
      return vlens.requestOtp(c);
    case 'revalidateLiveness':
      return vlens.revalidateLiveness(c, { image: FACE, faces: [FACE, FACE, FACE] });
    case 'validateOtp':
      return vlens.validateOtp(c, { otpRequestId: '5b1c7f0e-6a59-4b0e-9a83-2f7d9c1e4a10', code: '123456' });
    case 'validatePayment':
      return vlens.validatePayment(c);
  }
}

const FAILURE_READINGS: Record<string, Reading> = {
  [VLENS_TRANSIENT_FAILURE_TYPES.unrecognised]: 'unrecognised',
  [VLENS_FAILURE_TYPES.userTokenRejected]: 'token',
  [VLENS_TRANSIENT_FAILURE_TYPES.serviceAuthFailed]: 'token',
  [VLENS_TRANSIENT_FAILURE_TYPES.apiKeyRejected]: 'api_key',
  [VLENS_FAILURE_TYPES.requestNotApproved]: 'not_approved',
  [VLENS_FAILURE_TYPES.requestRejected]: 'rejected',
  [VLENS_FAILURE_TYPES.alreadySigned]: 'rejected',
  [VLENS_FAILURE_TYPES.outOfOrder]: 'rejected',
  [VLENS_FAILURE_TYPES.invalidRequest]: 'rejected',
  [VLENS_TRANSIENT_FAILURE_TYPES.unavailable]: 'transient',
  [VLENS_TRANSIENT_FAILURE_TYPES.rateLimited]: 'transient',
  [VLENS_TRANSIENT_FAILURE_TYPES.timeout]: 'transient',
};

/** The reading a step's result (or failure) amounts to. */
async function readingOf(
  vlens: VlensActivities,
  step: Step,
  c: VlensCallContext,
): Promise<{ reading: Reading; result?: Record<string, unknown> }> {
  let result: Record<string, unknown>;
  try {
    result = (await run(vlens, step, c)) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ApplicationFailure)) throw error;
    const reading = FAILURE_READINGS[error.type ?? ''];
    if (!reading) throw new Error(`unmapped failure type ${error.type}`);
    return { reading };
  }
  if (step === 'requestOtp') return { reading: result.livenessRequired ? 'revalidation' : 'success', result };
  if (step === 'validatePayment') return { reading: result.activated ? 'success' : 'business', result };
  if (result.outcome === 'accepted') return { reading: 'success', result };
  return { reading: result.outcome === 'liveness_required' ? 'revalidation' : 'business', result };
}

describe('the Vlens answer corpus', () => {
  for (const corpus of corpora) {
    describe(`${corpus.file}: ${corpus.source}`, () => {
      for (const fixture of corpus.fixtures) {
        const flavor = fixture.flavor ?? corpus.flavor;
        it(`${fixture.step}: ${fixture.name} -> ${fixture.reading}`, async () => {
          const { vlens } = activitiesAnswering(flavor, fixture, fixture.requestStatus);
          const { reading, result } = await readingOf(vlens, fixture.step, ctx(fixture.token));
          expect(reading).toBe(fixture.reading);
          if (fixture.outcome) expect(result?.outcome).toBe(fixture.outcome);
          if (fixture.activated !== undefined) expect(result?.activated).toBe(fixture.activated);
          if (fixture.reading === 'success' && fixture.step === 'validateOtp')
            expect(result?.paymentLink).toBe(fixture.paymentLink);
        });
      }
    });
  }

  it('covers every step, both flavours and every reading', () => {
    const all = corpora.flatMap((c) => c.fixtures.map((f) => ({ ...f, flavor: f.flavor ?? c.flavor })));
    expect(new Set(all.map((f) => f.step))).toEqual(
      new Set(['requestOtp', 'revalidateLiveness', 'validateOtp', 'validatePayment']),
    );
    expect(new Set(all.map((f) => f.flavor))).toEqual(new Set(['customer-sign', 'legacy-activate']));
    expect(new Set(all.map((f) => f.reading))).toEqual(
      new Set([
        'success',
        'business',
        'revalidation',
        'token',
        'api_key',
        'not_approved',
        'rejected',
        'transient',
        'unrecognised',
      ]),
    );
  });
});

// ---- the property: only a positive answer activates or accepts ------------------------------------

const errorCodes = fc.constantFrom<unknown>(
  undefined,
  null,
  0,
  '0',
  1,
  403,
  '403',
  4001,
  4020,
  4032,
  4030,
  'E',
  '',
  -1,
);
const messages = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'OK',
  'Invalid OTP code',
  'Payment not completed',
  'This request is pending approval form admin',
  'Liveness re-validation successful',
  'Location changed, liveness re-validation is required.',
);
const flag = fc.constantFrom<unknown>(undefined, null, true, false, 'true', 1);
const dataValues = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, '', 'ok', 'https://pay.example/p/1', [], ['x'], 0, true),
  fc.record(
    {
      isActive: flag,
      isValidPayment: flag,
      errorMessage: messages,
      needsReValidate: flag,
      paymentLink: fc.constantFrom<unknown>(undefined, null, '', 'https://pay.example/p/1', 'not a url', 7),
    },
    { requiredKeys: [] },
  ),
);
const envelopes = fc.oneof(
  fc.record({ data: dataValues, error_code: errorCodes, error_message: messages }, { requiredKeys: [] }),
  fc.constantFrom<unknown>('', 'null', '[]', '<html>ok</html>', '{}', 'true'),
);
const answers = fc.record({
  httpStatus: fc.constantFrom(200, 201, 204, 302, 400, 401, 403, 404, 409, 422, 429, 500, 503),
  body: envelopes,
});

const isSuccessCode = (code: unknown) => code === null || code === 0 || code === '0';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasDataError = (data: unknown) =>
  isObject(data) && typeof data.errorMessage === 'string' && data.errorMessage.trim() !== '';

/** A 2xx with a success code and no error in its data: the only kind of answer anything may be built on. */
function positive(answer: Answer): answer is Answer & { body: Record<string, unknown> } {
  const body = typeof answer.body === 'string' ? undefined : answer.body;
  return (
    answer.httpStatus >= 200 &&
    answer.httpStatus < 300 &&
    isObject(body) &&
    'error_code' in body &&
    isSuccessCode(body.error_code) &&
    !hasDataError(body.data)
  );
}

function provesPayment(answer: Answer, status: Answer): boolean {
  if (!positive(answer)) return false;
  const data = answer.body.data;
  if (isObject(data) && (data.isActive === true || (data.isValidPayment === true && data.isActive !== false)))
    return true;
  const statusData = positive(status) ? status.body.data : undefined;
  return isObject(statusData) && (statusData.requeststatus === 4 || statusData.requeststatus === '4');
}

describe('the property', () => {
  for (const flavor of ['customer-sign', 'legacy-activate'] as const) {
    it(`${flavor}: no answer but a positive payment answer (or Customer Signed) ever activates`, async () => {
      await fc.assert(
        fc.asyncProperty(answers, answers, async (answer, status) => {
          const { vlens } = activitiesAnswering(flavor, answer, status);
          const result = await vlens.validatePayment(ctx()).catch(() => ({ activated: false }));
          if (result.activated) expect(provesPayment(answer, status)).toBe(true);
        }),
        { numRuns: 1500, seed: 20261201 },
      );
    });

    it(`${flavor}: no answer but a positive OTP answer is ever accepted`, async () => {
      await fc.assert(
        fc.asyncProperty(answers, async (answer) => {
          const { vlens } = activitiesAnswering(flavor, answer);
          const result = await vlens
            .validateOtp(ctx(), { otpRequestId: 'o', code: '123456' })
            .catch(() => ({ outcome: 'failed' }));
          if (result.outcome === 'accepted') {
            expect(positive(answer)).toBe(true);
            const data = (answer.body as Record<string, unknown>).data;
            expect(isObject(data) && data.needsReValidate === true).toBe(false);
          }
        }),
        { numRuns: 1500, seed: 20261201 },
      );
    });
  }
});
