// One wait per activation per gateway process, shared by every caller (issue 27 item 4). Temporal lets a
// workflow hold 10 updates in flight at once; when each long poll and event stream held its own
// `waitForChange` update, twenty waiting callers left no slot for the OTP. Here the gateway keeps at most
// one `waitForChange` update open per activation, whatever the number of callers, and fans its answer out
// to all of them; each caller's own timeout is a local timer. So waiting costs the workflow one update slot
// per gateway replica, and history grows by one update per change or per round (WATCH_ROUND_MS), not per
// request. bench/waiting-fanout.ts measures both against the old one-update-per-caller way.
import { setMaxListeners } from 'node:events';
import { TERMINAL_STATES, type ActivationStatus } from '../contract/types';
import type { ActivationClient } from '../client';

/** How long one shared wait runs before it is renewed (shorter than common proxy idle timeouts). */
export const WATCH_ROUND_MS = 25_000;

type StatusSource = Pick<ActivationClient, 'status' | 'waitForChange'>;

interface Waiter {
  afterVersion: number;
  resolve(status: ActivationStatus): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

interface Watcher {
  latest: ActivationStatus;
  waiters: Set<Waiter>;
}

const hasMoved = (status: ActivationStatus, afterVersion: number) =>
  status.version !== afterVersion || TERMINAL_STATES.includes(status.state);

export class ChangeWatchers {
  private readonly watching = new Map<string, Watcher>();
  private closing = false;
  /** Ends the waits in flight when the gateway closes, so none outlives its Temporal connection. */
  private readonly stop = new AbortController();
  /** Shared waits started since this process began (bench/waiting-fanout.ts reads it). */
  rounds = 0;

  constructor(
    private readonly activations: StatusSource,
    private readonly roundMs = WATCH_ROUND_MS,
  ) {
    // Every activation's wait in flight listens on this one signal; hundreds at once are expected.
    setMaxListeners(0, this.stop.signal);
  }

  /** Activations with a shared wait open now. */
  get open(): number {
    return this.watching.size;
  }

  /**
   * The status once its version is no longer `afterVersion` (at once if it already moved, or the activation
   * ended); otherwise the status as it is after `timeoutMs`. The caller checked the tenant before.
   */
  async next(requestId: string, afterVersion: number, timeoutMs: number): Promise<ActivationStatus> {
    // A closing gateway answers with the status as it is; the caller asks again (another replica).
    if (this.closing) return this.activations.status(requestId);
    let watcher = this.watching.get(requestId);
    if (!watcher) {
      // A query costs no history and no update slot: most reads end here.
      const now = await this.activations.status(requestId);
      // close() may have run during that read: a wait opened now would outlive it (nothing settles it) and
      // hold the shutdown, and with it a deploy, for a whole round.
      if (this.closing || hasMoved(now, afterVersion)) return now;
      watcher = this.watching.get(requestId);
      if (!watcher) {
        const made: Watcher = { latest: now, waiters: new Set() };
        this.watching.set(requestId, made);
        const answer = join(made, afterVersion, timeoutMs);
        void this.watch(requestId, made);
        return answer;
      }
    }
    if (hasMoved(watcher.latest, afterVersion)) return watcher.latest;
    return join(watcher, afterVersion, timeoutMs);
  }

  /** True once `close` was called: streams end instead of waiting again. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Ends every wait now with the latest status known (the gateway is shutting down): requests in flight
   * finish at once instead of holding the shutdown for a whole round.
   */
  close(): void {
    this.closing = true;
    this.stop.abort();
    for (const watcher of this.watching.values()) {
      for (const waiter of [...watcher.waiters]) settle(watcher, waiter, (w) => w.resolve(watcher.latest));
    }
  }

  /** Renews the shared wait while anyone waits on it; every change goes to every waiter it concerns. */
  private async watch(requestId: string, watcher: Watcher): Promise<void> {
    try {
      while (watcher.waiters.size > 0 && !TERMINAL_STATES.includes(watcher.latest.state)) {
        this.rounds++;
        const next = await this.activations.waitForChange(requestId, {
          afterVersion: watcher.latest.version,
          timeoutMs: this.roundMs,
          signal: this.stop.signal,
        });
        watcher.latest = next;
        for (const waiter of [...watcher.waiters]) {
          if (hasMoved(next, waiter.afterVersion)) settle(watcher, waiter, (w) => w.resolve(next));
        }
      }
    } catch (error) {
      // Stopped by close(): the waiters get the latest status below, not an error.
      if (!this.closing) for (const waiter of [...watcher.waiters]) settle(watcher, waiter, (w) => w.reject(error));
    } finally {
      this.watching.delete(requestId);
      for (const waiter of [...watcher.waiters]) settle(watcher, waiter, (w) => w.resolve(watcher.latest));
    }
  }
}

/** Adds a caller to the shared wait; its own timeout answers it with the latest status known. */
function join(watcher: Watcher, afterVersion: number, timeoutMs: number): Promise<ActivationStatus> {
  return new Promise<ActivationStatus>((resolve, reject) => {
    const waiter: Waiter = {
      afterVersion,
      resolve,
      reject,
      timer: setTimeout(() => {
        watcher.waiters.delete(waiter);
        resolve(watcher.latest);
      }, timeoutMs),
    };
    watcher.waiters.add(waiter);
  });
}

function settle(watcher: Watcher, waiter: Waiter, how: (waiter: Waiter) => void): void {
  clearTimeout(waiter.timer);
  watcher.waiters.delete(waiter);
  how(waiter);
}
