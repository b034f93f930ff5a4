// Adapts an ImageStore to the activities' `ResolveImage` hook. A missing or malformed reference will
// not appear on retry, so it becomes a non-retryable ApplicationFailure; other errors (disk, keys)
// stay plain so the activity layer retries them.
//
// References are bound to their activation (issue 12): the activity resolving one runs for a workflow
// `activation-<requestId>`, and the store refuses a reference stored for any other requestId, so a
// caller who learns another activation's `blob:` reference cannot have it sent to Vlens as its own.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ImageNotFound, type ImageStore } from './image-store';

/** The workflow id prefix of activations (contract/types.ts workflowIdFor). */
const ACTIVATION_WORKFLOW_PREFIX = 'activation-';

export interface ImageResolverOptions {
  /**
   * The activation the current call works for. Default: read from the running activity's workflow id;
   * undefined outside an activity (then the reference is not checked against an activation).
   */
  activationOf?: () => string | undefined;
}

function currentActivation(): string | undefined {
  let workflowId: string | undefined;
  try {
    workflowId = Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined; // not inside an activity
  }
  if (workflowId === undefined) return undefined;
  return workflowId.startsWith(ACTIVATION_WORKFLOW_PREFIX)
    ? workflowId.slice(ACTIVATION_WORKFLOW_PREFIX.length)
    : workflowId;
}

export function imageStoreResolver(
  store: ImageStore,
  options: ImageResolverOptions = {},
): (ref: string) => Promise<string> {
  const activationOf = options.activationOf ?? currentActivation;
  return async (ref) => {
    try {
      return await store.get(ref, activationOf());
    } catch (error) {
      if (error instanceof ImageNotFound) {
        throw ApplicationFailure.create({ type: 'ImageNotFound', message: error.message, nonRetryable: true });
      }
      throw error;
    }
  };
}
