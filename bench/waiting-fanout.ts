// `npx tsx bench/waiting-fanout.ts`: what waiting callers cost an activation, before and after issue 27
// item 4, on a stack of its own (Temporal dev server, sandbox, worker; bench/lib/bench-context.ts).
//   per-caller: each long poll or stream holds its own `waitForChange` update, as the gateway did before
//               (ActivationClient.waitForChange called once per waiter);
//   shared:     one wait per activation per gateway, fanned out (gateway/change-watchers.ts).
// For each N waiters on one activation awaiting its OTP: does the OTP (an update) go through, how long it
// takes, how long until every waiter has the change, and how many updates the workflow accepted. Then 200
// long polls with `timeout=1ms` one after another: how many history events they added.
// Writes bench/results/waiting-fanout.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivationClient } from '../client/activation-client';
import { ChangeWatchers } from '../gateway/change-watchers';
import { closeBenchContext, percentile, round, startBenchContext, type BenchContext } from './lib/bench-context';
import { machineInfo } from './lib/machine';

const WAITERS = (process.env.BENCH_WAITERS ?? '10,50,100').split(',').map(Number);
const SHORT_POLLS = Number(process.env.BENCH_SHORT_POLLS ?? 200);
const device = () => ({
  geoLocation: { latitude: 30.0444, longitude: 31.2357 },
  userDeviceUtcTime: new Date().toISOString(),
});

type Mode = 'per-caller' | 'shared';
type Wait = (requestId: string, afterVersion: number, timeoutMs: number) => Promise<{ version: number }>;

async function awaitingOtp(ctx: BenchContext, activations: ActivationClient) {
  const seeded = await ctx.driver.seed();
  await ctx.driver.start(seeded);
  const otp = await ctx.driver.waitForOtp(seeded.requestId);
  let status = await activations.status(seeded.requestId);
  while (status.state !== 'awaiting_otp')
    status = await activations.waitForChange(seeded.requestId, { afterVersion: status.version, timeoutMs: 5_000 });
  return { requestId: seeded.requestId, code: otp.code, version: status.version };
}

async function waitUpdates(ctx: BenchContext, requestId: string): Promise<{ updates: number; events: number }> {
  const events = (await ctx.client.workflow.getHandle(`activation-${requestId}`).fetchHistory()).events ?? [];
  const updates = events.filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'waitForChange',
  ).length;
  return { updates, events: events.length };
}

async function fanOut(ctx: BenchContext, activations: ActivationClient, wait: Wait, waiters: number) {
  const { requestId, code, version } = await awaitingOtp(ctx, activations);
  const before = await waitUpdates(ctx, requestId);
  const seen: number[] = [];
  let t0 = 0;
  const waiting = Array.from({ length: waiters }, () =>
    wait(requestId, version, 30_000).then(
      (status) => {
        if (status.version !== version) seen.push(performance.now() - t0);
        return 'ok';
      },
      (error: Error) => `error: ${error.name}`,
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t0 = performance.now();
  let otp: string;
  try {
    const answer = await activations.submitOtp(requestId, { code, device: device() });
    otp = answer.outcome;
  } catch (error) {
    otp = `refused: ${(error as Error).name} ${(error as Error).message.slice(0, 80)}`;
  }
  const otpMs = performance.now() - t0;
  const ends = await Promise.all(waiting);
  const after = await waitUpdates(ctx, requestId);
  return {
    waiters,
    otp,
    otpMs: round(otpMs),
    waitersWithChange: seen.length,
    waiterErrors: ends.filter((e) => e !== 'ok').length,
    /** From sending the OTP until a waiter has the new status. */
    otpSentToWaiterP50Ms: round(percentile(seen, 50)),
    otpSentToWaiterMaxMs: round(percentile(seen, 100)),
    waitUpdatesAccepted: after.updates - before.updates,
  };
}

async function shortPolls(ctx: BenchContext, activations: ActivationClient, wait: Wait) {
  const { requestId, version } = await awaitingOtp(ctx, activations);
  const before = await waitUpdates(ctx, requestId);
  const t0 = performance.now();
  for (let i = 0; i < SHORT_POLLS; i++) await wait(requestId, version, 1);
  const seconds = (performance.now() - t0) / 1000;
  const after = await waitUpdates(ctx, requestId);
  return {
    polls: SHORT_POLLS,
    historyEventsAdded: after.events - before.events,
    waitUpdatesAccepted: after.updates - before.updates,
    pollsPerSecond: round(SHORT_POLLS / seconds),
  };
}

async function main(): Promise<void> {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'bench-waiting-'));
  const ctx = await startBenchContext({ runDir, log: (line) => console.log(line) });
  const activations = new ActivationClient({
    client: ctx.client,
    taskQueue: ctx.stack.taskQueue,
    updateTimeoutMs: 30_000,
  });
  const results: Record<Mode, { fanOut: unknown[]; shortPolls?: unknown }> = {
    'per-caller': { fanOut: [] },
    shared: { fanOut: [] },
  };
  try {
    for (const waiters of WAITERS) {
      for (const mode of ['per-caller', 'shared'] as Mode[]) {
        // A fresh set of watchers per run, as a fresh gateway process would have.
        const watchers = new ChangeWatchers(activations);
        const wait: Wait =
          mode === 'shared'
            ? (id, after, ms) => watchers.next(id, after, ms)
            : (id, after, ms) => activations.waitForChange(id, { afterVersion: after, timeoutMs: ms });
        const row = await fanOut(ctx, activations, wait, waiters);
        watchers.close();
        results[mode].fanOut.push(row);
        console.log(`${mode.padEnd(10)} ${JSON.stringify(row)}`);
      }
    }
    for (const mode of ['per-caller', 'shared'] as Mode[]) {
      const watchers = new ChangeWatchers(activations);
      const wait: Wait =
        mode === 'shared'
          ? (id, after, ms) => watchers.next(id, after, ms)
          : (id, after, ms) => activations.waitForChange(id, { afterVersion: after, timeoutMs: ms });
      results[mode].shortPolls = await shortPolls(ctx, activations, wait);
      watchers.close();
      console.log(`${mode.padEnd(10)} short polls ${JSON.stringify(results[mode].shortPolls)}`);
    }
  } finally {
    await activations.close().catch(() => undefined);
    await closeBenchContext(ctx);
  }
  const dir = path.resolve(new URL('results', import.meta.url).pathname);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'waiting-fanout.json');
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), machine: machineInfo(), results }, null, 2)}\n`,
  );
  console.log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
