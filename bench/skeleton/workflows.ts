// The skeleton: the activation's interaction with nothing else in it, so the benchmark can say what this
// machine and this Temporal server can do at best (bench/compare.ts). start -> requestOtp -> a submitOtp
// update that runs validateOtp -> a paymentCompleted signal -> validatePayment -> complete. Plain JSON (no
// codec), no search attributes, no timers (condition() without a timeout starts none), no patches, no
// status record. Bundled on its own (bench/skeleton/bundle.ts), never with the project's workflows/.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SkeletonActivities } from './activities';

export const SKELETON_WORKFLOW_TYPE = 'skeletonActivation';

export interface SkeletonInput {
  requestId: string;
}

export const skeletonSubmitOtpUpdate = defineUpdate<{ accepted: boolean }, [{ code: string }]>('submitOtp');
export const skeletonPaymentCompletedSignal = defineSignal<[{ eventId: string }]>('paymentCompleted');

// The same timeout as the project's background Vlens calls (workflows/vlens-steps.ts); retries left at
// the SDK default, since a no-op never fails.
const { requestOtp, validateOtp, validatePayment } = proxyActivities<SkeletonActivities>({
  startToCloseTimeout: '30s',
});

export async function skeletonActivation(input: SkeletonInput): Promise<{ state: 'activated' }> {
  let otpSent = false;
  let otpAccepted = false;
  let paid = false;
  // Accepted in any state and held until the OTP has gone out, as the project's handler waits for the
  // main loop (workflows/activation.ts): a driver may send the code while requestOtp's result is recorded.
  setHandler(skeletonSubmitOtpUpdate, async ({ code }) => {
    await condition(() => otpSent);
    otpAccepted = await validateOtp(input.requestId, code);
    return { accepted: otpAccepted };
  });
  setHandler(skeletonPaymentCompletedSignal, () => {
    paid = true;
  });
  await requestOtp(input.requestId);
  otpSent = true;
  await condition(() => otpAccepted && paid);
  await validatePayment(input.requestId);
  return { state: 'activated' };
}
