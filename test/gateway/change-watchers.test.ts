// The gateway's shared wait per activation (gateway/change-watchers.ts) during a shutdown, with a status
// source of our own: a wait in flight ends at once, and so does one asked for while its first read was
// under way (that race held a gateway's close, and a deploy, for a whole round).
import { describe, expect, test, vi } from 'vitest';
import { ChangeWatchers } from '../../gateway/change-watchers';
import type { ActivationStatus } from '../../contract/types';

const otp = { requestId: 'r-1', state: 'awaiting_otp', version: 3 } as unknown as ActivationStatus;

/** A status read that answers when told to, and a Temporal wait that only ends when its signal aborts. */
function source() {
  let answer: (status: ActivationStatus) => void = () => undefined;
  const status = vi.fn(() => new Promise<ActivationStatus>((resolve) => (answer = resolve)));
  const waitForChange = vi.fn(
    (_requestId: string, options: { signal?: AbortSignal }) =>
      new Promise<ActivationStatus>((_resolve, reject) => {
        // Like the SDK: only an abort that comes later cancels the call.
        options.signal?.addEventListener('abort', () => reject(new Error('cancelled')));
      }),
  );
  return { status, waitForChange, answer: (s: ActivationStatus) => answer(s) };
}

describe('ChangeWatchers.close', () => {
  test('a wait in flight ends at once with the latest status', async () => {
    const s = source();
    const watchers = new ChangeWatchers(s, 60_000);
    const waiting = watchers.next('r-1', 3, 60_000);
    s.answer(otp);
    await vi.waitFor(() => expect(s.waitForChange).toHaveBeenCalledTimes(1));
    watchers.close();
    await expect(waiting).resolves.toBe(otp);
    expect(watchers.closed).toBe(true);
  });

  test('a wait whose first read was under way when the gateway closed opens no Temporal wait', async () => {
    const s = source();
    const watchers = new ChangeWatchers(s, 60_000);
    const waiting = watchers.next('r-1', 3, 60_000);
    await vi.waitFor(() => expect(s.status).toHaveBeenCalledTimes(1));
    watchers.close();
    s.answer(otp);
    await expect(waiting).resolves.toBe(otp);
    expect(s.waitForChange).not.toHaveBeenCalled();
    expect(watchers.open).toBe(0);
  });

  test('after close a wait answers with one read', async () => {
    const s = source();
    const watchers = new ChangeWatchers(s, 60_000);
    watchers.close();
    const waiting = watchers.next('r-1', 3, 60_000);
    s.answer(otp);
    await expect(waiting).resolves.toBe(otp);
    expect(s.waitForChange).not.toHaveBeenCalled();
  });
});
