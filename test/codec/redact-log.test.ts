import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, REDACTED, redact, redactString } from '../../codec/redact';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('redact', () => {
  it('replaces every secret field, whatever its value, and keeps the rest', () => {
    const input = {
      requestId: 'b3c1f6a2-0d1e-4c55-9a53-5f0f6e1c2d3e',
      code: '482913',
      otpCode: 123456,
      image: 'iVBORw0KGgo',
      faces: ['a', 'b', 'c'],
      face_1: 'x',
      FACE_2: 'y',
      scanTransaction: { id: 1 },
      accessToken: 't',
      refreshToken: 'r',
      password: 'p',
      headers: { Authorization: 'Bearer abc', ApiKey: 'k', 'content-type': 'application/json' },
      device: { geoLocation: { latitude: 30.04, longitude: 31.23 }, userDeviceUtcTime: '2026-01-01T00:00:00Z' },
      location: { latitude: 1, longitude: 2, geoLocation: 'here' },
      state: 'awaiting_otp',
      attemptsLeft: 4,
      missing: undefined,
      accessTokenless: 'not-a-secret-name',
    };
    expect(redact(input)).toEqual({
      ...input,
      code: REDACTED,
      otpCode: REDACTED,
      image: REDACTED,
      faces: REDACTED,
      face_1: REDACTED,
      FACE_2: REDACTED,
      scanTransaction: REDACTED,
      accessToken: REDACTED,
      refreshToken: REDACTED,
      password: REDACTED,
      headers: { Authorization: REDACTED, ApiKey: REDACTED, 'content-type': 'application/json' },
      device: REDACTED,
      location: { latitude: REDACTED, longitude: REDACTED, geoLocation: REDACTED },
    });
    expect(input.code).toBe('482913'); // a copy, not a mutation
  });

  it('keeps null and undefined visible', () => {
    expect(redact({ accessToken: null, code: undefined })).toEqual({ accessToken: null, code: undefined });
  });

  it('handles cycles, arrays, bytes, dates, maps and errors', () => {
    const a: Record<string, unknown> = { name: 'a', list: [{ password: 'p' }] };
    a.self = a;
    a.bytes = randomBytes(10);
    a.when = new Date(0);
    a.map = new Map([
      ['accessToken', 'x'],
      ['ok', 'y'],
    ]);
    const out = redact(a) as Record<string, unknown>;
    expect(out.self).toBe('[circular]');
    expect(out.list).toEqual([{ password: REDACTED }]);
    expect(out.bytes).toBe('[binary 10 bytes]');
    expect(out.when).toEqual(new Date(0));
    expect(out.map).toEqual(
      new Map([
        ['accessToken', REDACTED],
        ['ok', 'y'],
      ]),
    );

    const error = Object.assign(new Error(`Vlens said no to Bearer ${JWT}`), { accessToken: 'leak', status: 401 });
    const e = redact(error) as Record<string, unknown>;
    expect(e.message).toBe(`Vlens said no to Bearer ${REDACTED}`);
    expect(e.accessToken).toBe(REDACTED);
    expect(e.status).toBe(401);
    expect(String(e.stack)).not.toContain(JWT);
  });

  it('a shared (non-cyclic) object is copied both times', () => {
    const shared = { n: 1 };
    expect(redact({ x: shared, y: shared })).toEqual({ x: { n: 1 }, y: { n: 1 } });
  });
});

describe('redactString', () => {
  it.each([
    [`Authorization: Bearer ${JWT}`, `Authorization: ${REDACTED}`],
    ['authorization=Bearer abc123', `authorization=${REDACTED}`],
    [`sent bearer abc.def-ghi to vlens`, `sent Bearer ${REDACTED} to vlens`],
    [`token ${JWT} expired`, `token ${REDACTED} expired`],
    ['{"code":"482913","state":"awaiting_otp"}', `{"code":${REDACTED},"state":"awaiting_otp"}`],
    ['otpCode=482913&x=1', `otpCode=${REDACTED}&x=1`],
    ['password: hunter2, user: bob', `password: ${REDACTED}, user: bob`],
    ['{"latitude":30.0444,"longitude":31.2357}', `{"latitude":${REDACTED},"longitude":${REDACTED}}`],
    ['your OTP is 482913', `your OTP is ${REDACTED}`],
    ['statusCode: 500, errorCode=not_found', 'statusCode: 500, errorCode=not_found'],
    [
      'request b3c1f6a2-0d1e-4c55-9a53-5f0f6e1c2d3e moved to awaiting_otp',
      'request b3c1f6a2-0d1e-4c55-9a53-5f0f6e1c2d3e moved to awaiting_otp',
    ],
  ])('%s', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it('removes long base64 (images)', () => {
    const img = randomBytes(3000).toString('base64');
    expect(redactString(`selfie=${img.slice(0, 500)} done`)).toBe(`selfie=${REDACTED} done`);
    expect(redactString(`"data":"${img}"`)).not.toContain(img.slice(0, 64));
  });
});

describe('REDACT_PATHS with the Fastify (pino) logger', () => {
  it('hides secrets in request-shaped log objects', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({ logger: { stream: sink, redact: { paths: REDACT_PATHS, censor: REDACTED } } });
    app.log.info(
      {
        req: {
          method: 'POST',
          url: '/v1/activations/x/otp',
          headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y' },
        },
        body: { code: '482913', device: { geoLocation: { latitude: 30.1, longitude: 31.2 } } },
        input: { payload: { accessToken: 'tok', image: 'AAAA' } },
        code: '999999',
      },
      'request',
    );
    const line = lines.join('');
    for (const secret of ['s3cret', 'k3y', '482913', '30.1', 'tok"', 'AAAA', '999999'])
      expect(line).not.toContain(secret);
    expect(line).toContain('/v1/activations/x/otp');
  });
});
