// Leaner histories for new activations (issue 15): the same behaviour with fewer events, behind one patch
// that is decided once, when the run starts. A run that started before it (no marker in its history) keeps
// the old way to its end, so it replays unchanged (test/histories/before-lean-history/); a run that started
// with it records one marker in its first workflow task and takes every lean path below.
//
// - The user-facing Vlens calls that are safe to repeat (validateOtp, revalidateLiveness) run as local
//   activities (vlens-steps.ts): the app's update completes in the workflow task it arrived in, one
//   marker event instead of an activity's three events and a second workflow task. A resend's or an
//   operator's OTP request stays an ordinary activity: a local one sends the SMS again when its workflow
//   task is lost.
// - The ActivationState search attribute is written for the states an activation rests in, not for the
//   two it only passes through on one Vlens call (PASSING_STATES in states.ts).
// - The main loop keeps one wake-up timer and re-arms it only when the time it must look again changes
//   (main-loop.ts), instead of starting and cancelling a timer on every turn.
// - Deleting liveness images at the end no longer asks a patch of its own when there are none.
import { patched } from '@temporalio/workflow';

/** The patch id in recorded histories; never rename it. */
export const LEAN_HISTORY_PATCH = 'lean-history';

/** Call once, at the start of the run (activation.ts), and keep the answer. */
export function leanHistory(): boolean {
  return patched(LEAN_HISTORY_PATCH);
}
