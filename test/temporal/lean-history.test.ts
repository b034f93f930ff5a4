// What the lean-history patch (workflows/lean-history.ts) writes, read from the histories of real runs:
// the repeatable user steps as local-activity markers (never an SMS), the ActivationState search attribute
// only for the states an activation waits in, and the main loop's wake-up timer cancelled only when the time
// to look again moved.
// Runs from before the patch are covered by the replay corpus (test/histories/before-lean-history/).
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect } from 'vitest';
import { LEAN_HISTORY_PATCH } from '../../workflows/lean-history';
import { resendOtpUpdate, submitLivenessUpdate } from '../../contract/messages';
import { ALEXANDRIA, deviceAt } from './harness';
import { payAndNotify, submitInboxOtp } from './scenario-helpers';
import { temporalTest as test } from './fixtures';

const { EventType } = temporal.api.enums.v1;

interface HistoryFacts {
  patches: string[];
  localActivityMarkers: number;
  activitiesScheduled: string[];
  statesWritten: string[];
  timersStarted: number;
  timersCancelled: number;
}

async function historyFacts(handle: WorkflowHandle): Promise<HistoryFacts> {
  const facts: HistoryFacts = {
    patches: [],
    localActivityMarkers: 0,
    activitiesScheduled: [],
    statesWritten: [],
    timersStarted: 0,
    timersCancelled: 0,
  };
  const text = (data?: Uint8Array | null) => JSON.parse(Buffer.from(data ?? []).toString('utf8')) as unknown;
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_patch') {
      facts.patches.push((text(marker.details?.['patch-data']?.payloads?.[0]?.data) as { id: string }).id);
    }
    if (marker?.markerName === 'core_local_activity') facts.localActivityMarkers++;
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) facts.activitiesScheduled.push(scheduled);
    const state = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.ActivationState;
    if (state) facts.statesWritten.push(text(state.data) as string);
    if (event.eventType === EventType.EVENT_TYPE_TIMER_STARTED) facts.timersStarted++;
    if (event.eventType === EventType.EVENT_TYPE_TIMER_CANCELED) facts.timersCancelled++;
  }
  return facts;
}

describe('lean history', () => {
  test('happy path: validateOtp as a local activity, no "activating" written, one timer cancelled', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    const accepted = await submitInboxOtp(h, handle, seeded);
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');

    const facts = await historyFacts(handle);
    expect(facts.patches).toEqual([LEAN_HISTORY_PATCH]);
    expect(facts.localActivityMarkers).toBe(1);
    expect(facts.activitiesScheduled).toEqual(['requestOtp', 'validatePayment']);
    // The starter set requesting_otp; "activating" (one payment check) is not written.
    expect(facts.statesWritten).toEqual(['awaiting_otp', 'awaiting_payment', 'activated']);
    // The OTP expiry timer gave way to the reconciliation timer; the activated run left that one running.
    expect(facts.timersStarted).toBe(2);
    expect(facts.timersCancelled).toBe(1);
  });

  test('liveness: the selfies as a local activity, and no "requesting_otp" written after them', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const far = deviceAt(ALEXANDRIA);
    const handle = await h.start(seeded, { device: far });
    await h.waitForState(handle, 'awaiting_liveness');
    // Distinct small "images" (valid base64): the sandbox rejects identical faces.
    const [image, ...faces] = [0, 1, 2, 3].map((n) => Buffer.from(`selfie-${n}-${'x'.repeat(64)}`).toString('base64'));
    const answer = await handle.executeUpdate(submitLivenessUpdate, {
      args: [{ image: image!, faces: faces as [string, string, string], device: far }],
    });
    expect(answer.outcome).toBe('accepted');
    const accepted = await submitInboxOtp(h, handle, seeded, far);
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');

    const facts = await historyFacts(handle);
    expect(facts.localActivityMarkers).toBe(2); // revalidateLiveness, validateOtp
    expect(facts.activitiesScheduled).not.toContain('revalidateLiveness');
    expect(facts.activitiesScheduled).not.toContain('validateOtp');
    expect(facts.statesWritten).toEqual(['awaiting_liveness', 'awaiting_otp', 'awaiting_payment', 'activated']);
  });

  test('a resend sends its SMS through an ordinary activity, so a lost workflow task never sends it again', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded, { policy: { resendCooldown: 0 } });
    await h.waitForState(handle, 'awaiting_otp');
    const first = await h.latestOtp(seeded.requestId);
    await handle.executeUpdate(resendOtpUpdate, { args: [{ device: deviceAt() }] });
    expect((await h.latestOtp(seeded.requestId)).otpRequestId).not.toBe(first.otpRequestId);
    const accepted = await submitInboxOtp(h, handle, seeded);
    await payAndNotify(h, handle, accepted.status);
    expect((await handle.result()).state).toBe('activated');

    const facts = await historyFacts(handle);
    expect(facts.activitiesScheduled).toEqual(['requestOtp', 'requestOtp', 'validatePayment']);
    expect(facts.localActivityMarkers).toBe(1); // validateOtp
  });
});
