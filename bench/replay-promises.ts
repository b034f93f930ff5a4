// Promises the workflow code makes per replayed workflow (bench/lib/replay-cost.ts counts them the same way
// in `npm run bench`), for recorded histories of test/histories/ and today's workflow bundle. The count is
// exact and the same on every machine, so a change to the workflow code can be judged by it at once
// (BENCHMARKS.md §2). `npx tsx bench/replay-promises.ts [history ...]`; a+b replays a and b in turn.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { createDataConverter, parseCodecKeys } from '../codec';
import { bundleActivationWorkflows } from '../worker/create-worker';
import { countSandboxPromises } from './lib/replay-cost';

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
  const names = process.argv.slice(2);
  for (const set of names.length ? names : DEFAULT) {
    const histories = set
      .split('+')
      .map((name) => historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8'))));
    const target = { bundlePath, dataConverter, histories };
    await countSandboxPromises(target, REPLAYS); // warm-up: loading the bundle makes promises of its own
    const count = await countSandboxPromises(target, REPLAYS);
    console.log(`${set}: ${count.toFixed(1)} promises per workflow`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
