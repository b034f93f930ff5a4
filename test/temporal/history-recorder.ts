// Records a finished scenario's history into test/histories/ so the replay test can prove that later
// workflow changes still replay the activations that are running in production today. Histories are
// written when missing or when RECORD_HISTORIES=1 — never silently overwritten by a normal run, since
// the committed files are what catch a non-deterministic change.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(new URL('../histories', import.meta.url).pathname);

export async function recordHistory(scenario: string, handle: WorkflowHandle): Promise<void> {
  const file = path.join(HISTORIES_DIR, `${scenario}.json`);
  if (existsSync(file) && process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const history = await handle.fetchHistory();
  writeFileSync(file, historyToJSON(history));
}

/** Event types of a history, for asserting what was (not) written. */
export async function historyEventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((event) => temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'unknown');
}
