// Waiting without hammering: a long poll (`GET /v1/activations/:id?waitForChange=<version>&timeout=30s`) and
// a Server-Sent Events stream (`GET /v1/activations/:id/events`). Both are answered by the workflow's
// `waitForChange` update, which returns when the status version moves, so the gateway never loops on
// queries; each caller may hold only a bounded number of them open at once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TERMINAL_STATES, type ActivationStatus } from '../../workflows/types';
import { durationMs } from '../../workflows/rules';
import { MAX_WAIT_MS } from '../../workflows/notifications';
import type { ActivationClient } from '../activation-client';
import { InvalidInput } from '../errors';
import { fieldProblems } from '../schemas';
import { GatewayError } from './http-errors';

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
  // Other query parameters (access_token for EventSource, cache busters) are not ours to refuse.
  .passthrough();

export type LongPoll = { afterVersion: number; timeoutMs: number } | undefined;

/** The long-poll parameters of a status read, or undefined for a plain read. */
export function longPollOf(query: unknown): LongPoll {
  const parsed = longPollSchema.safeParse(query ?? {});
  if (!parsed.success) throw new InvalidInput('invalid status query', fieldProblems(parsed.error));
  const { waitForChange, timeout } = parsed.data;
  return waitForChange === undefined ? undefined : { afterVersion: waitForChange, timeoutMs: timeout };
}

/** Counts what each caller holds open; over the bound the caller gets 429 instead of another connection. */
export class WaitingSlots {
  private readonly open = new Map<string, number>();
  constructor(private readonly maxPerCaller: number) {}

  take(caller: string): () => void {
    const now = this.open.get(caller) ?? 0;
    if (now >= this.maxPerCaller) {
      throw new GatewayError(
        429,
        'rate_limited',
        `at most ${this.maxPerCaller} long polls or event streams may be open per caller`,
        { 'retry-after': '5' },
      );
    }
    this.open.set(caller, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(caller) ?? 1) - 1;
      if (left <= 0) this.open.delete(caller);
      else this.open.set(caller, left);
    };
  }
}

/**
 * Streams the status as SSE events (`event: status`, `id: <version>`, JSON data) until the activation
 * ends or the client goes away. A reconnecting EventSource sends `Last-Event-ID`; the stream then starts
 * after that version, so nothing is shown twice.
 */
export async function streamStatus(
  request: FastifyRequest,
  reply: FastifyReply,
  activations: ActivationClient,
  requestId: string,
  view: (status: ActivationStatus) => unknown,
  release: () => void,
): Promise<void> {
  let closed = false;
  request.raw.on('close', () => {
    closed = true;
    release();
  });
  const lastEventId = Number(request.headers['last-event-id']);
  let status = await activations.status(requestId);
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  try {
    if (!(Number.isInteger(lastEventId) && lastEventId === status.version)) send(reply, status, view);
    while (!closed && !TERMINAL_STATES.includes(status.state)) {
      const next = await activations.waitForChange(requestId, {
        afterVersion: status.version,
        timeoutMs: STREAM_WAIT_MS,
      });
      if (closed) break;
      if (next.version !== status.version) send(reply, next, view);
      else reply.raw.write(': still waiting\n\n');
      status = next;
    }
  } catch (error) {
    // The reason goes to the log, not to the app; the app reconnects (EventSource does so by itself).
    request.log.warn({ err: error }, 'event stream ended early');
    if (!closed)
      reply.raw.write(
        `event: error\ndata: ${JSON.stringify({ message: 'the status could not be read; reconnect' })}\n\n`,
      );
  } finally {
    release();
    reply.raw.end();
  }
}

function send(reply: FastifyReply, status: ActivationStatus, view: (status: ActivationStatus) => unknown): void {
  reply.raw.write(`event: status\nid: ${status.version}\ndata: ${JSON.stringify(view(status))}\n\n`);
}
