// Replays every recorded activation history against today's workflow code. A change that would break
// activations already running in production (non-determinism) fails here, in CI, not in production.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { expect, inject, test } from 'vitest';
import { createDataConverter } from '../../codec';
import { FIXTURE_CODEC_KEYS } from './harness';
import { HISTORIES_DIR } from './history-recorder';

test('every recorded history replays without non-determinism', async () => {
  // Today's scenarios at the top; each older generation in a folder of its own (before-lean-history/:
  // runs that started before workflows/lean-history.ts, which must still finish on today's code).
  const files = (readdirSync(HISTORIES_DIR, { recursive: true }) as string[]).filter((file) => file.endsWith('.json'));
  // The scenario tests record these; an empty folder means nothing would be protected.
  expect(files.filter((file) => !file.includes(path.sep)).length).toBeGreaterThanOrEqual(10);
  expect(files.filter((file) => file.startsWith(`before-lean-history${path.sep}`)).length).toBeGreaterThanOrEqual(33);
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: createDataConverter(FIXTURE_CODEC_KEYS, { namespace: inject('temporalNamespace') }),
    },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
