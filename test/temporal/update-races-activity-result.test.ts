// The race the worker-kill chaos runs found: the user's answer to the OTP request (the code, or the
// selfies when Vlens demanded liveness) reaches the workflow in the same workflow task as the requestOtp
// activity's result. The SDK runs the update's validator before it applies the activity result, so the
// workflow still says `requesting_otp` although the SMS (or the liveness demand) is out. The answer must
// be accepted, and the history this writes must replay with the same code.
//
// The task is built deliberately: a workflow-only worker schedules requestOtp and stops; an activity-only
// worker completes it while no workflow worker polls; the update is sent then, so the server holds it for
// the same workflow task; a fresh worker (nothing cached) picks up the task holding both.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { expect, inject } from 'vitest';
import { createActivities } from '../../activities';
import { makeVlensConfig } from '../../activities/config';
import { createImageActivities } from '../../activities/image-activities';
import { createDataConverter, imageStoreResolver } from '../../codec';
import { createActivationWorker } from '../../worker/create-worker';
import { activation } from '../../workflows';
import { resendOtpUpdate, submitLivenessUpdate, submitOtpUpdate } from '../../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../contract/search-attributes';
import { REJECTION_TYPES, workflowIdFor } from '../../contract/types';
import { temporalTest } from './fixtures';
import { ALEXANDRIA, deviceAt } from './harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A connection of this file's own for the workers each case builds by hand. */
const test = temporalTest.extend<{ connection: NativeConnection }>({
  connection: [
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from its destructuring
    async ({}, use) => {
      const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
      await use(connection);
      await connection.close();
    },
    { scope: 'file' },
  ],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Distinct small "images" (valid base64); the sandbox rejects identical faces.
const selfie = (n: number) => Buffer.from(`race-selfie-${n}-${'x'.repeat(64)}`).toString('base64');

const cases = [
  { answer: 'a correct OTP', device: deviceAt(), expectedState: 'awaiting_payment' },
  // Accepted liveness sends the user on to a new OTP: the answer says the request for it is under way.
  { answer: 'liveness images', device: deviceAt(ALEXANDRIA), expectedState: 'requesting_otp' },
  // A resend is let through too, and then meets the cooldown of the OTP just sent: a 429 the app can
  // wait out, not a 409 that tells it the request is in the wrong state.
  { answer: 'a resend', device: deviceAt(), expectedState: 'awaiting_otp' },
] as const;

test.for(cases)(
  '$answer arriving with the requestOtp result is taken, and the history replays',
  async ({ answer: what, device, expectedState }, { harness: h, connection }) => {
    const taskQueue = `race-${randomUUID()}`;
    const namespace = inject('temporalNamespace');
    const dataConverter = createDataConverter(h.keys, { namespace: h.namespace });
    const workflowBundle = { codePath: inject('workflowBundlePath') };
    const vlensConfig = makeVlensConfig({ baseUrl: h.sandboxUrl, flavor: 'customer-sign', httpTimeoutMs: 3_000 });

    const seeded = await h.seed();
    const handle = await h.client.workflow.start(activation, {
      taskQueue,
      workflowId: workflowIdFor(seeded.requestId),
      args: [
        { requestId: seeded.requestId, transactionId: seeded.transactionId, device, accessToken: seeded.accessToken },
      ],
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: seeded.requestId },
      ],
    });
    const events = async (): Promise<HistoryEvent[]> => (await handle.fetchHistory()).events ?? [];
    const waitForEvent = async (has: (e: HistoryEvent) => boolean) => {
      const until = Date.now() + 20_000;
      while (!(await events()).some(has)) {
        if (Date.now() > until) throw new Error('the expected history event did not appear within 20 s');
        await sleep(100);
      }
    };

    // 1. The first workflow task schedules requestOtp; the workflow worker stops before the result.
    const workflowsOnly = await Worker.create({ connection, namespace, taskQueue, workflowBundle, dataConverter });
    await workflowsOnly.runUntil(waitForEvent((e) => !!e.activityTaskScheduledEventAttributes));

    // 2. requestOtp completes (the SMS goes out) while no workflow worker polls.
    const activitiesOnly = await Worker.create({
      connection,
      namespace,
      taskQueue,
      dataConverter,
      activities: createActivities({ config: vlensConfig }),
    });
    await activitiesOnly.runUntil(waitForEvent((e) => !!e.activityTaskCompletedEventAttributes));

    // 3. The user answers now: the server holds the update for the same workflow task.
    let answer: Promise<{ outcome: string; status: { state: string } }>;
    if (what === 'a correct OTP') {
      const { code } = await h.latestOtp(seeded.requestId);
      answer = handle.executeUpdate(submitOtpUpdate, { args: [{ code, device }], updateId: `otp-${randomUUID()}` });
    } else if (what === 'a resend') {
      answer = handle.executeUpdate(resendOtpUpdate, { args: [{ device }], updateId: `resend-${randomUUID()}` }).then(
        () => ({ outcome: 'sent', status: { state: 'awaiting_otp' } }),
        (error: unknown) => {
          const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
          return {
            outcome: cause instanceof ApplicationFailure ? `refused: ${cause.type}` : String(error),
            status: { state: 'awaiting_otp' },
          };
        },
      );
    } else {
      const images = [0, 1, 2, 3].map(selfie);
      for (const image of images) h.trackSecret(image, 'liveness image');
      const faces = [images[1]!, images[2]!, images[3]!] as [string, string, string];
      answer = handle.executeUpdate(submitLivenessUpdate, {
        args: [{ image: images[0]!, faces, device }],
        updateId: `liveness-${randomUUID()}`,
      });
    }
    answer.catch(() => undefined);
    await sleep(1_000);

    // 4. A fresh worker takes the task holding both.
    const worker = await createActivationWorker({
      connection,
      namespace,
      taskQueue,
      workflowBundle,
      dataConverter,
      activities: {
        ...createActivities({ config: vlensConfig, resolveImage: imageStoreResolver(h.imageStore) }),
        ...createImageActivities(h.imageStore),
      },
      shutdownGraceSeconds: 2,
    });
    await worker.runUntil(async () => {
      const result = await answer;
      expect(result.outcome).toBe(what === 'a resend' ? `refused: ${REJECTION_TYPES.resendCooldown}` : 'accepted');
      expect(result.status.state).toBe(expectedState);
    });

    const history = await events();
    await handle.terminate('test finished');
    expect(history.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    // The same code, nothing cached, replays what it wrote.
    await Worker.runReplayHistory({ workflowBundle, dataConverter }, { events: history }, handle.workflowId);
  },
);
