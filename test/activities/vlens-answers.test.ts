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
import { DEFAULT_MESSAGE_PATTERNS, DEFAULT_SUCCESS_MESSAGE_PATTERNS } from '../../activities/reading-table';
import {
  BOOLEAN_FLAGS,
  POSITIVE_ANSWERS,
  type DataShape,
  type FieldRule,
  type PositiveStep,
} from '../../activities/positive-answers';
import { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES, type VlensCallContext } from '../../contract/activities';

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
  /** What the client before issue 24 (positive evidence at every step) made of it, when different. */
  readingBeforeIssue24?: Reading;
  /** Where the answer comes from: a seed prints it, a seed's prose describes it, or it is decided here. */
  evidence: { kind: 'printed' | 'described'; source: string; what: string } | { kind: 'decided'; why: string };
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

  it('says "printed" only of what a seed prints, and cites the line of docs/vlens-api.md that quotes it', () => {
    const contract = readFileSync(path.join(import.meta.dirname, '../../docs/vlens-api.md'), 'utf8').split('\n');
    for (const fixture of corpora.flatMap((c) => c.fixtures)) {
      expect(fixture.evidence, fixture.name).toBeDefined();
      const printed = fixture.evidence.kind === 'printed';
      expect(/printed/i.test(fixture.name), fixture.name).toBe(printed);
      if (fixture.evidence.kind === 'decided') {
        expect(fixture.evidence.why.length, fixture.name).toBeGreaterThan(10);
        continue;
      }
      const cited = /docs\/vlens-api\.md:([\d, -]+)$/.exec(fixture.evidence.source)?.[1];
      expect(cited, fixture.name).toBeDefined();
      for (const line of cited!
        .split(/[ ,-]+/)
        .filter(Boolean)
        .map(Number)) {
        // Part A (docs/vlens-api.md, "Part A: documented facts") is the repository's record of the seeds.
        expect(contract[line - 1]?.trim(), `${fixture.name}: line ${line}`).toBeTruthy();
        expect(line, `${fixture.name}: line ${line} is in Part A`).toBeLessThan(
          contract.findIndex((l) => l.startsWith('## Part B')) + 1,
        );
      }
    }
  });

  it('holds the one response the current seed prints, StepRequestOtp, read as success', () => {
    const printed = corpora.flatMap((c) => c.fixtures).filter((f) => f.evidence.kind === 'printed');
    const requestOtp = printed.find((f) => f.step === 'requestOtp');
    expect(requestOtp?.reading).toBe('success');
    expect(requestOtp?.body).toMatchObject({ error_code: 0, data: { otpRequestId: expect.any(String) } });
  });

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

// ---- the property: only a positive answer activates, accepts or sends ----------------------------------
//
// The oracle below is written from the table of activities/positive-answers.ts (read as data) and the
// default patterns of activities/reading-table.ts, field by field, with its own code: it never calls the
// classifier or the flavours it checks. Each property runs both ways: every answer the client builds on is
// positive by the table, and every positive answer is built on.

const SUCCESS_CODES: readonly unknown[] = [null, 0]; // VLENS_SUCCESS_CODES' default (docs/vlens-answers.md)
const toRegexes = (lists: readonly (readonly string[])[]) => lists.map((list) => list.map((s) => new RegExp(s, 'i')));
const SENTENCES = toRegexes(DEFAULT_SUCCESS_MESSAGE_PATTERNS);
const CONDITIONS = toRegexes(Object.values(DEFAULT_MESSAGE_PATTERNS).filter((l): l is readonly string[] => !!l));
const matchesOne = (lists: RegExp[][], text: string) => lists.some((all) => all.every((r) => r.test(text)));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const none = (v: unknown) => v === undefined || v === null;
const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
function httpUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v !== v.trim() || v === '') return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** An `error_code` as the wire may carry it, read as the table says: a numeric string is its number. */
function codeOf(body: Record<string, unknown>): unknown {
  const code = body.error_code;
  return typeof code === 'string' && /^-?\d+$/.test(code.trim()) ? Number(code.trim()) : code;
}

/** ENVELOPE_RULE and BOOLEAN_FLAGS, field by field. */
function envelopeHolds(answer: Answer): Record<string, unknown> | undefined {
  if (answer.httpStatus < 200 || answer.httpStatus > 299) return undefined;
  const body = wire(answer.body);
  if (!isRecord(body) || !('error_code' in body) || !SUCCESS_CODES.includes(codeOf(body))) return undefined;
  const message = body.error_message;
  if (!(none(message) || message === '')) {
    if (typeof message !== 'string' || matchesOne(CONDITIONS, message) || !matchesOne(SENTENCES, message))
      return undefined;
  }
  const descriptions = body.error_descriptions;
  const emptyDescriptions =
    none(descriptions) ||
    (Array.isArray(descriptions) && descriptions.length === 0) ||
    (isRecord(descriptions) && Object.keys(descriptions).length === 0);
  if (!emptyDescriptions) return undefined;
  const data = body.data;
  if (isRecord(data)) {
    if (!(none(data.errorMessage) || data.errorMessage === '')) return undefined;
    if (BOOLEAN_FLAGS.some((flag) => !(none(data[flag]) || typeof data[flag] === 'boolean'))) return undefined;
  }
  return body;
}

const SIGNED_STATUS = 4; // the sandbox's number, set in every test configuration below
const SIGNED_NAME = /^customer ?signed$/i; // VLENS_CUSTOMER_SIGNED_STATUS_NAME's default

function fieldHolds(rule: FieldRule, v: unknown): boolean {
  switch (rule) {
    case 'text':
      return text(v);
    case 'httpUrl':
      return httpUrl(v);
    case 'true':
      return v === true;
    case 'none':
      return none(v);
    case 'noneOrFalse':
      return none(v) || v === false;
    case 'noneOrEmpty':
      return none(v) || v === '';
    case 'noneOrText':
      return none(v) || text(v);
    case 'noneOrBoolean':
      return none(v) || v === true || v === false;
    case 'noneOrString':
      return none(v) || typeof v === 'string';
    case 'customerSignedStatus':
      return v === SIGNED_STATUS;
    case 'noneOrCustomerSignedName':
      return none(v) || (typeof v === 'string' && SIGNED_NAME.test(v.trim()));
  }
}

function shapeHolds(shape: DataShape, data: unknown): boolean {
  if (shape.type === 'none') return none(data);
  if (shape.type === 'httpUrl') return httpUrl(data);
  if (shape.type === 'successMessage') return typeof data === 'string' && matchesOne(SENTENCES, data);
  return isRecord(data) && Object.entries(shape.fields).every(([name, rule]) => fieldHolds(rule, data[name]));
}

/** The oracle: is `answer` a positive answer of `step` by the table? Returns its data when it is. */
function positiveData(flavor: VlensApiFlavor, step: PositiveStep, answer: Answer): { data: unknown } | undefined {
  const body = envelopeHolds(answer);
  if (!body) return undefined;
  return POSITIVE_ANSWERS[flavor][step].data.some((shape) => shapeHolds(shape, body.data))
    ? { data: body.data }
    : undefined;
}

/** What the client receives: JSON as it crosses the wire (undefined keys gone, -0 as 0). */
function wire(body: unknown): unknown {
  const textBody = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    return JSON.parse(textBody);
  } catch {
    return textBody;
  }
}

// ---- generated answers: right ones, and wrong ones of every kind --------------------------------------

const anyJson = fc.jsonValue({ maxDepth: 2 });
const codes = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(null, 0, '0') },
  fc.constantFrom<unknown>(undefined, 1, 403, '403', 4001, 4020, 4032, 4030, 'E', '', -1, 0.5, true, []),
);
const messages = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, null, '') },
  fc.constantFrom<unknown>(
    'OK',
    'Payment validated successfully.',
    'Liveness re-validation successful. Proceed to OTP request.',
    'Invalid OTP code',
    'Payment not completed',
    'Payment not successful',
    'This request is pending approval form admin',
    'Location changed, liveness re-validation is required.',
    'Request already signed',
    7,
    { text: 'OK' },
  ),
  fc.string({ maxLength: 12 }), // messages no pattern knows
);
/** Mostly values a positive answer may hold, the rest wrong ones (a table field must meet both). */
const mostly = (right: unknown[], wrong: unknown[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...right) }, fc.constantFrom(...wrong));
const flag = mostly([undefined, null, true, false, false], ['true', 'false', 1, 0]);
const id = mostly(['5b1c7f0e-6a59-4b0e-9a83-2f7d9c1e4a10', undefined, null], ['', ' ', 7, true, {}]);
const link = mostly(
  [undefined, null, 'https://pay.example/p/1', 'http://127.0.0.1:4010/sandbox/pay/p-1'],
  ['', ' https://pay.example/p/1', 'not a url', 'javascript:alert(1)', 7],
);
const dataMessages = mostly([undefined, null, ''], ['Invalid OTP code', 'Payment not completed', 'Something odd', 7]);
const dataObject = fc.record(
  {
    otpRequestId: id,
    transactionId: id,
    isActive: flag,
    isValidPayment: flag,
    needsReValidate: flag,
    errorMessage: dataMessages,
    paymentLink: link,
    message: messages,
    extra: anyJson, // a field the table does not name
  },
  { requiredKeys: [] },
);
const dataValues = fc.oneof(
  { weight: 4, arbitrary: dataObject },
  { weight: 2, arbitrary: anyJson }, // data of every JSON type
  fc.constantFrom<unknown>(
    undefined,
    null,
    'https://pay.example/p/1',
    'OK',
    'Payment validated successfully.',
    'Liveness re-validation successful. Proceed to OTP request.',
    'Location changed, liveness re-validation is required.',
    'Invalid OTP code',
  ),
);
const descriptions = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, null) },
  fc.constantFrom<unknown>([], {}, [{ field: 'otpCode', message: 'bad' }], { otpCode: ['bad'] }, 'bad'),
);
const envelopeOf = (data: fc.Arbitrary<unknown>) =>
  fc.record(
    { data, error_code: codes, error_message: messages, error_descriptions: descriptions },
    { requiredKeys: [] },
  );
const rawBodies = fc.constantFrom<unknown>('', 'null', '[]', '<html>ok</html>', '{}', 'true', '"ok"');
const httpStatuses = fc.oneof(
  { weight: 8, arbitrary: fc.constant(200) },
  fc.constantFrom(201, 204, 302, 400, 401, 403, 404, 409, 422, 429, 500, 503),
);
const answers: fc.Arbitrary<Answer> = fc.record({
  httpStatus: httpStatuses,
  body: fc.oneof({ weight: 9, arbitrary: envelopeOf(dataValues) }, rawBodies),
});
const statusData = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        requeststatus: fc.constantFrom<unknown>(4, 4, 2, '4', 4.5, true, null, undefined, 7),
        requestStatusName: fc.constantFrom<unknown>(
          undefined,
          null,
          'Customer Signed',
          'CustomerSigned',
          ' customer signed ',
          'Approved',
          '',
          7,
        ),
        extra: anyJson,
      },
      { requiredKeys: [] },
    ),
  },
  dataValues,
);
const statusAnswers: fc.Arbitrary<Answer> = fc.record({
  httpStatus: httpStatuses,
  body: fc.oneof({ weight: 9, arbitrary: envelopeOf(statusData) }, rawBodies),
});

const RUNS = { numRuns: 1500, seed: 20261207 };
const otpArgs = { otpRequestId: '5b1c7f0e-6a59-4b0e-9a83-2f7d9c1e4a10', code: '123456' };

/** A step's result, or 'failed' when it threw (a business failure or an unrecognised answer). */
async function settled<T>(run: Promise<T>): Promise<T | 'failed'> {
  try {
    return await run;
  } catch (error) {
    if (error instanceof ApplicationFailure) return 'failed';
    throw error;
  }
}

describe('the property (oracle: the table of activities/positive-answers.ts, read field by field)', () => {
  for (const flavor of ['customer-sign', 'legacy-activate'] as const) {
    it(`${flavor}: activated exactly when the payment answer proves it, or the request's status does`, async () => {
      await fc.assert(
        fc.asyncProperty(answers, statusAnswers, async (answer, status) => {
          const { vlens, calls } = activitiesAnswering(flavor, answer, status);
          const result = await settled(vlens.validatePayment(ctx()));
          const activated = result !== 'failed' && result.activated;
          const proven = positiveData(flavor, 'validatePayment', answer);
          const asked = calls.some((c) => c.includes('GetBusinessRequestById'));
          const signed = positiveData(flavor, 'requestStatus', status);
          if (activated) expect(proven !== undefined || (asked && signed !== undefined)).toBe(true);
          if (proven) expect(activated).toBe(true);
          // A claim (isValidPayment: true, or no more than OK) is never proof: the status is asked.
          if (!proven && positiveData(flavor, 'paymentClaim', answer)) {
            expect(asked).toBe(true);
            expect(activated).toBe(signed !== undefined);
          }
        }),
        RUNS,
      );
    });

    it(`${flavor}: an OTP validation is accepted exactly when the answer is positive, with its link`, async () => {
      await fc.assert(
        fc.asyncProperty(answers, async (answer) => {
          const { vlens } = activitiesAnswering(flavor, answer);
          const result = await settled(vlens.validateOtp(ctx(), otpArgs));
          const accepted = result !== 'failed' && result.outcome === 'accepted';
          const proven = positiveData(flavor, 'validateOtp', answer);
          expect(accepted).toBe(proven !== undefined);
          if (accepted && proven && result.outcome === 'accepted') {
            const data = proven.data;
            const expected = httpUrl(data) ? data : isRecord(data) ? data.paymentLink : undefined;
            expect(result.paymentLink).toBe(expected);
          }
        }),
        RUNS,
      );
    });

    it(`${flavor}: an OTP is taken as sent exactly when the answer names it positively`, async () => {
      await fc.assert(
        fc.asyncProperty(answers, async (answer) => {
          const { vlens } = activitiesAnswering(flavor, answer);
          const result = await settled(vlens.requestOtp(ctx()));
          const sent = result !== 'failed' && result.otpRequestId !== undefined;
          const proven = positiveData(flavor, 'requestOtp', answer);
          expect(sent).toBe(proven !== undefined);
          if (sent && proven) {
            expect(result.otpRequestId).toBe((proven.data as Record<string, unknown>).otpRequestId);
          }
        }),
        RUNS,
      );
    });
  }

  it('customer-sign: a liveness re-validation is accepted exactly when the answer is positive', async () => {
    await fc.assert(
      fc.asyncProperty(answers, async (answer) => {
        const { vlens } = activitiesAnswering('customer-sign', answer);
        const result = await settled(vlens.revalidateLiveness(ctx(), { image: FACE, faces: [FACE, FACE, FACE] }));
        const accepted = result !== 'failed' && result.outcome === 'accepted';
        expect(accepted).toBe(positiveData('customer-sign', 'revalidateLiveness', answer) !== undefined);
      }),
      RUNS,
    );
  });

  it('the generators reach positive answers of every step, and wrong ones', () => {
    const sample = fc.sample(answers, { numRuns: 3000, seed: 20261207 });
    for (const step of [
      'requestOtp',
      'revalidateLiveness',
      'validateOtp',
      'validatePayment',
      'paymentClaim',
    ] as const) {
      const positives = sample.filter((a) => positiveData('customer-sign', step, a)).length;
      expect(positives, step).toBeGreaterThan(20);
      expect(positives, step).toBeLessThan(sample.length / 2);
    }
    const statuses = fc.sample(statusAnswers, { numRuns: 3000, seed: 20261207 });
    expect(statuses.filter((a) => positiveData('customer-sign', 'requestStatus', a)).length).toBeGreaterThan(20);
  });
});
