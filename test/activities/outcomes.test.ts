// The outcome table, row by row, with plain objects: every condition for every operation.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { makeVlensConfig } from '../../activities/config';
import { VLENS_FAILURE_TYPES as F, VLENS_TRANSIENT_FAILURE_TYPES as TF } from '../../activities/contract';
import {
  classify,
  fieldNames,
  isServiceTokenRejection,
  retryAfterMs,
  scrub,
  settle,
  type TokenSource,
  type VlensOp,
  type VlensReply,
} from '../../activities/outcomes';
import { envelopeSchema } from '../../activities/schemas';

const config = makeVlensConfig();

function reply(opts: {
  status?: number;
  code?: number | string | null;
  message?: string | null;
  data?: unknown;
  descriptions?: unknown;
  tokenSource?: TokenSource;
  retryAfter?: string;
  invalidBody?: boolean;
}): VlensReply {
  const envelope = envelopeSchema.parse({
    data: opts.data ?? null,
    error_code: opts.code ?? null,
    error_message: opts.message ?? null,
    error_descriptions: opts.descriptions,
  });
  return {
    path: '/api/x',
    httpStatus: opts.status ?? 200,
    retryAfter: opts.retryAfter ?? null,
    tokenSource: opts.tokenSource ?? 'service',
    body: opts.invalidBody ? { ok: false, reason: 'non-JSON body' } : { ok: true, envelope },
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
type Expect = { result: unknown } | { type: string; retryable: boolean };
const fatal = (type: string): Expect => ({ type, retryable: false });
const retry = (type: string): Expect => ({ type, retryable: true });
const result = (r: unknown): Expect => ({ result: r });

// [name, reply, expectation per op (requestOtp, revalidateLiveness, validateOtp, validatePayment)]
const ROWS: Array<[string, VlensReply, [Expect, Expect, Expect, Expect]]> = [
  [
    're-validation 4010',
    reply({ code: 4010, message: 'Location changed, liveness revalidation required.' }),
    [result({ livenessRequired: true }), fatal(F.outOfOrder), result({ outcome: 'liveness_required' }), fatal(F.outOfOrder)],
  ],
  [
    're-validation by message only (unknown code)',
    reply({ code: 7777, message: 'Location changed, liveness revalidation required.' }),
    [result({ livenessRequired: true }), fatal(F.outOfOrder), result({ outcome: 'liveness_required' }), fatal(F.outOfOrder)],
  ],
  [
    'liveness required 4012',
    reply({ code: 4012, message: 'Liveness re-validation required' }),
    [result({ livenessRequired: true }), fatal(F.outOfOrder), result({ outcome: 'liveness_required' }), fatal(F.outOfOrder)],
  ],
  ['wrong OTP 4001', reply({ code: 4001 }), [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'wrong_code' }), fatal(F.outOfOrder)]],
  ['OTP expired 4002', reply({ code: 4002 }), [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'expired' }), fatal(F.outOfOrder)]],
  ['OTP attempts exceeded 4003', reply({ code: 4003 }), [fatal(F.outOfOrder), fatal(F.outOfOrder), result({ outcome: 'locked' }), fatal(F.outOfOrder)]],
  [
    'liveness failed 4011',
    reply({ code: 4011, message: 'Liveness re-validation failed' }),
    [fatal(F.outOfOrder), result({ outcome: 'rejected' }), result({ outcome: 'liveness_rejected' }), fatal(F.outOfOrder)],
  ],
  ['OTP not validated 4013', reply({ code: 4013 }), [fatal(F.outOfOrder), fatal(F.outOfOrder), fatal(F.outOfOrder), fatal(F.outOfOrder)]],
  ['payment not completed 4020', reply({ code: 4020 }), [fatal(F.outOfOrder), fatal(F.outOfOrder), fatal(F.outOfOrder), result({ activated: false })]],
  [
    'not approved 403/4030',
    reply({ status: 403, code: 4030, message: 'This request is pending approval form admin' }),
    [fatal(F.requestNotApproved), fatal(F.requestNotApproved), fatal(F.requestNotApproved), fatal(F.requestNotApproved)],
  ],
  ['rejected 4031', reply({ code: 4031 }), [fatal(F.requestRejected), fatal(F.requestRejected), fatal(F.requestRejected), fatal(F.requestRejected)]],
  ['unknown request 404/4040', reply({ status: 404, code: 4040 }), [fatal(F.requestRejected), fatal(F.requestRejected), fatal(F.requestRejected), fatal(F.requestRejected)]],
  ['already signed 4032', reply({ code: 4032 }), [fatal(F.alreadySigned), fatal(F.alreadySigned), fatal(F.alreadySigned), result({ activated: true })]],
  ['validation 400/4000', reply({ status: 400, code: 4000 }), [fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest)]],
  ['validation 400 without a code', reply({ status: 400 }), [fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest)]],
  ['bad media type 415', reply({ status: 415 }), [fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest), fatal(F.invalidRequest)]],
  ['bad ApiKey 401', reply({ status: 401, code: 401 }), [retry(TF.apiKeyRejected), retry(TF.apiKeyRejected), retry(TF.apiKeyRejected), retry(TF.apiKeyRejected)]],
  [
    "403 on the user's token",
    reply({ status: 403, code: 403, tokenSource: 'user' }),
    [fatal(F.userTokenRejected), fatal(F.userTokenRejected), fatal(F.userTokenRejected), fatal(F.userTokenRejected)],
  ],
  [
    '403 on the service token (after the re-login)',
    reply({ status: 403, code: 403, tokenSource: 'service' }),
    [retry(TF.serviceAuthFailed), retry(TF.serviceAuthFailed), retry(TF.serviceAuthFailed), retry(TF.serviceAuthFailed)],
  ],
  ['429', reply({ status: 429, code: 429 }), [retry(TF.rateLimited), retry(TF.rateLimited), retry(TF.rateLimited), retry(TF.rateLimited)]],
  ['500', reply({ status: 500, code: 500 }), [retry(TF.unavailable), retry(TF.unavailable), retry(TF.unavailable), retry(TF.unavailable)]],
  ['503 with an HTML body', reply({ status: 503, invalidBody: true }), [retry(TF.unavailable), retry(TF.unavailable), retry(TF.unavailable), retry(TF.unavailable)]],
  ['408', reply({ status: 408 }), [retry(TF.timeout), retry(TF.timeout), retry(TF.timeout), retry(TF.timeout)]],
  [
    '200 with a non-JSON body',
    reply({ status: 200, invalidBody: true }),
    [retry(TF.malformedResponse), retry(TF.malformedResponse), retry(TF.malformedResponse), retry(TF.malformedResponse)],
  ],
  ['200 with an unmapped code', reply({ code: 9999, message: 'Something' }), [retry(TF.unexpected), retry(TF.unexpected), retry(TF.unexpected), retry(TF.unexpected)]],
  ['404 without a code (wrong base URL?)', reply({ status: 404 }), [retry(TF.unexpected), retry(TF.unexpected), retry(TF.unexpected), retry(TF.unexpected)]],
];

describe('outcome table', () => {
  for (const [name, r, expectations] of ROWS) {
    OPS.forEach((op, i) => {
      const want = expectations[i]!;
      it(`${name} during ${op}`, () => {
        if ('result' in want) {
          expect(settle(op, r, anything, config)).toEqual({ kind: 'outcome', value: want.result });
        } else {
          const f = failure(() => settle(op, r, anything, config));
          expect(f.type).toBe(want.type);
          expect(f.nonRetryable).toBe(!want.retryable);
          expect(f.message).toContain(op);
          expect(f.message).toContain('/api/x');
        }
      });
    });
  }

  it('service login turns business failures into a retryable auth failure, keeps transient ones', () => {
    expect(failure(() => settle('serviceLogin', reply({ status: 400, code: 4000 }), anything, config)).type).toBe(TF.serviceAuthFailed);
    const wrongPassword = failure(() => settle('serviceLogin', reply({ status: 403, code: 4031 }), anything, config));
    expect(wrongPassword.type).toBe(TF.serviceAuthFailed);
    expect(wrongPassword.nonRetryable).toBe(false);
    expect(failure(() => settle('serviceLogin', reply({ status: 503 }), anything, config)).type).toBe(TF.unavailable);
  });
});

describe('success', () => {
  it('error_code null and 0 are success and data is parsed', () => {
    const schema = z.object({ otpRequestId: z.string() });
    for (const code of [null, 0, '0']) {
      expect(settle('requestOtp', reply({ code, data: { otpRequestId: 'o-1', extra: 1 } }), schema, config)).toEqual({
        kind: 'success',
        data: { otpRequestId: 'o-1' },
      });
    }
  });

  it('a 200 with a non-zero error_code is an error', () => {
    expect(classify(reply({ code: 4001 }), config)).toBe('wrongOtp');
    expect(classify(reply({ code: '4001' }), config)).toBe('wrongOtp');
  });

  it('success data of the wrong shape is a retryable malformed-response failure naming the path, not the value', () => {
    const f = failure(() =>
      settle('requestOtp', reply({ data: { otpRequestId: 123456 } }), z.object({ otpRequestId: z.string() }), config),
    );
    expect(f.type).toBe(TF.malformedResponse);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('otpRequestId');
    expect(f.message).not.toContain('123456');
  });

  it('a success envelope whose message says re-validation is re-validation', () => {
    expect(classify(reply({ message: 'Location changed, liveness revalidation required.' }), config)).toBe('revalidationRequired');
    // The liveness step's own success message must not be misread.
    expect(classify(reply({ data: 'Liveness re-validation successful. Proceed to OTP request.', code: 0 }), config)).toBe('success');
  });
});

describe('classification details', () => {
  it('a configured code wins over the HTTP status (403 + 4030 is not a token problem)', () => {
    const r = reply({ status: 403, code: 4030 });
    expect(classify(r, config)).toBe('notApproved');
    expect(isServiceTokenRejection(r, config)).toBe(false);
    expect(isServiceTokenRejection(reply({ status: 403, code: 403 }), config)).toBe(true);
    expect(isServiceTokenRejection(reply({ status: 403, code: 403, tokenSource: 'user' }), config)).toBe(false);
  });

  it('codes come from config, not literals', () => {
    const custom = makeVlensConfig({ codes: { wrongOtp: 17, revalidationRequired: [21, 22] } });
    expect(classify(reply({ code: 17 }), custom)).toBe('wrongOtp');
    expect(classify(reply({ code: 4001 }), custom)).toBe('unexpected');
    expect(classify(reply({ code: 22 }), custom)).toBe('revalidationRequired');
  });

  it('re-validation by message needs every pattern', () => {
    expect(classify(reply({ code: 7777, message: 'liveness failed' }), config)).toBe('unexpected');
    expect(classify(reply({ status: 422, code: 7777, data: 'Please REVALIDATE liveness' }), config)).toBe('revalidationRequired');
  });

  it('429 honours Retry-After as nextRetryDelay (seconds and HTTP dates, capped)', () => {
    const f = failure(() => settle('validatePayment', reply({ status: 429, code: 429, retryAfter: '7' }), anything, config));
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
          descriptions: [{ field: 'otpCode', message: 'value 123456 is not valid' }, { field: 'geoLocation.latitude', message: '91 out of range' }],
        }),
        anything,
        config,
      ),
    );
    expect(f.type).toBe(F.invalidRequest);
    expect(f.message).toContain('otpCode, geoLocation.latitude');
    expect(f.message).not.toContain('123456');
    expect(f.message).not.toContain('91');
    expect(f.details?.[0]).toMatchObject({ fields: ['otpCode', 'geoLocation.latitude'], httpStatus: 400, errorCode: 4000 });
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
    const f = failure(() => settle('validateOtp', reply({ code: 4031, message: 'Request is rejected 98765' }), anything, config));
    expect(f.message).toContain('Request is rejected …');
  });
});
