// CPU time per role of the production topology while a chaos scenario runs (docs/production.md "Scaling
// out" sizes replicas from it): each container's cgroup CPU counter and each native process's utime+stime,
// sampled every 2 s. A container started again gets a fresh counter, so a drop is taken as a restart and
// the last value before it is kept (at most one interval of a killed container's CPU is missed).
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface CpuSource {
  /** worker, gateway, temporal-server, ... (several sources may share a role). */
  role: string;
  /** A stable key (container id, or role plus pid). */
  key: string;
  /** Cumulative CPU seconds now, or undefined when it cannot be read (stopped). */
  read(): number | undefined;
}

/** A container's cumulative CPU seconds from its cgroup (v1 cgroupfs or systemd, or v2). */
export function containerCpu(id: string): () => number | undefined {
  const v1 = [
    `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`,
    `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`,
  ];
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`];
  return () => {
    for (const file of v1) if (existsSync(file)) return Number(readFileSync(file, 'utf8')) / 1e9;
    for (const file of v2) {
      if (!existsSync(file)) continue;
      const usec = /usage_usec (\d+)/.exec(readFileSync(file, 'utf8'))?.[1];
      if (usec) return Number(usec) / 1e6;
    }
    return undefined;
  };
}

/** A native process's user + system CPU seconds (its own, not its children's). */
export function processCpu(pid: number | undefined): () => number | undefined {
  return () => {
    if (!pid) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command; clock ticks of 1/100 s.
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  };
}

/**
 * A process with its children (PostgreSQL: the postmaster and its backends): the parent's own time and
 * what it has reaped from exited children, plus the live children's own time.
 */
export function processTreeCpu(pid: number | undefined): () => number | undefined {
  const fieldsOf = (p: number | string): string[] | undefined => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  return () => {
    if (!pid) return undefined;
    const own = fieldsOf(pid);
    if (!own) return undefined;
    // After the command: state, ppid, ... utime (11), stime (12), cutime (13), cstime (14).
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = fieldsOf(entry);
      if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  };
}

export class CpuMeter {
  private readonly last = new Map<string, { role: string; value: number }>();
  private readonly base = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly sources: () => CpuSource[]) {}

  sample(): void {
    for (const source of this.sources()) {
      const value = source.read();
      if (value === undefined) continue;
      const before = this.last.get(source.key);
      if (before && value < before.value) this.base.set(source.key, (this.base.get(source.key) ?? 0) + before.value);
      this.last.set(source.key, { role: source.role, value });
    }
  }

  start(intervalMs = 2_000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** CPU seconds per role since the meter started (plus what each source had used before its first sample). */
  totals(): Record<string, number> {
    this.sample();
    const out: Record<string, number> = {};
    for (const [key, { role, value }] of this.last) out[role] = (out[role] ?? 0) + value + (this.base.get(key) ?? 0);
    return out;
  }
}

/** What each role used between two totals, in CPU milliseconds per activation. */
export function cpuMsPer(
  before: Record<string, number>,
  after: Record<string, number>,
  activations: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([role, seconds]) => [
      role,
      Math.round((1_000 * (seconds - (before[role] ?? 0))) / Math.max(1, activations)),
    ]),
  );
}
