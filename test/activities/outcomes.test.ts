// The outcome table, row by row, with plain objects: every condition for every operation. The reading
// fails closed: only a positive answer is success, anything no rule reads is `unrecognised`.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { makeVlensConfig } from '../../activities/config';
import { VLENS_FAILURE_TYPES as F, VLENS_TRANSIENT_FAILURE_TYPES as TF } from '../../contract/activities';
import { classify, isServiceTokenRejection } from '../../activities/classify';
import { settle } from '../../activities/outcomes';
import { fieldNames, redactAnswer, scrub } from '../../activities/redaction';
import { retryAfterMs } from '../../activities/vlens-failures';
import type { TokenSource, VlensOp, VlensReply } from '../../activities/vlens-reply';
import { envelopeSchema } from '../../activities/schemas';

const config = makeVlensConfig();

function reply(opts: {
  status?: number;
  code?: number | string | null;
  /** Leave `error_code` out of the envelope entirely. */
  noCode?: boolean;
  message?: string | null;
  data?: unknown;
  descriptions?: unknown;
  tokenSource?: TokenSource;
  retryAfter?: string;
  invalidBody?: boolean;
  emptyBody?: boolean;
}): VlensReply {
  const envelope = envelopeSchema.parse({
    data: opts.data ?? null,
    ...(opts.noCode ? {} : { error_code: opts.code ?? null }),
    error_message: opts.message ?? null,
    error_descriptions: opts.descriptions,
  });
  const body: VlensReply['body'] = opts.emptyBody
    ? { ok: false, reason: 'empty body', empty: true }
    : opts.invalidBody
      ? { ok: false, reason: 'non-JSON body', empty: false }
      : { ok: true, envelope };
  return {
    path: '/api/x',
    httpStatus: opts.status ?? 200,
    retryAfter: opts.retryAfter ?? null,
    tokenSource: opts.tokenSource ?? 'service',
    body,
  };
}

/** A reply whose envelope is exactly `json` (parsed as the client parses it). */
function rawReply(json: unknown, status = 200): VlensReply {
  return {
    path: '/api/x',
    httpStatus: status,
    retryAfter: null,
    tokenSource: 'service',
    body: { ok: true, envelope: envelopeSchema.parse(json) },
  };
}

function failure(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const anything = z.unknown();
const OPS: VlensOp[] = ['requestOtp', 'revalidateLiveness', 'validateOtp', 'validatePayment'];
type Expect = { result: unknown } | { confirm: true } | { type: string; retryable: boolean };
const fatal = (type: string): Expect => ({ type, retryable: false });
const retry = (type: string): Expect => ({ type, retryable: true });
const result = (r: unknown): Expect => ({ result: r });
const confirm: Expect = { confirm: true };
const all = (e: Expect): [Expect, Expect, Expect, Expect] => [e, e, e, e];
const PENDING = 'This request is pending approval form admin';

// [name, reply, expectation per op (requestOtp, revalidateLiveness, validateOtp, validatePayment)]
const ROWS: Array<[string, VlensReply, [Expect, Expect, Expect, Expect]]> = [
  [
    're-validation 4010',
    reply({ code: 4010, message: 'Location changed, liveness revalidation required.' }),
    [
      result({ livenessRequired: true }),
      fatal(F.outOfOrder),
      result({ outcome: 'liveness_required' }),
      fatal(F.outOfOrder),
    ],
  ],
  [
    're-validation by message only (unknown code)',
    reply({ code: 7777, message: 'Location changed, liveness revalidation required.' }),
    [
      result({ livenessRequired: true }),
      fatal(F.outOfOrder),
      result({ outcome: 'liveness_required' }),
      fatal(F.outOfOrder),
    ],
  ],
  [
    'liveness required 4012',
    reply({ code: 4012, message: 'Liveness re-validation required' }),
    [
      result({ livenessRequired: true }),
      fatal(F.outOfOrder),
      result({ outcome: 'liveness_required' }),
      fatal(F.outOfOrder),
    ],
  ],
  [
    'wrong OTP 4001',
    reply({ code: 4001 }),
    [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'wrong_code' }), fatal(F.outOfOrder)],
  ],
  [
    'OTP expired 4002',
    reply({ code: 4002 }),
    [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'expired' }), fatal(F.outOfOrder)],
  ],
  [
    'OTP attempts exceeded 4003',
    reply({ code: 4003 }),
    [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'locked' }), fatal(F.outOfOrder)],
  ],
  [
    'liveness failed 4011',
    reply({ code: 4011, message: 'Liveness re-validation failed' }),
    [
      fatal(F.outOfOrder),
      result({ outcome: 'rejected' }),
      result({ outcome: 'liveness_rejected' }),
      fatal(F.outOfOrder),
    ],
  ],
  ['OTP not validated 4013', reply({ code: 4013 }), all(fatal(F.outOfOrder))],
  [
    'payment not completed 4020',
    reply({ code: 4020 }),
    [fatal(F.outOfOrder), fatal(F.outOfOrder), fatal(F.outOfOrder), result({ activated: false })],
  ],
  // The legacy seed: HTTP 403, error_code 403, "pending approval".
  [
    'not approved: the seed\'s 403 + 403 + "pending approval"',
    reply({ status: 403, code: 403, message: PENDING }),
    all(fatal(F.requestNotApproved)),
  ],
  [
    'not approved: HTTP 200 + 403 + "pending approval"',
    reply({ status: 200, code: 403, message: PENDING }),
    all(fatal(F.requestNotApproved)),
  ],
  [
    'not approved: HTTP 403 + 4030 + "pending approval"',
    reply({ status: 403, code: 4030, message: PENDING }),
    all(fatal(F.requestNotApproved)),
  ],
  [
    '403 + 403 without "pending approval" (not a token problem either)',
    reply({ status: 403, code: 403, message: 'Forbidden' }),
    all(retry(TF.unrecognised)),
  ],
  ['403 + 4030 without any message', reply({ status: 403, code: 4030 }), all(retry(TF.unrecognised))],
  [
    "403 + 403 on the user's token, no approval message",
    reply({ status: 403, code: 403, tokenSource: 'user' }),
    all(retry(TF.unrecognised)),
  ],
  [
    '403 + 403 whose message names another condition',
    reply({ status: 403, code: 403, message: 'This request was rejected' }),
    all(fatal(F.requestRejected)),
  ],
  ['rejected 4031', reply({ code: 4031 }), all(fatal(F.requestRejected))],
  ['unknown request 404/4040', reply({ status: 404, code: 4040 }), all(fatal(F.requestRejected))],
  [
    'already signed 4032',
    reply({ code: 4032 }),
    [fatal(F.alreadySigned), fatal(F.alreadySigned), fatal(F.alreadySigned), confirm],
  ],
  ['validation 400/4000', reply({ status: 400, code: 4000 }), all(fatal(F.invalidRequest))],
  ['validation 400 with error_code null', reply({ status: 400 }), all(fatal(F.invalidRequest))],
  ['bad media type 415', reply({ status: 415 }), all(fatal(F.invalidRequest))],
  ['400 without any error_code', reply({ status: 400, noCode: true }), all(retry(TF.unrecognised))],
  [
    '401 naming the ApiKey',
    reply({ status: 401, code: 401, message: 'Invalid ApiKey' }),
    all(retry(TF.apiKeyRejected)),
  ],
  [
    "401 naming the Api Key on the user's token",
    reply({ status: 401, message: 'Api key is missing', tokenSource: 'user' }),
    all(retry(TF.apiKeyRejected)),
  ],
  [
    "401 on the user's token",
    reply({ status: 401, code: 401, message: 'Token expired', tokenSource: 'user' }),
    all(fatal(F.userTokenRejected)),
  ],
  [
    "empty-body 401 on the user's token",
    reply({ status: 401, emptyBody: true, tokenSource: 'user' }),
    all(fatal(F.userTokenRejected)),
  ],
  [
    '401 on the service token (after the re-login)',
    reply({ status: 401, code: 401, tokenSource: 'service' }),
    all(retry(TF.serviceAuthFailed)),
  ],
  [
    'empty-body 401 on the service token (after the re-login)',
    reply({ status: 401, emptyBody: true }),
    all(retry(TF.serviceAuthFailed)),
  ],
  ['429', reply({ status: 429, code: 429 }), all(retry(TF.rateLimited))],
  ['error_code 429 on a 200', reply({ code: 429 }), all(retry(TF.rateLimited))],
  ['500', reply({ status: 500, code: 500 }), all(retry(TF.unavailable))],
  ['503 with an HTML body', reply({ status: 503, invalidBody: true }), all(retry(TF.unavailable))],
  ['502 with an empty body', reply({ status: 502, emptyBody: true }), all(retry(TF.unavailable))],
  ['408', reply({ status: 408 }), all(retry(TF.timeout))],
  ['200 with a non-JSON body', reply({ status: 200, invalidBody: true }), all(retry(TF.unrecognised))],
  ['200 with an empty body', reply({ status: 200, emptyBody: true }), all(retry(TF.unrecognised))],
  ['200 with {}', rawReply({}), all(retry(TF.unrecognised))],
  [
    '200 without error_code',
    reply({ noCode: true, data: { otpRequestId: 'o-1', isActive: true } }),
    all(retry(TF.unrecognised)),
  ],
  ['200 with a non-numeric string error_code', reply({ code: 'OK' }), all(retry(TF.unrecognised))],
  ['200 with an unmapped code', reply({ code: 9999, message: 'Something' }), all(retry(TF.unrecognised))],
  ['404 without a code (wrong base URL?)', reply({ status: 404 }), all(retry(TF.unrecognised))],
  ['302 with error_code null (a redirect is not a success)', reply({ status: 302 }), all(retry(TF.unrecognised))],
  // Legacy model: the error rides inside a success envelope.
  [
    'success envelope with data.errorMessage naming a wrong OTP',
    reply({ data: { isActive: false, errorMessage: 'Invalid OTP code' } }),
    [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'wrong_code' }), fatal(F.outOfOrder)],
  ],
  [
    'success envelope with data.errorMessage demanding re-validation',
    reply({ data: { errorMessage: 'Liveness re-validation is required' } }),
    [
      result({ livenessRequired: true }),
      fatal(F.outOfOrder),
      result({ outcome: 'liveness_required' }),
      fatal(F.outOfOrder),
    ],
  ],
  [
    'success envelope with data.errorMessage saying pending approval',
    reply({ data: { errorMessage: PENDING } }),
    all(fatal(F.requestNotApproved)),
  ],
  [
    'success envelope with an unreadable data.errorMessage',
    reply({ data: { isActive: true, errorMessage: 'Something went wrong' } }),
    all(retry(TF.unrecognised)),
  ],
];

describe('outcome table', () => {
  for (const [name, r, expectations] of ROWS) {
    OPS.forEach((op, i) => {
      const want = expectations[i]!;
      it(`${name} during ${op}`, () => {
        if ('result' in want) {
          expect(settle(op, r, anything, config)).toEqual({ kind: 'outcome', value: want.result });
        } else if ('confirm' in want) {
          expect(settle(op, r, anything, config)).toEqual({ kind: 'confirm' });
        } else {
          const f = failure(() => settle(op, r, anything, config));
          expect(f.type).toBe(want.type);
          expect(f.nonRetryable).toBe(!want.retryable);
          expect(f.message).toContain(op);
          expect(f.message).toContain('/api/x');
          if (want.type === TF.unrecognised)
            expect(f.details?.[0]).toMatchObject({ condition: 'unrecognised', op, answer: redactAnswer(r) });
        }
      });
    });
  }

  it('service login turns business failures into a retryable auth failure, keeps transient ones', () => {
    expect(failure(() => settle('serviceLogin', reply({ status: 400, code: 4000 }), anything, config)).type).toBe(
      TF.serviceAuthFailed,
    );
    const forbidden = failure(() => settle('serviceLogin', reply({ status: 403, code: 4031 }), anything, config));
    expect(forbidden.type).toBe(TF.serviceAuthFailed);
    expect(forbidden.nonRetryable).toBe(false);
    // The sandbox answers a wrong password with 401.
    const wrongPassword = failure(() =>
      settle(
        'serviceLogin',
        reply({ status: 401, code: 401, message: 'Invalid user name or password', tokenSource: 'none' }),
        anything,
        config,
      ),
    );
    expect(wrongPassword.type).toBe(TF.serviceAuthFailed);
    expect(wrongPassword.nonRetryable).toBe(false);
    expect(wrongPassword.message).toContain('VLENS_PASSWORD');
    expect(failure(() => settle('serviceLogin', reply({ status: 503 }), anything, config)).type).toBe(TF.unavailable);
  });
});

describe('success', () => {
  it('error_code null, 0 and "0" are success and data is parsed', () => {
    const schema = z.object({ otpRequestId: z.string() });
    for (const code of [null, 0, '0', ' 0 ']) {
      expect(settle('requestOtp', reply({ code, data: { otpRequestId: 'o-1', extra: 1 } }), schema, config)).toEqual({
        kind: 'success',
        data: { otpRequestId: 'o-1' },
      });
    }
  });

  it('a missing error_code is unrecognised, never success', () => {
    const schema = z.object({ otpRequestId: z.string() });
    const r = reply({ noCode: true, data: { otpRequestId: 'o-1' } });
    expect(classify(r, config)).toBe('unrecognised');
    const f = failure(() => settle('requestOtp', r, schema, config));
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(false);
    expect(f.details?.[0]).toMatchObject({
      answer: {
        httpStatus: 200,
        body: { error_code: 'absent', error_message: null, data: { otpRequestId: 'string(3)' } },
      },
    });
    expect(JSON.stringify(f.details)).not.toContain('o-1');
  });

  it('success needs a 2xx', () => {
    expect(classify(reply({ status: 200, code: 0 }), config)).toBe('success');
    expect(classify(reply({ status: 204, code: null }), config)).toBe('success');
    expect(classify(reply({ status: 302, code: 0 }), config)).toBe('unrecognised');
    expect(classify(reply({ status: 404, code: 0 }), config)).toBe('unrecognised');
  });

  it('the success codes come from config', () => {
    const custom = makeVlensConfig({ successCodes: [200] });
    expect(classify(reply({ code: 200 }), custom)).toBe('success');
    expect(classify(reply({ code: '200' }), custom)).toBe('success');
    expect(classify(reply({ code: 0 }), custom)).toBe('unrecognised');
    expect(classify(reply({ code: null }), custom)).toBe('unrecognised');
  });

  it('an empty or null data.errorMessage does not spoil a success', () => {
    expect(classify(reply({ data: { isActive: true, errorMessage: '' } }), config)).toBe('success');
    expect(classify(reply({ data: { isActive: true, errorMessage: '   ' } }), config)).toBe('success');
    expect(classify(reply({ data: { isActive: true, errorMessage: null } }), config)).toBe('success');
  });

  it('a 200 with a non-zero error_code is an error', () => {
    expect(classify(reply({ code: 4001 }), config)).toBe('wrongOtp');
    expect(classify(reply({ code: '4001' }), config)).toBe('wrongOtp');
  });

  it('success data of the wrong shape is a retryable unrecognised answer naming the path, not the value', () => {
    const f = failure(() =>
      settle('requestOtp', reply({ data: { otpRequestId: 123456 } }), z.object({ otpRequestId: z.string() }), config),
    );
    expect(f.type).toBe(TF.unrecognised);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('otpRequestId');
    expect(f.message).not.toContain('123456');
    expect(f.details?.[0]).toMatchObject({
      condition: 'unrecognised',
      op: 'requestOtp',
      answer: { body: { data: { otpRequestId: 'number' } } },
    });
    expect(JSON.stringify(f.details)).not.toContain('123456');
  });

  it('a success envelope whose message demands re-validation is re-validation', () => {
    expect(classify(reply({ message: 'Location changed, liveness revalidation required.' }), config)).toBe(
      'revalidationRequired',
    );
    expect(classify(reply({ code: 0, message: 'Liveness re-validation is needed' }), config)).toBe(
      'revalidationRequired',
    );
    // The liveness step's own success message must not be misread.
    expect(
      classify(reply({ data: 'Liveness re-validation successful. Proceed to OTP request.', code: 0 }), config),
    ).toBe('success');
    expect(classify(reply({ code: 0, message: 'Liveness re-validation successful.' }), config)).toBe('success');
  });
});

describe('classification details', () => {
  it('pending approval needs a configured code AND its message; HTTP 403 is not a token problem', () => {
    expect(classify(reply({ status: 403, code: 4030, message: PENDING }), config)).toBe('notApproved');
    expect(classify(reply({ status: 403, code: '403', message: 'PENDING APPROVAL' }), config)).toBe('notApproved');
    expect(classify(reply({ status: 403, code: 403 }), config)).toBe('unrecognised');
    expect(classify(reply({ status: 200, code: 4030, message: 'Request rejected' }), config)).toBe('rejected');
    // The message alone, with an unknown code, is read like any other message.
    expect(classify(reply({ status: 400, code: 7777, message: PENDING }), config)).toBe('notApproved');
    for (const tokenSource of ['service', 'user'] as const) {
      expect(isServiceTokenRejection(reply({ status: 403, code: 403, tokenSource }), config)).toBe(false);
      expect(isServiceTokenRejection(reply({ status: 403, code: 4030, message: PENDING, tokenSource }), config)).toBe(
        false,
      );
    }
  });

  it('any 401 not naming the ApiKey is the token (empty body included); only the service token is renewed', () => {
    expect(isServiceTokenRejection(reply({ status: 401, code: 401 }), config)).toBe(true);
    expect(isServiceTokenRejection(reply({ status: 401, emptyBody: true }), config)).toBe(true);
    expect(isServiceTokenRejection(reply({ status: 401, invalidBody: true }), config)).toBe(true);
    expect(isServiceTokenRejection(reply({ status: 401, code: 4001, message: 'Token expired' }), config)).toBe(true);
    expect(isServiceTokenRejection(reply({ status: 401, message: 'Invalid ApiKey' }), config)).toBe(false);
    expect(isServiceTokenRejection(reply({ status: 401, tokenSource: 'user' }), config)).toBe(false);
    expect(classify(reply({ status: 401, emptyBody: true, tokenSource: 'user' }), config)).toBe('userTokenRejected');
    expect(classify(reply({ status: 401, message: 'API KEY not valid', tokenSource: 'user' }), config)).toBe(
      'apiKeyRejected',
    );
    const custom = makeVlensConfig({ apiKeyMessagePattern: /clé/i });
    expect(classify(reply({ status: 401, message: 'Clé invalide' }), custom)).toBe('apiKeyRejected');
    expect(classify(reply({ status: 401, message: 'Invalid ApiKey' }), custom)).toBe('serviceTokenRejected');
  });

  it('codes come from config (several codes per condition), not literals', () => {
    const custom = makeVlensConfig({ codes: { wrongOtp: [17], revalidationRequired: [21, 22], notApproved: [99] } });
    expect(classify(reply({ code: 17 }), custom)).toBe('wrongOtp');
    expect(classify(reply({ code: 4001 }), custom)).toBe('unrecognised');
    expect(classify(reply({ code: 21 }), custom)).toBe('revalidationRequired');
    expect(classify(reply({ code: 22 }), custom)).toBe('revalidationRequired');
    expect(classify(reply({ status: 403, code: 99, message: PENDING }), custom)).toBe('notApproved');
    expect(classify(reply({ status: 403, code: 403, message: 'Forbidden' }), custom)).toBe('unrecognised');
    // Untouched conditions keep their defaults.
    expect(classify(reply({ code: 4031 }), custom)).toBe('rejected');
  });

  it('a message means a condition only when it matches every pattern of it', () => {
    expect(classify(reply({ code: 7777, message: 'liveness revalidation' }), config)).toBe('unrecognised');
    expect(classify(reply({ status: 422, code: 7777, message: 'You must REVALIDATE your liveness' }), config)).toBe(
      'revalidationRequired',
    );
    expect(classify(reply({ code: 7777, message: 'liveness check failed' }), config)).toBe('livenessFailed');
    expect(classify(reply({ code: 7777, message: 'Too many OTP attempts' }), config)).toBe('otpAttemptsExceeded');
    // The data of an error answer is not read as a message.
    expect(
      classify(reply({ status: 422, code: 7777, data: 'Please revalidate liveness, it is required' }), config),
    ).toBe('unrecognised');
  });

  it('messages are matched in table order, specific first', () => {
    // Both "expired" and "invalid" OTP patterns match; otpExpired comes first.
    expect(classify(reply({ code: 7777, message: 'OTP code is invalid or expired' }), config)).toBe('otpExpired');
    // "Re-validation failed" is livenessFailed, not the re-validation demand.
    expect(
      classify(reply({ code: 7777, message: 'Liveness re-validation failed, re-validation required' }), config),
    ).toBe('livenessFailed');
    expect(classify(reply({ data: { errorMessage: 'Maximum OTP attempts exceeded, code expired' } }), config)).toBe(
      'otpAttemptsExceeded',
    );
  });

  it('message patterns come from config', () => {
    const custom = makeVlensConfig({ messagePatterns: { ...config.messagePatterns, wrongOtp: [/falsch/i] } });
    expect(classify(reply({ code: 7777, message: 'Code ist falsch' }), custom)).toBe('wrongOtp');
    expect(classify(reply({ code: 7777, message: 'Invalid OTP code' }), custom)).toBe('unrecognised');
    expect(classify(reply({ data: { errorMessage: 'Code ist falsch' } }), custom)).toBe('wrongOtp');
    const noRevalidation = makeVlensConfig({
      messagePatterns: { ...config.messagePatterns, revalidationRequired: [] },
    });
    // Without its pattern the sentence names nothing: beside a success code it is unrecognised, never success.
    expect(classify(reply({ message: 'Liveness re-validation required' }), noRevalidation)).toBe('unrecognised');
  });

  it('a message beside a success code is success only when it is a success sentence', () => {
    expect(classify(reply({ message: 'OK' }), config)).toBe('success');
    expect(classify(reply({ message: 'Payment validated successfully.' }), config)).toBe('success');
    expect(classify(reply({ message: 'Something new happened' }), config)).toBe('unrecognised');
    expect(classify(reply({ message: 'Payment not successful' }), config)).toBe('unrecognised');
    expect(classify(reply({ message: '' }), config)).toBe('success');
    const german = makeVlensConfig({ successMessagePatterns: [[/^erfolg$/i]] });
    expect(classify(reply({ message: 'Erfolg' }), german)).toBe('success');
    expect(classify(reply({ message: 'OK' }), german)).toBe('unrecognised');
  });

  it('an unrecognised answer carries its redacted shape, never its values', () => {
    expect(redactAnswer(reply({ status: 200, emptyBody: true }))).toEqual({ httpStatus: 200, body: 'empty' });
    expect(redactAnswer(reply({ status: 200, invalidBody: true }))).toEqual({ httpStatus: 200, body: 'non-JSON body' });
    const r = reply({
      code: 9999,
      message: 'OTP 123456 for token abcdefghijklmnopqrstuvwxyzABCD',
      data: { otp: '123456', n: 5, ok: true, list: [1, 'ab'] },
    });
    const answer = redactAnswer(r);
    expect(answer).toEqual({
      httpStatus: 200,
      body: {
        error_code: 9999,
        error_message: 'OTP … for token …',
        data: { otp: 'string(6)', n: 'number', ok: true, list: ['number', 'string(2)'] },
      },
    });
    const f = failure(() => settle('validateOtp', r, anything, config));
    expect(f.details?.[0]).toMatchObject({ answer });
    expect(JSON.stringify(f.details)).not.toContain('123456');
    expect(f.message).not.toContain('123456');
  });

  it('429 honours Retry-After as nextRetryDelay (seconds and HTTP dates, capped)', () => {
    const f = failure(() =>
      settle('validatePayment', reply({ status: 429, code: 429, retryAfter: '7' }), anything, config),
    );
    expect(f.type).toBe(TF.rateLimited);
    expect(f.nextRetryDelay).toBe(7000);
    const none = failure(() => settle('validatePayment', reply({ status: 429 }), anything, config));
    expect(none.nextRetryDelay).toBeUndefined();
    expect(retryAfterMs('3600', 300_000)).toBe(300_000);
    expect(retryAfterMs(new Date(10_000 + 5_000).toUTCString(), 300_000, 10_000)).toBe(5000);
    expect(retryAfterMs('soon', 300_000)).toBeUndefined();
  });

  it('validation failures name the fields, never their values', () => {
    const f = failure(() =>
      settle(
        'validateOtp',
        reply({
          status: 400,
          code: 4000,
          message: 'otpCode 123456 is invalid',
          descriptions: [
            { field: 'otpCode', message: 'value 123456 is not valid' },
            { field: 'geoLocation.latitude', message: '91 out of range' },
          ],
        }),
        anything,
        config,
      ),
    );
    expect(f.type).toBe(F.invalidRequest);
    expect(f.message).toContain('otpCode, geoLocation.latitude');
    expect(f.message).not.toContain('123456');
    expect(f.message).not.toContain('91');
    expect(f.details?.[0]).toMatchObject({
      fields: ['otpCode', 'geoLocation.latitude'],
      httpStatus: 400,
      errorCode: 4000,
    });
  });

  it('fieldNames tolerates other shapes', () => {
    expect(fieldNames({ otpCode: ['bad'], requestId: 'bad' })).toEqual(['otpCode', 'requestId']);
    expect(fieldNames(['otpCode 123456 is bad'])).toEqual([]);
    expect(fieldNames(null)).toEqual([]);
    expect(fieldNames([{ Field: 'x' }, { field: 'has spaces and 1234' }])).toEqual(['x']);
  });

  it('Vlens messages are scrubbed of code- and token-like strings', () => {
    expect(scrub('OTP 123456 wrong')).toBe('OTP … wrong');
    expect(scrub('token eyJhbGciOiJIUzI1NiJ9abcdefghijkl expired')).toBe('token … expired');
    const f = failure(() =>
      settle('validateOtp', reply({ code: 4031, message: 'Request is rejected 98765' }), anything, config),
    );
    expect(f.message).toContain('Request is rejected …');
  });
});
