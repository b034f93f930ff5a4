// What every benchmark shares: its own local stack (Temporal dev server, sandbox, worker as separate
// processes; no gateway: benchmarks drive the workflow with the Temporal client), a client with the
// worker's data converter, the direct driver, and a few measuring helpers.
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import type { PayloadCodec } from '@temporalio/common';
import { createDataConverter, createEncryptionCodec, parseCodecKeys } from '../../codec';
import { LocalStack, type StackOptions } from './stack';
import { TemporalDriver } from './temporal-driver';

export interface BenchContext {
  stack: LocalStack;
  connection: Connection;
  client: Client;
  codec: PayloadCodec;
  driver: TemporalDriver;
  log: (line: string) => void;
}

export async function startBenchContext(options: {
  runDir: string;
  workerEnv?: Record<string, string>;
  sqlitePragmas?: Record<string, string>;
  workerNodeArgs?: string[];
  sandboxEnv?: Record<string, string>;
  dynamicConfig?: StackOptions['dynamicConfig'];
  worker?: StackOptions['worker'];
  log: (line: string) => void;
}): Promise<BenchContext> {
  const stack = await LocalStack.start({
    runDir: options.runDir,
    pieces: ['temporal', 'sandbox', 'worker'],
    log: options.log,
    ...(options.workerEnv ? { workerEnv: options.workerEnv } : {}),
    ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
    ...(options.workerNodeArgs ? { workerNodeArgs: options.workerNodeArgs } : {}),
    // No request log: the sandbox shares the measured box, and its log lines are not what is measured.
    sandboxEnv: { SANDBOX_LOG: 'false', ...options.sandboxEnv },
    ...(options.dynamicConfig ? { dynamicConfig: options.dynamicConfig } : {}),
    ...(options.worker ? { worker: options.worker } : {}),
  });
  const keys = parseCodecKeys(stack.codecKeys);
  const connection = await connectGuarded({ address: stack.temporalAddress });
  const client = new Client({ connection, dataConverter: createDataConverter(keys, { namespace: 'default' }) });
  const driver = new TemporalDriver(client, stack.sandboxUrl, stack.taskQueue);
  return {
    stack,
    connection,
    client,
    codec: createEncryptionCodec(keys, { namespace: 'default' }),
    driver,
    log: options.log,
  };
}

export async function closeBenchContext(ctx: BenchContext): Promise<void> {
  await ctx.connection.close().catch(() => undefined);
  await ctx.stack.stop();
}

/** Resident memory of a process in MB (Linux /proc), or undefined when it cannot be read. */
export function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export const round = (value: number, digits = 1) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value;

/** Runs `task` for each item with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i]!, i);
  });
  await Promise.all(workers);
  return results;
}
