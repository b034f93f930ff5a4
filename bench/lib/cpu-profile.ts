// Reads the V8 CPU profiles `node --cpu-prof` writes (one .cpuprofile per thread: the worker's main thread
// and the SDK's workflow thread) and lists the functions with the most self time, so the search for the
// worker's extra CPU starts from a measurement. `npx tsx bench/lib/cpu-profile.ts <dir-or-file> [n]`
// prints the same summary for profiles taken by hand.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The parts of the .cpuprofile format (Chrome DevTools Protocol `Profiler.Profile`) read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; children?: number[] }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  functionName: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

const shortUrl = (url: string) => {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  return url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
};

/**
 * Self time per function (name + file + line), summed over every node of the call tree, largest first.
 * A sample's time is the delta to the next sample, which is how DevTools attributes it. `(idle)` and
 * `(program)` stay in: they say how busy the thread was.
 */
export function topSelfTime(profile: CpuProfile, n = 20): { totalMs: number; top: SelfTime[] } {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; sample i lasts until sample i + 1.
    const us = deltas[i + 1] ?? 0;
    byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + Math.max(0, us));
  }
  const byFunction = new Map<string, SelfTime>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    totalUs += us;
    if (us === 0) continue;
    const frame = node.callFrame;
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}\u0000${location}`;
    const entry = byFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, selfMs: 0, selfPercent: 0 };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n)
    .map((e) => ({ ...e, selfMs: Math.round(e.selfMs * 10) / 10, selfPercent: totalUs ? Math.round((e.selfMs * 1000 * 1000) / totalUs) / 10 : 0 }));
  return { totalMs: Math.round(totalUs / 1000), top };
}

/** Every .cpuprofile in a folder (or one file), summarized. Missing folder: an empty list. */
export function summarizeProfiles(dirOrFile: string, n = 20): Array<{ file: string; totalMs: number; top: SelfTime[] }> {
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
    console.log(`${p.file} (${p.totalMs} ms sampled)`);
    for (const f of p.top) console.log(`  ${String(f.selfMs).padStart(9)} ms ${String(f.selfPercent).padStart(5)}%  ${f.functionName}  ${f.location}`);
  }
}
