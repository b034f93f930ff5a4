// Times in the status object (status.ts and the steps' parts of it) as ISO text.

/** The latest instant a Date can hold (ECMAScript: 8.64e15 ms either side of 1970). */
const LAST_INSTANT_MS = 8.64e15;

/**
 * A time as ISO text, never a throw. The policy's ceilings (contract/rules.ts, checked at start by
 * policy.ts) keep every computed time far inside a Date's range; a run started before them could hold a
 * time beyond it (issue 27: `resendCooldown: 1e20`), and a status that cannot be built fails whatever asked
 * for it, every workflow task included. Such a time reads as the last instant a Date can hold.
 */
export const isoTime = (ms: number) =>
  new Date(
    Number.isFinite(ms) ? Math.max(-LAST_INSTANT_MS, Math.min(ms, LAST_INSTANT_MS)) : LAST_INSTANT_MS,
  ).toISOString();
