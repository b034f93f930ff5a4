// One table from Temporal's errors to the client's typed errors, and from those to HTTP answers.
import { QueryNotRegisteredError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { describe, expect, test } from 'vitest';
import { toActivationError } from '../../client/error-mapping';
import {
  ActivationEnded,
  ActivationNotFound,
  AlreadyActivated,
  InvalidInput,
  InvalidState,
  ResendCooldown,
  SendsExhausted,
  TemporalUnavailable,
  UnexpectedActivationError,
  VlensUnavailable,
} from '../../client/errors';
import { toHttpAnswer, GatewayError } from '../../gateway/http-errors';
import { exitCodeFor, EXIT } from '../../client/cli';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const rejected = (type: string, details?: unknown) =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({
      type,
      message: `${type} happened`,
      nonRetryable: true,
      ...(details !== undefined ? { details: [details] } : {}),
    }),
  );

describe('Temporal -> typed errors', () => {
  test('each rejection type of the workflow has its class and details', () => {
    const input = toActivationError(
      rejected('InvalidInput', [{ field: 'code', message: 'must be 4 to 8 digits' }]),
      REQUEST,
    );
    expect(input).toBeInstanceOf(InvalidInput);
    expect((input as InvalidInput).problems).toEqual([{ field: 'code', message: 'must be 4 to 8 digits' }]);
    // A single-field object (the token rejection) becomes a one-item list.
    expect(
      (toActivationError(rejected('InvalidInput', { field: 'accessToken' }), REQUEST) as InvalidInput).problems[0]
        ?.field,
    ).toBe('accessToken');

    const state = toActivationError(
      rejected('InvalidState', { state: 'awaiting_liveness', expected: ['awaiting_otp'] }),
      REQUEST,
    );
    expect(state).toBeInstanceOf(InvalidState);
    expect((state as InvalidState).state).toBe('awaiting_liveness');

    const cooldown = toActivationError(
      rejected('ResendCooldown', { resendAvailableAt: '2030-01-01T00:00:30.000Z' }),
      REQUEST,
    );
    expect(cooldown).toBeInstanceOf(ResendCooldown);
    expect((cooldown as ResendCooldown).resendAvailableAt).toBe('2030-01-01T00:00:30.000Z');
    expect((cooldown as ResendCooldown).retryAfterSeconds(Date.parse('2030-01-01T00:00:00.200Z'))).toBe(30);

    expect(toActivationError(rejected('SendsExhausted'), REQUEST)).toBeInstanceOf(SendsExhausted);
    const ended = toActivationError(
      rejected('ActivationEnded', { state: 'failed', failureReason: 'otp_expired' }),
      REQUEST,
    );
    expect(ended).toBeInstanceOf(ActivationEnded);
    expect(ended).toBeInstanceOf(InvalidState);
    expect((ended as ActivationEnded).failureReason).toBe('otp_expired');
    expect(toActivationError(rejected('VlensUnavailable'), REQUEST)).toBeInstanceOf(VlensUnavailable);
    expect(toActivationError(rejected('SomethingNew'), REQUEST)).toBeInstanceOf(UnexpectedActivationError);
  });

  test('not found, unreachable, and anything else', () => {
    expect(toActivationError(new WorkflowNotFoundError('gone', 'activation-x', undefined), REQUEST)).toBeInstanceOf(
      ActivationNotFound,
    );
    const grpc = (code: number) => Object.assign(new Error('grpc'), { code, details: 'x', metadata: {} });
    expect(toActivationError(grpc(14), REQUEST)).toBeInstanceOf(TemporalUnavailable);
    expect(toActivationError(grpc(4), REQUEST)).toBeInstanceOf(TemporalUnavailable);
    // An update refused because the activation's workflow task is failing: retryable, not a 500.
    const failing = toActivationError(Object.assign(grpc(9), { details: 'Workflow Task in failed state.' }), REQUEST);
    expect(failing).toBeInstanceOf(TemporalUnavailable);
    expect(failing.message).toMatch(/workflow task is failing/);
    const unanswerable = new QueryNotRegisteredError(
      '[TMPRL1100] Nondeterminism error: Update machine does not handle this event',
      3,
    );
    expect(toActivationError(unanswerable, REQUEST)).toBeInstanceOf(TemporalUnavailable);
    expect(toActivationError(new Error('boom'), REQUEST)).toBeInstanceOf(UnexpectedActivationError);
    const typed = new AlreadyActivated(REQUEST);
    expect(toActivationError(typed, REQUEST)).toBe(typed);
  });
});

describe('typed errors -> HTTP and exit codes', () => {
  const request = { url: '/v1/activations/x/otp', routeOptions: { bodyLimit: 16384 } } as unknown as FastifyRequest;
  const cases: Array<[Error, number, string, number]> = [
    [new ActivationNotFound(REQUEST), 404, 'not_found', EXIT.notFound],
    [new InvalidState('no'), 409, 'invalid_state', EXIT.invalidState],
    [new ActivationEnded('over', { state: 'failed' }), 409, 'invalid_state', EXIT.invalidState],
    [new AlreadyActivated(REQUEST), 409, 'already_activated', EXIT.invalidState],
    [new SendsExhausted(), 409, 'sends_exhausted', EXIT.invalidState],
    [new ResendCooldown(new Date(Date.now() + 20_000).toISOString()), 429, 'resend_cooldown', EXIT.invalidState],
    [new InvalidInput('bad', [{ field: 'code', message: 'm' }]), 422, 'invalid_request', EXIT.invalidInput],
    [new VlensUnavailable('slow'), 503, 'vlens_unavailable', EXIT.other],
    [new TemporalUnavailable('down'), 503, 'temporal_unavailable', EXIT.other],
    [new UnexpectedActivationError('secret internals'), 500, 'internal', EXIT.other],
  ];
  test.each(cases)('%s -> %i %s', (error, status, code, exit) => {
    const answer = toHttpAnswer(error, request);
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(exitCodeFor(error)).toBe(exit);
  });

  test('Retry-After for the cooldown; details kept; internals hidden', () => {
    const cooldown = toHttpAnswer(new ResendCooldown(new Date(Date.now() + 20_000).toISOString()), request);
    expect(Number(cooldown.headers['retry-after'])).toBeGreaterThanOrEqual(19);
    expect(
      toHttpAnswer(new InvalidInput('bad', [{ field: 'code', message: 'm' }]), request).body.error.details,
    ).toEqual([{ field: 'code', message: 'm' }]);
    expect(toHttpAnswer(new UnexpectedActivationError('secret internals'), request).body.error.message).toBe(
      'internal error',
    );
    expect(toHttpAnswer(new Error('anything'), request).body.error).toEqual({
      code: 'internal',
      message: 'internal error',
    });
  });

  test('Fastify parser errors keep their meaning', () => {
    const fastifyError = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    expect(toHttpAnswer(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), request).body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/16384 bytes/),
    });
    expect(toHttpAnswer(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), request).statusCode).toBe(415);
    expect(
      toHttpAnswer(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 }), request).body.error.code,
    ).toBe('bad_request');
    expect(toHttpAnswer(new GatewayError(401, 'bad_signature', 'nope'), request).statusCode).toBe(401);
  });
});
