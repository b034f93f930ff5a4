// Parked activations: many activations started and left waiting for the OTP (as users who never type it
// in yet), the worker's memory watched while they wait, then a sample of them resumed and completed. The
// worker's workflow cache is bounded (WORKER_MAX_CACHED_WORKFLOWS), so parked activations beyond it are
// evicted and replayed from history when they are resumed.
import { workflowIdFor } from '../contract/types';
import type { BenchContext } from './lib/bench-context';
import { percentile, pool, round, rssMb } from './lib/bench-context';
import { settledRss } from './lib/compare';
import { httpJson } from './lib/http';
import type { Seeded } from './lib/temporal-driver';

export interface ParkedResult {
  parked: number;
  resumed: number;
  workerEnv: Record<string, string>;
  startSeconds: number;
  startsPerSecond: number;
  /** Starts that failed and were tried again (a loaded dev server timing out). */
  startRetries?: number;
  /** From the first start until every activation was waiting for its OTP. */
  parkSeconds: number;
  rssMb: {
    beforeStart?: number;
    peakWhileParking: number;
    whileParked: number[];
    peakWhileResuming: number;
    afterResume?: number;
  };
  resume: {
    seconds: number;
    perSecond: number;
    submitOtp: { p50: number; p95: number; p99: number };
    total: { p50: number; p95: number; p99: number };
    errors: number;
  };
  goal: { rssMb: number; met: boolean };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runParkedBenchmark(
  ctx: BenchContext,
  options: { count: number; resume: number; workerEnv: Record<string, string> },
): Promise<ParkedResult> {
  const { count } = options;
  const workerPid = () => ctx.stack.pid('worker');
  ctx.log(`parked: starting ${count} activations and leaving them at awaiting_otp; then resuming ${options.resume}`);
  const rss = {
    beforeStart: rssMb(workerPid()),
    peakWhileParking: 0,
    whileParked: [] as number[],
    peakWhileResuming: 0,
    afterResume: undefined as number | undefined,
  };
  let sampling: 'parking' | 'resuming' | 'off' = 'parking';
  const sampler = setInterval(() => {
    const mb = rssMb(workerPid()) ?? 0;
    if (sampling === 'parking') rss.peakWhileParking = Math.max(rss.peakWhileParking, mb);
    if (sampling === 'resuming') rss.peakWhileResuming = Math.max(rss.peakWhileResuming, mb);
  }, 500);

  // Long OTP life and deadline, so nothing expires while they wait.
  const policy = { otpTtl: '3h', resendCooldown: '30s' };
  const seeds: Seeded[] = [];
  const t0 = performance.now();
  let started = 0;
  const ticker = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    ctx.log(
      `  ${s.toFixed(0)}s: ${started}/${count} started (${(started / s).toFixed(0)}/s), worker RSS ${rssMb(workerPid())} MB`,
    );
  }, 10_000);
  let startRetries = 0;
  await pool(
    Array.from({ length: count }, (_, i) => i),
    40,
    async () => {
      // A dev server on a shared, overloaded machine can time a start out (its SQLite writes queue up);
      // one such start must not end a run that has parked thousands. Retried for the same request, then
      // given up loudly.
      let seeded: Seeded | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          seeded ??= await ctx.driver.seed();
          // The driver starts with USE_EXISTING: a start that did reach the server is not doubled.
          await ctx.driver.start(seeded, { policy });
          seeds.push(seeded);
          started++;
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          startRetries++;
          if (startRetries <= 5)
            ctx.log(
              `    start failed (attempt ${attempt}), retrying: ${error instanceof Error ? error.message : String(error)}`,
            );
          await sleep(1_000 * attempt);
        }
      }
    },
  );
  clearInterval(ticker);
  const startSeconds = (performance.now() - t0) / 1000;
  ctx.log(
    `  all ${count} started in ${startSeconds.toFixed(0)}s (${(count / startSeconds).toFixed(1)}/s); waiting until every one has sent its OTP...`,
  );

  // Parked = the OTP went out (the workflow moves to awaiting_otp in the task that records it). Counted on
  // the server's visibility store, not by querying workflows (which would pull them into the worker's cache).
  for (;;) {
    const waiting = (await ctx.client.workflow.count(`ActivationState = 'awaiting_otp'`)).count;
    const s = (performance.now() - t0) / 1000;
    if (waiting >= count) break;
    ctx.log(`  ${s.toFixed(0)}s: ${waiting}/${count} parked at awaiting_otp, worker RSS ${rssMb(workerPid())} MB`);
    await sleep(5_000);
  }
  const parkSeconds = (performance.now() - t0) / 1000;
  ctx.log(`  all ${count} parked after ${parkSeconds.toFixed(0)}s; sampling the worker's memory while they wait`);
  sampling = 'off';
  // A minute, every 5 s: the first samples still hold what the churn of parking left on the heaps.
  for (let i = 0; i < 12; i++) {
    await sleep(5_000);
    const mb = rssMb(workerPid());
    if (mb !== undefined) rss.whileParked.push(mb);
  }
  ctx.log(
    `  worker RSS while parked: ${rss.whileParked.join(', ')} MB (settled ${settledRss(rss.whileParked)} MB; peak while parking ${rss.peakWhileParking} MB)`,
  );

  // Resume a random sample: the user finally types the code.
  sampling = 'resuming';
  const sample = [...seeds].sort(() => Math.random() - 0.5).slice(0, options.resume);
  const submit: number[] = [];
  const total: number[] = [];
  let errors = 0;
  let done = 0;
  const r0 = performance.now();
  const resumeTicker = setInterval(
    () => ctx.log(`  resuming: ${done}/${sample.length} completed, worker RSS ${rssMb(workerPid())} MB`),
    10_000,
  );
  await pool(sample, 20, async (seeded) => {
    try {
      const t = performance.now();
      const otp = await httpJson(`${ctx.stack.sandboxUrl}/sandbox/requests/${seeded.requestId}/latest-otp`, 'GET');
      const handle = ctx.client.workflow.getHandle(workflowIdFor(seeded.requestId));
      const times = await ctx.driver.resume(handle, seeded.requestId, otp.body.code);
      submit.push(times.submitOtp ?? NaN);
      total.push(performance.now() - t);
    } catch (error) {
      errors++;
      if (errors <= 5) ctx.log(`    resume failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    done++;
  });
  clearInterval(resumeTicker);
  clearInterval(sampler);
  const resumeSeconds = (performance.now() - r0) / 1000;
  rss.afterResume = rssMb(workerPid());
  const pcts = (values: number[]) => ({
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
  });
  const result: ParkedResult = {
    parked: count,
    resumed: sample.length - errors,
    workerEnv: options.workerEnv,
    startSeconds: round(startSeconds),
    startsPerSecond: round(count / startSeconds),
    startRetries,
    parkSeconds: round(parkSeconds),
    rssMb: rss,
    resume: {
      seconds: round(resumeSeconds),
      perSecond: round(sample.length / resumeSeconds, 2),
      submitOtp: pcts(submit),
      total: pcts(total),
      errors,
    },
    goal: { rssMb: 350, met: settledRss(rss.whileParked) <= 350 },
  };
  ctx.log(
    `parked: ${count} parked, worker RSS peak ${rss.peakWhileParking} MB / while parked max ${Math.max(...rss.whileParked)}, settled ${settledRss(rss.whileParked)} MB (goal ≤ 350 settled: ${result.goal.met ? 'met' : 'NOT met'}); ` +
      `resumed ${result.resumed} in ${result.resume.seconds}s (${result.resume.perSecond}/s), submitOtp p50/p95/p99 ${result.resume.submitOtp.p50}/${result.resume.submitOtp.p95}/${result.resume.submitOtp.p99} ms`,
  );
  return result;
}
