// Promises the workflow code makes per replayed workflow (bench/lib/replay-cost.ts counts them the same way
// in `npm run bench`), for recorded histories of test/histories/ and today's workflow bundle. The count is
// exact and the same on every machine, so a change to the workflow code can be judged by it at once
// (BENCHMARKS.md §2). `npx tsx bench/replay-promises.ts [--by-creator] [history ...]`; a+b replays a and b
// in turn. --by-creator also says who made them: the nearest workflows/ function on each promise's stack
// and the SDK function under it, as the SDK's own hook records that stack for every promise; a promise made
// by a job with no caller (something resolved with a promise) is named by the promise it follows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { createDataConverter, parseCodecKeys } from '../codec';
import { bundleActivationWorkflows } from '../worker/create-worker';
import { countSandboxPromises, replayRound, type ReplayTarget } from './lib/replay-cost';

const HISTORIES = path.resolve(import.meta.dirname, '../test/histories');
/** The paths BENCHMARKS.md §2 quotes; the pair is the one test/temporal/replay-cost.test.ts bounds. */
const DEFAULT = [
  'happy-path-customer-sign',
  'liveness-pass-customer-sign',
  'happy-path-customer-sign+liveness-pass-customer-sign',
  'webhooks-happy-path',
  'long-polled-happy-path',
  'long-polled-webhooks-happy-path',
];
/** The key test/temporal/harness.ts (FIXTURE_CODEC_KEYS) recorded the histories with. */
const FIXTURE_KEYS = parseCodecKeys(`fixture-1:${Buffer.alloc(32, 7).toString('base64')}`);
const REPLAYS = 10;

async function main(): Promise<void> {
  const bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'replay-promises-')), 'workflows.js');
  writeFileSync(bundlePath, (await bundleActivationWorkflows()).code);
  const dataConverter = createDataConverter(FIXTURE_KEYS, { namespace: 'default' });
  const byCreator = process.argv.includes('--by-creator');
  const names = process.argv.slice(2).filter((arg) => arg !== '--by-creator');
  for (const set of names.length ? names : DEFAULT) {
    const histories = set
      .split('+')
      .map((name) => historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8'))));
    const target = { bundlePath, dataConverter, histories };
    await countSandboxPromises(target, REPLAYS); // warm-up: loading the bundle makes promises of its own
    const count = await countSandboxPromises(target, REPLAYS);
    console.log(`${set}: ${count.toFixed(1)} promises per workflow`);
    if (byCreator) {
      for (const [creator, made] of await creators(target)) console.log(`  ${(made / REPLAYS).toFixed(1)}  ${creator}`);
    }
  }
}

/** Where in the bundle each webpack module starts: the marker line webpack writes before it, with its path. */
function modulesOf(bundlePath: string): (line: number) => string {
  const starts: Array<[number, string]> = [];
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const module = /^\/\*\*\*\/ "\.\/(.+?)"/.exec(text)?.[1];
      if (module) starts.push([i + 1, module.replace(/^node_modules\//, '')]);
    });
  return (line) => {
    let module = '?';
    for (const [start, name] of starts) {
      if (start > line) break;
      module = name;
    }
    return module;
  };
}

/** Promises made in REPLAYS replays, by the nearest workflows/ function on the stack and the SDK's under it. */
async function creators(target: ReplayTarget): Promise<Array<[string, number]>> {
  const moduleAt = modulesOf(target.bundlePath);
  const bundleFile = path.basename(target.bundlePath);
  const counts = new Map<string, number>();
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const madeBy = new WeakMap<Promise<unknown>, string>();
  const stop = v8.promiseHooks.onInit((promise: Promise<unknown>, parent?: Promise<unknown>) => {
    if (promise.constructor === Promise) return;
    const frames = (new Error().stack ?? '')
      .split('\n')
      .map((frame) => /at (?:(.+?) \()?[^ ]*?([^/ ]+):(\d+):\d+\)?$/.exec(frame.trim()))
      .filter((match) => match?.[2] === bundleFile)
      .map((match) => ({ fn: match![1] ?? '<anonymous>', module: moduleAt(Number(match![3])) }));
    const own = frames.find((frame) => frame.module.startsWith('workflows/'));
    const made = frames[0];
    const creator = !made
      ? `(a job with no caller: resolved with a promise of ${(parent && madeBy.get(parent)) ?? '?'})`
      : own && own !== made
        ? `${own.fn} (${own.module}) via ${made.fn} (${made.module})`
        : `${made.fn} (${made.module})`;
    madeBy.set(promise, creator);
    counts.set(creator, (counts.get(creator) ?? 0) + 1);
  });
  try {
    await replayRound(target, REPLAYS, 'creators');
  } finally {
    stop();
    Error.stackTraceLimit = stackLimit;
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
