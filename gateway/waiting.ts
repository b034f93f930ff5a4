// Waiting without hammering: a long poll (`GET /v1/activations/:id?waitForChange=<version>&timeout=30s`) and
// a Server-Sent Events stream (`GET /v1/activations/:id/events`). Both are answered by the gateway's shared
// wait per activation (change-watchers.ts), never by an update of their own, so waiting callers cannot use
// up the workflow's update slots that actions need; each caller may hold only a bounded number of waits
// open at once (waiting-slots.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TERMINAL_STATES, type ActivationStatus } from '../contract/types';
import { durationMs, MAX_WAIT_MS } from '../contract/rules';
import { type ActivationClient, InvalidInput } from '../client';
import { fieldProblems } from '../contract/request-schemas';
import type { ChangeWatchers } from './change-watchers';
import type { WaitingSlot } from './waiting-slots';

/** Each SSE wait is shorter than common proxy idle timeouts (60 s), so a comment keeps the line alive. */
const STREAM_WAIT_MS = 25_000;

const longPollSchema = z
  .object({
    waitForChange: z.coerce.number().int().min(0).optional(),
    timeout: z
      .string()
      .optional()
      .refine((t) => t === undefined || (durationMs(t) ?? 0) >= 1, 'must be a duration such as 30s')
      .transform((t) => (t === undefined ? 30_000 : Math.min(durationMs(t)!, MAX_WAIT_MS))),
  })
  // Other query parameters (cache busters) are not ours to refuse; a credential there is refused before
  // this (auth.ts, refuseCredentialInUrl).
  .passthrough();

export type LongPoll = { afterVersion: number; timeoutMs: number } | undefined;

/** The long-poll parameters of a status read, or undefined for a plain read. */
export function longPollOf(query: unknown): LongPoll {
  const parsed = longPollSchema.safeParse(query ?? {});
  if (!parsed.success) throw new InvalidInput('invalid status query', fieldProblems(parsed.error));
  const { waitForChange, timeout } = parsed.data;
  return waitForChange === undefined ? undefined : { afterVersion: waitForChange, timeoutMs: timeout };
}

/**
 * Streams the status as SSE events (`event: status`, `id: <version>`, JSON data) until the activation
 * ends or the client goes away. A reconnecting client sends `Last-Event-ID` (page/events.ts); the stream starts
 * after that version, so nothing is shown twice. The slot is released when the wait in progress ends,
 * also after a disconnect (waiting-slots.ts).
 */
export async function streamStatus(
  request: FastifyRequest,
  reply: FastifyReply,
  activations: Pick<ActivationClient, 'status'>,
  watchers: ChangeWatchers,
  requestId: string,
  view: (status: ActivationStatus) => unknown,
  slot: WaitingSlot,
): Promise<void> {
  let closed = false;
  request.raw.on('close', () => {
    closed = true;
  });
  const lastEventId = Number(request.headers['last-event-id']);
  let status: ActivationStatus;
  try {
    status = await activations.status(requestId);
  } catch (error) {
    slot.release();
    throw error;
  }
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Sent now, not with the first event: a reconnect that is already up to date (Last-Event-ID) may get no
  // event for a while, and a client reading with fetch (page/events.ts) learns only from the headers that
  // it is connected.
  reply.raw.flushHeaders();
  try {
    if (!(Number.isInteger(lastEventId) && lastEventId === status.version)) send(reply, status, view);
    while (!closed && !watchers.closed && !TERMINAL_STATES.includes(status.state)) {
      await slot.renew();
      const next = await watchers.next(requestId, status.version, STREAM_WAIT_MS);
      if (closed) break;
      if (next.version !== status.version) send(reply, next, view);
      else reply.raw.write(': still waiting\n\n');
      status = next;
    }
  } catch (error) {
    // The reason goes to the log, not to the app; the app reconnects (page/events.ts does so by itself).
    request.log.warn({ err: error }, 'event stream ended early');
    if (!closed)
      reply.raw.write(
        `event: error\ndata: ${JSON.stringify({ message: 'the status could not be read; reconnect' })}\n\n`,
      );
  } finally {
    slot.release();
    reply.raw.end();
  }
}

function send(reply: FastifyReply, status: ActivationStatus, view: (status: ActivationStatus) => unknown): void {
  reply.raw.write(`event: status\nid: ${status.version}\ndata: ${JSON.stringify(view(status))}\n\n`);
}
