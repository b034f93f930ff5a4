// The race the worker-kill chaos run found: the user's OTP code (an update) reaches the workflow in the
// same workflow task as the requestOtp activity's result. The SDK runs the update's validator before it
// applies the activity result, so the workflow still says `requesting_otp` although the SMS is out. The
// correct code must be accepted, and the history this writes must replay with the same code.
//
// The task is built deliberately: a workflow-only worker schedules requestOtp and stops; an activity-only
// worker completes it while no workflow worker polls; the update is sent then, so the server holds it for
// the same workflow task; a fresh worker (nothing cached) picks up the task holding both.
import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createActivities } from '../../activities';
import { makeVlensConfig } from '../../activities/config';
import { createImageActivities } from '../../activities/image-activities';
import { createDataConverter, imageStoreResolver } from '../../codec';
import { createActivationWorker } from '../../worker/create-worker';
import { activation } from '../../workflows';
import { submitOtpUpdate } from '../../workflows/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../../workflows/search-attributes';
import { workflowIdFor } from '../../workflows/types';
import { deviceAt, startHarness, type Harness } from './harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let h: Harness;
let connection: NativeConnection;

beforeAll(async () => {
  h = await startHarness();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
});

afterAll(async () => {
  await connection?.close();
  await h?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a correct OTP that arrives with the requestOtp result is accepted, and the history replays', async () => {
  const taskQueue = `race-${randomUUID()}`;
  const namespace = inject('temporalNamespace');
  const dataConverter = createDataConverter(h.keys);
  const workflowBundle = { codePath: inject('workflowBundlePath') };
  const vlensConfig = makeVlensConfig({ baseUrl: h.sandboxUrl, flavor: 'customer-sign', httpTimeoutMs: 3_000 });

  const seeded = await h.seed();
  const handle = await h.client.workflow.start(activation, {
    taskQueue,
    workflowId: workflowIdFor(seeded.requestId),
    args: [{ requestId: seeded.requestId, transactionId: seeded.transactionId, device: deviceAt(), accessToken: seeded.accessToken }],
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
  const activitiesOnly = await Worker.create({ connection, namespace, taskQueue, dataConverter, activities: createActivities({ config: vlensConfig }) });
  await activitiesOnly.runUntil(waitForEvent((e) => !!e.activityTaskCompletedEventAttributes));

  // 3. The user types the code now: the server holds the update for the same workflow task.
  const { code } = await h.latestOtp(seeded.requestId);
  const answer = handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }], updateId: `otp-${randomUUID()}` });
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
    expect(result.outcome).toBe('accepted');
    expect(result.status.state).toBe('awaiting_payment');
  });

  const history = await events();
  await handle.terminate('test finished');
  expect(history.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  // The same code, nothing cached, replays what it wrote.
  await Worker.runReplayHistory({ workflowBundle, dataConverter }, { events: history }, handle.workflowId);
});
