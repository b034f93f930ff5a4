// The activity factory the worker registers (design.md §6: activity factories with injected clients).
// The flavour is chosen here, once, from config; the workflow sees only VlensActivities.
import type { VlensConfig } from './config';
import type { VlensActivities } from './contract';
import { createCustomerSign } from './flavors/customer-sign';
import { createLegacyActivate } from './flavors/legacy-activate';
import { activityLogger, VlensHttpClient, type FetchLike, type VlensLogger } from './http';
import { noImageStore, type ResolveImage } from './images';

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
  const flavor = deps.config.flavor === 'legacy-activate' ? createLegacyActivate(flavorDeps) : createCustomerSign(flavorDeps);
  // Plain functions, so the worker can register the object as is (activity names = keys).
  return {
    requestOtp: (ctx) => flavor.requestOtp(ctx),
    revalidateLiveness: (ctx, images) => flavor.revalidateLiveness(ctx, images),
    validateOtp: (ctx, args) => flavor.validateOtp(ctx, args),
    validatePayment: (ctx) => flavor.validatePayment(ctx),
  };
}

export type * from './contract';
export { VLENS_FAILURE_TYPES, VLENS_TRANSIENT_FAILURE_TYPES } from './contract';
export { loadVlensConfig, makeVlensConfig, DEFAULT_VLENS_CODES, VlensConfigError } from './config';
export type { VlensConfig, VlensCodes, VlensApiFlavor, VlensConfigOverrides } from './config';
export { VlensHttpClient } from './http';
export type { FetchLike, VlensLogger } from './http';
export { BLOB_PREFIX, IMAGE_FAILURE_TYPES, type ResolveImage } from './images';
