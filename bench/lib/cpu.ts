// CPU time of the stack's processes (Linux /proc) and of this driver, so a benchmark can say where the two
// cores went: server, worker, sandbox, driver.
import { readFileSync } from 'node:fs';
import type { LocalStack, PieceName } from './stack';

const TICKS_PER_SECOND = 100;

/** user + system CPU seconds of a process, or NaN. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields after the closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

export type CpuSnapshot = Record<PieceName | 'driver', number>;

export function cpuSnapshot(stack: LocalStack): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    temporal: cpuSeconds(stack.pid('temporal')),
    worker: cpuSeconds(stack.pid('worker')),
    sandbox: cpuSeconds(stack.pid('sandbox')),
    gateway: cpuSeconds(stack.pid('gateway')),
    driver: (usage.user + usage.system) / 1e6,
  };
}

/** CPU seconds used between two snapshots, per process (pieces not running are left out). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Partial<CpuSnapshot> {
  const out: Partial<CpuSnapshot> = {};
  for (const key of Object.keys(after) as Array<keyof CpuSnapshot>) {
    const d = after[key] - before[key];
    if (Number.isFinite(d)) out[key] = Math.round(d * 100) / 100;
  }
  return out;
}
