// What the numbers were measured on, recorded with every result file.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  temporalCli?: string;
  loadAverageAtStart: number[];
  date: string;
}

export function machineInfo(): MachineInfo {
  let temporalCli: string | undefined;
  try {
    temporalCli = execFileSync('temporal', ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    temporalCli = undefined;
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...(temporalCli ? { temporalCli } : {}),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export interface CodeState {
  commit?: string;
  /** Files of the measured code that differed from the commit when the run started (git status). */
  uncommitted: string[];
}

/**
 * Which code was measured: the commit, and any uncommitted change in the code a benchmark runs (the tree
 * may be shared with people editing it; a run on a dirty tree says so).
 */
export function codeState(): CodeState {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', timeout: 10_000 }).trim();
  try {
    const commit = git('rev-parse', 'HEAD');
    const status = git(
      'status',
      '--porcelain',
      '--',
      'workflows',
      'activities',
      'worker',
      'codec',
      'sandbox',
      'bench',
      'scripts',
      'package.json',
    );
    return { commit, uncommitted: status ? status.split('\n').map((line) => line.trim()) : [] };
  } catch {
    return { uncommitted: [] };
  }
}
