// The benchmark's skeleton (bench/skeleton/) runs to completion on a real server with its own bundle,
// driven by the benchmark's own driver, and its history holds only what the skeleton claims: no search
// attribute upserts, no timers, no markers (bench/compare.ts compares the project against exactly this).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
// Default import: @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot detect.
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { skeletonActivities } from '../../bench/skeleton/activities';
import { bundleSkeletonWorkflows } from '../../bench/skeleton/bundle';
import { SkeletonDriver } from '../../bench/skeleton/driver';

let nativeConnection: NativeConnection;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `skeleton-${randomUUID()}`;

beforeAll(async () => {
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  connection = await connectGuarded({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: await bundleSkeletonWorkflows(),
    activities: skeletonActivities,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await nativeConnection?.close();
});

test('a skeleton activation completes with requestOtp, the submitOtp update, the signal and validatePayment only', async () => {
  const client = new Client({ connection, namespace: inject('temporalNamespace') });
  const driver = new SkeletonDriver(client, taskQueue);
  const { workflowId, times } = await driver.runOne();
  expect(times.submitOtp).toBeGreaterThan(0);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const E = proto.temporal.api.enums.v1.EventType;
  const events = history.events ?? [];
  const count = (t: proto.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === t).length;
  expect(count(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(3);
  expect(count(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(3);
  expect(count(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toBe(1);
  expect(count(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toBe(1);
  expect(count(E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(1);
  expect(count(E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).toBe(1);
  expect(
    count(E.EVENT_TYPE_TIMER_STARTED) +
      count(E.EVENT_TYPE_MARKER_RECORDED) +
      count(E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
  ).toBe(0);
});
