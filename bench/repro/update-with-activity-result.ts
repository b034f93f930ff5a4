// Reproduction of what the worker-kill and server-kill chaos runs found: a `submitOtp` update that reaches
// the workflow in the same workflow task as the requestOtp activity's result.
//
// Here (a fresh worker, nothing cached): the SDK applies the update before the activity result, so the
// validator still sees `requesting_otp` and refuses the update (the gateway answers 409 invalid_state),
// although the SMS is out and a status query answered with the pending result applied says `awaiting_otp`.
// The user's correct code is refused; the chaos runs saw exactly this (3 of 200 in worker-kill).
//
// The recorded history bench/repro/stuck-activation-history.json is the other order: the same situation,
// but the worker had applied the activity result first (it still had the run in its cache after a lost
// task completion, as far as the logs show), accepted the update, and wrote a history that the same code
// cannot replay ("[TMPRL1100] Nondeterminism error: Update machine does not handle this event"): on replay
// the update comes first. That activation is stuck until an operator resets it
// (`npx tsx bench/repro/replay-history.ts` shows the replay failure).
//
//   npx tsx bench/repro/update-with-activity-result.ts
//
// Steps: a workflow-only worker runs the first task (schedules requestOtp) and stops; an activity-only
// worker completes requestOtp while no workflow worker polls; the update is sent then (the server holds it
// for the next workflow task); a fresh workflow worker picks up the task holding both.
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, makeVlensConfig } from '../../activities';
import { createDataConverter, parseCodecKeys } from '../../codec';
import { paymentCompletedSignal, submitOtpUpdate } from '../../contract/messages';
import { eventTypeName } from '../lib/histories';
import { httpJson } from '../lib/http';
import { generateCodecKeySpec, LocalStack } from '../lib/stack';
import { device, TemporalDriver } from '../lib/temporal-driver';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  LocalStack.exitOnSignals();
  const log = (line: string) => console.log(line);
  const stack = await LocalStack.start({
    runDir: path.join(os.tmpdir(), 'vlens-repro', String(Date.now())),
    pieces: ['temporal', 'sandbox'],
    log,
  });
  const keys = parseCodecKeys(generateCodecKeySpec('repro'));
  const dataConverter = createDataConverter(keys, { namespace: 'default' });
  const connection = await connectGuarded({ address: stack.temporalAddress });
  const client = new Client({ connection, dataConverter });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const taskQueue = 'repro';
  const { bundleActivationWorkflows } = await import('../../worker/create-worker');
  const bundle = await bundleActivationWorkflows();
  const workflowWorker = () =>
    Worker.create({ connection: native, taskQueue, workflowBundle: bundle, dataConverter, maxCachedWorkflows: 10 });
  const activityWorker = () =>
    Worker.create({
      connection: native,
      taskQueue,
      activities: createActivities({ config: makeVlensConfig({ baseUrl: stack.sandboxUrl }) }),
      dataConverter,
    });
  const history = async (id: string) => (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const types = async (id: string) => (await history(id)).map((e) => eventTypeName(e.eventType));

  try {
    const driver = new TemporalDriver(client, stack.sandboxUrl, taskQueue);
    const seeded = await driver.seed();
    const handle = await driver.start(seeded);

    // 1. The first workflow task schedules requestOtp; then the workflow worker stops.
    const w1 = await workflowWorker();
    await w1.runUntil(async () => {
      while (!(await types(handle.workflowId)).includes('ACTIVITY_TASK_SCHEDULED')) await sleep(100);
    });
    log('1. first workflow task done: requestOtp scheduled; workflow worker stopped');

    // 2. requestOtp runs with no workflow worker polling: its result waits in a scheduled workflow task.
    const aw = await activityWorker();
    await aw.runUntil(async () => {
      while (!(await types(handle.workflowId)).includes('ACTIVITY_TASK_COMPLETED')) await sleep(100);
    });
    log('2. requestOtp completed (the SMS is out); its workflow task is not picked up yet');

    // 3. The user types the code now; the update waits for the same workflow task.
    const otp = (await httpJson(`${stack.sandboxUrl}/sandbox/requests/${seeded.requestId}/latest-otp`, 'GET')).body;
    const update = handle.executeUpdate(submitOtpUpdate, {
      args: [{ code: otp.code, device: device() }],
      updateId: 'otp-repro',
    });
    void update.catch(() => undefined);
    await sleep(1_000);

    // 4. A fresh workflow worker gets the task holding both the activity result and the update.
    const w2 = await workflowWorker();
    const answer = await w2.runUntil(async () => {
      const activityWorker2 = await activityWorker();
      return activityWorker2.runUntil(
        update.then(
          (a) => ({ outcome: a.outcome, state: a.status.state }),
          (e: unknown) => ({ error: String(e), cause: (e as { cause?: Error }).cause?.message }),
        ),
      );
    });
    log(`3. update answered: ${JSON.stringify(answer).slice(0, 300)}`);
    const events = await history(handle.workflowId);
    log(`   history: ${events.map((e) => `${e.eventId}:${eventTypeName(e.eventType)}`).join(' ')}`);

    // 5. Replay the recorded history with the same code.
    try {
      await Worker.runReplayHistory({ workflowBundle: bundle, dataConverter }, { events }, handle.workflowId);
      log(
        '4. replay of this history: OK (the update was refused, so there is no acceptance to misplace; see stuck-activation-history.json for the accepted case)',
      );
    } catch (error) {
      log(`4. replay: FAILED: ${(error instanceof Error ? error.message : String(error)).slice(0, 400)}`);
    }

    // 6. The live workflow on a worker without it in cache: the next task fails and is retried forever.
    const w3 = await workflowWorker();
    await w3.runUntil(async () => {
      await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'repro-nudge' });
      await sleep(5_000);
    });
    const failed = (await history(handle.workflowId)).filter((e) => e.workflowTaskFailedEventAttributes);
    for (const e of failed)
      log(`5. live workflow: WORKFLOW_TASK_FAILED: ${e.workflowTaskFailedEventAttributes?.failure?.message}`);
    if (failed.length === 0) log('5. live workflow: no workflow task failure; the user got a 409 for the right code');
  } finally {
    await native.close();
    await connection.close();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
