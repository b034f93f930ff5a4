// Reads the V8 CPU profiles `node --cpu-prof` writes (one .cpuprofile per thread: the worker's main thread,
// tsx's loader thread and the SDK's workflow thread) and lists the functions and the origins (package,
// Node, workflow sandbox) with the most self time, so the search for the worker's extra CPU starts from a
// measurement. `npx tsx bench/lib/cpu-profile.ts <dir-or-file> [n]`
// prints the same summary for profiles taken by hand.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The parts of the .cpuprofile format (Chrome DevTools Protocol `Profiler.Profile`) read here. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
    children?: number[];
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  functionName: string;
  location: string;
  selfMs: number;
  /** Percent of the thread's busy time (everything but `(idle)`). */
  selfPercent: number;
}

export interface ProfileSummary {
  /** Sampled time, idle included. */
  totalMs: number;
  /** Sampled time the thread was not idle. */
  busyMs: number;
  /** Functions by self time, `(idle)` left out. */
  top: SelfTime[];
  /** Self time by where the code comes from: an npm package, a Node built-in, the workflow sandbox, ... */
  byOrigin: Array<{ origin: string; selfMs: number; selfPercent: number }>;
}

const shortUrl = (url: string) => {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  return url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
};

/**
 * Where a frame's code comes from: the npm package (`@temporalio/worker`), `node:` for Node's own
 * JavaScript, `workflow bundle` for the webpacked workflow code, `workflow sandbox` for what the SDK
 * compiles into its vm contexts,
 * the project's top folder (`codec/`), or the V8 pseudo-frame itself (`(garbage collector)`); `native`
 * for C++ functions without a script.
 */
export function originOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const [first = '', second = ''] = url.slice(nm + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) return 'node:';
  if (url.startsWith('evalmachine')) return 'workflow sandbox';
  // The bundle bench/lib/stack.ts writes (workflows/ and the SDK's workflow library, webpacked).
  if (url.endsWith('workflow-bundle.js')) return 'workflow bundle';
  const rel = shortUrl(url);
  // A file of this repository by its top folder (`codec/`); anything else by its whole path.
  return !rel.startsWith('/') && rel.includes('/') ? `${rel.split('/')[0]}/` : rel;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Self time per function (name + file + line), summed over every node of the call tree, largest first,
 * and per origin. A sample's time is the delta to the next sample, which is how DevTools attributes it.
 */
export function topSelfTime(profile: CpuProfile, n = 20): ProfileSummary {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; sample i lasts until sample i + 1.
    const us = deltas[i + 1] ?? 0;
    byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + Math.max(0, us));
  }
  const byFunction = new Map<string, SelfTime>();
  const byOrigin = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    totalUs += us;
    if (us === 0) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}\u0000${location}`;
    const entry = byFunction.get(key) ?? {
      functionName: frame.functionName || '(anonymous)',
      location,
      selfMs: 0,
      selfPercent: 0,
    };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
    const origin = originOf(frame.functionName, frame.url);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const percent = (us: number) => (busyUs ? round1((100 * us) / busyUs) : 0);
  const top = [...byFunction.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n)
    .map((e) => ({ ...e, selfMs: round1(e.selfMs), selfPercent: percent(e.selfMs * 1000) }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    top,
    byOrigin: [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([origin, us]) => ({ origin, selfMs: round1(us / 1000), selfPercent: percent(us) })),
  };
}

/** Every .cpuprofile in a folder (or one file), summarized. Missing folder: an empty list. */
export function summarizeProfiles(dirOrFile: string, n = 20): Array<{ file: string } & ProfileSummary> {
  let files: string[];
  try {
    files = statSync(dirOrFile).isDirectory()
      ? readdirSync(dirOrFile)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => path.join(dirOrFile, f))
      : [dirOrFile];
  } catch {
    return [];
  }
  return files.map((file) => ({ file, ...topSelfTime(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, n) }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: npx tsx bench/lib/cpu-profile.ts <dir-or-file.cpuprofile> [top-n]');
    process.exit(2);
  }
  for (const p of summarizeProfiles(target, Number(process.argv[3] ?? 25))) {
    console.log(`${p.file}: ${p.busyMs} ms busy of ${p.totalMs} ms sampled`);
    console.log(`  by origin: ${p.byOrigin.map((o) => `${o.origin} ${o.selfPercent}%`).join(', ')}`);
    for (const f of p.top)
      console.log(
        `  ${String(f.selfMs).padStart(9)} ms ${String(f.selfPercent).padStart(5)}%  ${f.functionName}  ${f.location}`,
      );
  }
}
