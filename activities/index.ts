// The activity factory the worker registers (activity factories with injected clients). The flavour is
// chosen here, once, from config; the workflow sees only VlensActivities.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { VlensConfig } from './config';
import { FAILURE_TYPES } from '../contract/rules';
import type { VlensActivities } from '../contract/activities';
import { createCustomerSign } from './flavors/customer-sign';
import { createLegacyActivate } from './flavors/legacy-activate';
import { activityLogger, type VlensLogger } from './activity-context';
import { VlensHttpClient } from './http';
import { noImageStore, type ResolveImage } from './images';
import type { VlensStep } from './reading-table';
import type { FetchLike } from './transport';

export interface ActivityDeps {
  config: VlensConfig;
  /** A ready client (shares its service token); built from `config` and `fetch` when absent. */
  http?: VlensHttpClient;
  fetch?: FetchLike;
  /** Resolves `blob:` image references; the default refuses them (no image store configured). */
  resolveImage?: ResolveImage;
  logger?: VlensLogger;
}

export function createActivities(deps: ActivityDeps): VlensActivities {
  const logger = deps.logger ?? activityLogger;
  const http = deps.http ?? new VlensHttpClient({ config: deps.config, fetch: deps.fetch, logger });
  const flavorDeps = { config: deps.config, http, resolveImage: deps.resolveImage ?? noImageStore, logger };
  const flavor =
    deps.config.flavor === 'legacy-activate' ? createLegacyActivate(flavorDeps) : createCustomerSign(flavorDeps);
  const bounded = <A extends unknown[], R>(step: VlensStep, run: (...args: A) => Promise<R>) =>
    boundUnrecognised(step, deps.config.unrecognisedMaxAttempts[step], run);
  // Plain functions, so the worker can register the object as is (activity names = keys).
  return {
    requestOtp: bounded('requestOtp', (ctx) => flavor.requestOtp(ctx)),
    revalidateLiveness: bounded('revalidateLiveness', (ctx, images) => flavor.revalidateLiveness(ctx, images)),
    validateOtp: bounded('validateOtp', (ctx, args) => flavor.validateOtp(ctx, args)),
    validatePayment: bounded('validatePayment', (ctx) => flavor.validatePayment(ctx)),
  };
}

/**
 * An unrecognised answer is retried by the activity's retry policy, but only `maxAttempts` times in all:
 * the last one is thrown non-retryable, and the workflow then hands the activation to an operator. The
 * bound lives here, not in the workflow's retry policies, because only this failure type is bounded.
 */
function boundUnrecognised<A extends unknown[], R>(
  step: VlensStep,
  maxAttempts: number,
  run: (...args: A) => Promise<R>,
) {
  return async (...args: A): Promise<R> => {
    try {
      return await run(...args);
    } catch (error) {
      if (
        !(error instanceof ApplicationFailure) ||
        error.type !== FAILURE_TYPES.vlensUnrecognisedAnswer ||
        error.nonRetryable
      )
        throw error;
      // A 2xx to StepRequestOtp may have sent an SMS: another try would send a second one and void the code
      // the customer is reading. So it is held at once; outages (5xx, timeouts) keep their retries.
      const noRetry = NO_RETRY_AFTER_2XX.has(step) && answeredWith2xx(error);
      if (!noRetry && currentAttempt() < maxAttempts) throw error;
      const why = noRetry
        ? `a 2xx to ${step} may have sent an SMS, so it is not repeated`
        : `attempt ${currentAttempt()} of ${maxAttempts} for ${step}`;
      throw ApplicationFailure.create({
        type: error.type,
        message: `${error.message} (${why}; an operator decides now)`,
        nonRetryable: true,
        details: error.details ?? [],
      });
    }
  };
}

/** Steps whose 2xx answer may already have done something the customer sees (an SMS). */
const NO_RETRY_AFTER_2XX: ReadonlySet<VlensStep> = new Set(['requestOtp']);

function answeredWith2xx(error: ApplicationFailure): boolean {
  const status = (error.details?.[0] as { httpStatus?: unknown } | undefined)?.httpStatus;
  return typeof status === 'number' && status >= 200 && status < 300;
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (scripts, unit tests): one call is one attempt
  }
}

// The folder's public surface (.dependency-cruiser.mjs): other folders import activities/ only from here.
export type * from '../contract/activities';
export { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from '../contract/activities';
export { loadVlensConfig, makeVlensConfig, VlensConfigError } from './config';
export type { VlensConfig, VlensApiFlavor, VlensConfigOverrides } from './config';
export { DEFAULT_VLENS_CODES } from './reading-table';
export type { VlensCodes } from './reading-table';
export { VlensHttpClient } from './http';
export { createImageActivities } from './image-activities';
export { undiciFetchVia } from './transport';
export { createWebhookActivities } from './webhook-activities';
export type { VlensLogger } from './activity-context';
export type { FetchLike } from './transport';
export { BLOB_PREFIX, IMAGE_FAILURE_TYPES, type ResolveImage } from './images';
