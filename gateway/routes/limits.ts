// The rate limits of the app, backend and operator routes (issues 12 and 27), made once for the gateway so
// that routes of different audiences spend one budget where they share a limit (reads by a caller count
// whether they list or read one activation). Limits are keyed by the caller's tenant and the activation, so
// one tenant never uses up another's. Names are the counters' Redis prefixes: never rename one.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UPDATES } from '../../client';
import type { RateLimits } from '../config';
import { createLimit, type Limit, type LimitSpec } from '../rate-limit';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface RouteLimits {
  /** OTP submissions and resends per API key (or client secret). */
  perKey: Limit;
  otp: Limit;
  resend: Limit;
  /** Reads of one activation by one caller. */
  reads: Limit;
  /** Reads by one caller, of any activation. */
  callerReads: Limit;
  /** Starts of one requestId per hour that create a run (keyed by the body's requestId; backends.ts). */
  starts: Limit;
  /** A limit of `mutationsPerActivation` named `name` ("... for this activation" says `what`). */
  mutation(name: string, what: string): Limit;
}

/** `tenant:requestid` of the activation in the URL. */
const activationKey = (r: FastifyRequest) =>
  `${r.principal?.tenant ?? '-'}:${String((r.params as { requestId?: string }).requestId ?? '').toLowerCase()}`;
const callerKey = (r: FastifyRequest) => r.principal?.id;

export function createRouteLimits(app: FastifyInstance, rateLimits: RateLimits): RouteLimits {
  const perMinute = (
    name: string,
    max: number,
    what: string,
    keyOf: (r: FastifyRequest) => string | undefined = activationKey,
    whenSharedStoreFails: LimitSpec['whenSharedStoreFails'] = 'refuse',
  ) => createLimit(app, { name, max, timeWindowMs: MINUTE_MS, what, keyOf, whenSharedStoreFails });
  return {
    perKey: perMinute('otp-per-key', rateLimits.perApiKey, 'OTP requests for this API key', callerKey),
    otp: perMinute('otp', rateLimits.otpPerActivation, `${UPDATES.submitOtp.counted} for this activation`),
    resend: perMinute('resend', rateLimits.resendPerActivation, `${UPDATES.resendOtp.counted} for this activation`),
    // Reads (issue 27): per caller and activation, and per caller overall. They protect this gateway and
    // Temporal's query load, not an SMS, so a Redis outage counts them here instead of refusing them.
    reads: perMinute(
      'reads',
      rateLimits.readsPerActivation,
      'reads of this activation',
      (r) => `${r.principal?.id ?? '-'}|${activationKey(r)}`,
      'count-here',
    ),
    callerReads: perMinute(
      'reads-per-caller',
      rateLimits.readsPerCaller,
      'reads by this caller',
      callerKey,
      'count-here',
    ),
    // Keyed by the requestId in the body, and counted by the start itself just before it creates a run
    // (StartOptions.beforeCreate): each new run sends an SMS, so a start -> cancel -> start loop is bounded
    // here, while retries of a start whose activation runs are not counted (BENCHMARKS.md §8, worker-kill:
    // retried starts used to be refused for an hour).
    starts: createLimit(app, {
      name: 'starts',
      max: rateLimits.startsPerActivationPerHour,
      timeWindowMs: HOUR_MS,
      what: 'new runs of this activation',
      keyOf: (r) => {
        const requestId = (r.body as { requestId?: unknown } | undefined)?.requestId;
        return typeof requestId === 'string' ? `${r.principal?.tenant ?? '-'}:${requestId.toLowerCase()}` : undefined;
      },
    }),
    mutation: (name, what) => perMinute(name, rateLimits.mutationsPerActivation, what),
  };
}
