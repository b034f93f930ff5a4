// CancellationScopes whose run() settles with fewer promises than the SDK's. The SDK's runInContext is an async
// function that awaits `fn()`: two promises (its own and the await's) for one turn after fn's promise settles.
// - LeanScope takes that same turn with one `.then` on fn's promise: a drop-in for the SDK's scope.
// - BareScope hands back fn's own promise, a turn earlier than the SDK's: for callers that take the SDK's turn
//   themselves (the wake-up timer and the main loop in main-loop.ts, the payment check in payment/payment.ts).
import { CancellationScope } from '@temporalio/workflow';

export class LeanScope extends CancellationScope {
  protected override runInContext<T>(fn: () => Promise<T>): Promise<T> {
    if (this.timeout) return super.runInContext(fn); // the SDK's own timer for it: not needed here
    let running: Promise<T>;
    try {
      running = fn();
    } catch (error) {
      return Promise.reject(error as Error); // where the async function rejected: at once
    }
    return running.then(sameValue);
  }
}

export class BareScope extends CancellationScope {
  protected override runInContext<T>(fn: () => Promise<T>): Promise<T> {
    if (this.timeout) return super.runInContext(fn); // the SDK's own timer for it: not needed here
    return fn();
  }
}

function sameValue<T>(value: T): T {
  return value;
}
