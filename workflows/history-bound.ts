// Keeping an activation's history bounded: past a length (or when the server suggests it) the run continues as
// new at a quiet point, carrying its record. The main loop (main-loop.ts) asks `historyIsLong` after each step.
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { ActivationStatus } from '../contract/types';
import type { ActivationRun } from './run';
import type { ActivationRunInput } from './record-data';

/** The activation workflow (activation.ts) as a run continues it: its input carries the record. */
type ActivationAsContinued = (input: ActivationRunInput) => Promise<ActivationStatus>;

/**
 * History length (events) at which an activation continues as new (issue 12, "History-limit kills").
 * Temporal terminates a run at 51,200 events and warns from 10,240. An ordinary activation writes well under
 * 1,000 events, so only a flood (signals, hints, long polls) gets here; 10,000 stays under the warning and
 * leaves 41,000 events of room for what arrives while the run waits for its quiet point (a long poll holds
 * it for at most a minute: notifications.ts, MAX_WAIT_MS), and a worker that lost its cache replays at most
 * that many events. The server's own `continueAsNewSuggested` (history size) also counts, whichever is first.
 */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 10_000;

export type HistoryBound = ReturnType<typeof historyBound>;

export function historyBound(run: ActivationRun, input: ActivationRunInput) {
  const { rec, lock, mainScope } = run;
  const continueAsNewAfter = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  const historyIsLong = () =>
    workflowInfo().historyLength >= continueAsNewAfter || workflowInfo().continueAsNewSuggested;

  /**
   * Continues as new, carrying the record (activation-record.ts, `carry`), once no handler runs: an update
   * in flight would lose its answer. Under the lock, so no step is half-way. Deadlines are absolute times and
   * travel as they are; the search attributes and memo are copied by the server; the notifier keeps running.
   * Returns only if the activation ended meanwhile; a cancel rejects the wait (the main loop handles it).
   */
  async function continueAsNewWhenQuiet(): Promise<void> {
    for (;;) {
      await condition(() => allHandlersFinished() || rec.machine.isTerminal());
      if (rec.machine.isTerminal()) return;
      await lock.runExclusive(async () => {
        if (!allHandlersFinished() || rec.machine.isTerminal() || mainScope.consideredCancelled) return;
        await continueAsNew<ActivationAsContinued>({ ...input, carried: rec.carry() });
      });
      if (mainScope.consideredCancelled) return;
    }
  }

  return { historyIsLong, continueAsNewWhenQuiet };
}
