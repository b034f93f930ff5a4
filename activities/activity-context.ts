// What the Vlens client takes from the running Temporal activity, when there is one: its logger (which adds
// the workflow and activity ids) and its cancellation. Outside an activity (scripts, tests) both are absent.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

type LogMeta = Record<string, unknown>;
/** Structurally compatible with Temporal's Logger. */
export interface VlensLogger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity (scripts, tests)
  }
}

/** Logs through the running activity's logger (which adds workflow/activity ids), else nowhere. */
export const activityLogger: VlensLogger = {
  debug: (m, meta) => currentActivity()?.log.debug(m, meta),
  info: (m, meta) => currentActivity()?.log.info(m, meta),
  warn: (m, meta) => currentActivity()?.log.warn(m, meta),
  error: (m, meta) => currentActivity()?.log.error(m, meta),
};

export const currentActivityCancellation = (): AbortSignal | undefined => currentActivity()?.cancellationSignal;

/** Temporal aborts an activity's signal with a CancelledFailure; any other abort becomes one too. */
export function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Vlens call cancelled');
}

/** Awaits a shared promise, but lets this caller walk away when its own activity is cancelled. */
export function withCancellation<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
