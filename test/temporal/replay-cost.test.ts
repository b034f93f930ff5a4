// The benchmark's replayed CPU figure (bench/lib/replay-cost.ts) on recorded histories and the bundle the
// worker runs: a figure per round, and a loud failure, never a number, when a history does not replay.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { expect, inject, test } from 'vitest';
import { measureReplayCosts } from '../../bench/lib/replay-cost';
import { createDataConverter } from '../../codec';
import { FIXTURE_CODEC_KEYS } from './harness';
import { HISTORIES_DIR } from './history-recorder';

const recorded = (name: string) =>
  historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')));

test('replays recorded activations and reports CPU per workflow for each round', async () => {
  const { project: cost } = await measureReplayCosts(
    {
      project: {
        bundlePath: inject('workflowBundlePath'),
        dataConverter: createDataConverter(FIXTURE_CODEC_KEYS, { namespace: inject('temporalNamespace') }),
        histories: [recorded('happy-path-customer-sign'), recorded('liveness-pass-customer-sign')],
      },
    },
    { replaysPerRound: 10, rounds: 3 },
  );
  expect(cost.rounds).toHaveLength(3);
  for (const round of cost.rounds) expect(round).toBeGreaterThan(0);
  expect(cost.cpuMsPerWorkflow).toBe([...cost.rounds].sort((a, b) => a - b)[1]);
  expect(cost).toMatchObject({ distinctHistories: 2, replaysPerRound: 10 });
  // An activation's workflow code makes promises at every step; a count of none would mean nothing ran.
  expect(cost.promisesPerWorkflow).toBeGreaterThan(20);
  // Issue 25 cut this pair from 160.6 to 147.1, then to 108.1 and 93.6, without changing a command (BENCHMARKS.md §2);
  // a change that adds promises to every activation shows here first.
  expect(cost.promisesPerWorkflow).toBeLessThanOrEqual(96);
});

test('fails when a history does not replay: without the key its encrypted input cannot be read', async () => {
  await expect(
    measureReplayCosts(
      { project: { bundlePath: inject('workflowBundlePath'), histories: [recorded('happy-path-customer-sign')] } },
      { replaysPerRound: 2, rounds: 1 },
    ),
  ).rejects.toThrow(/replaying project-warm-up-0 failed/);
});
