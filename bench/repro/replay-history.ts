// `npx tsx bench/repro/replay-history.ts [history.json]` — replays a recorded activation history (payloads
// already decrypted, see decode-history.ts) against the current workflow code. Default: the activation the
// server-kill chaos run left stuck (bench/repro/stuck-activation-history.json), which fails with
// "[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 11, ...)".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { bundleActivationWorkflows } from '../../worker/create-worker';

async function main(): Promise<void> {
  const file =
    process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'stuck-activation-history.json');
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  // Only the part the worker wrote itself: up to the last completed workflow task before the failures.
  const firstFailure = (history.events ?? []).findIndex((e) => e.workflowTaskFailedEventAttributes);
  const events = firstFailure > 0 ? (history.events ?? []).slice(0, firstFailure - 1) : (history.events ?? []);
  const bundle = await bundleActivationWorkflows();
  try {
    await Worker.runReplayHistory({ workflowBundle: bundle }, { events }, 'replay');
    console.log(`replay of ${events.length} events: OK`);
  } catch (error) {
    console.log(`replay of ${events.length} events: FAILED\n${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
