// The activation page's event stream (page/events.ts) against a real HTTP server that misbehaves the ways a
// mobile network and a gateway restart do: a connection cut mid-stream, a 503, a stream gone silent, a
// secret refused. Node's own fetch stands in for the browser's (the page calls relative URLs; the stub only
// puts this server's origin in front). The browser side runs in test/gateway/activation-page.test.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Api, ApiError, type Status } from '../../page/api';
import { StatusStream } from '../../page/events';

const SECRET = 'vcs1.acme.1999999999.c2VjcmV0';
const REQUEST_ID = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const TIMING = { firstDelayMs: 10, maxDelayMs: 40, silenceMs: 300 };

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface Seen {
  url: string;
  authorization?: string;
  lastEventId?: string;
}

/** A server that answers its nth connection with handlers[n] (the last one for any after). */
async function serve(handlers: Handler[]) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    seen.push({
      url: request.url ?? '',
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      ...(request.headers['last-event-id'] ? { lastEventId: String(request.headers['last-event-id']) } : {}),
    });
    handlers[Math.min(seen.length, handlers.length) - 1]!(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (path: string, init?: RequestInit) => realFetch(`${origin}${path}`, init));
  return {
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const open = (response: ServerResponse) => response.writeHead(200, { 'content-type': 'text/event-stream' });
const status = (version: number) =>
  `event: status\nid: ${version}\ndata: ${JSON.stringify({ version, state: 'awaiting_otp' })}\n\n`;

function follow() {
  const versions: number[] = [];
  const refusals: ApiError[] = [];
  const stream = new StatusStream(
    new Api(REQUEST_ID, SECRET),
    {
      status: (s: Status) => versions.push(s.version),
      refused: (error) => refusals.push(error),
    },
    TIMING,
  );
  stream.start();
  return { stream, versions, refusals };
}

let stop: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  await stop?.();
  stop = undefined;
});

describe('the activation page follows its event stream with the secret in a header', () => {
  test('reconnects after a cut, a 503 and a silent stream, each time from the last version; a 401 ends it', async () => {
    const server = await serve([
      // Two versions, then the connection is cut in the middle of a third event.
      (_, response) => {
        open(response);
        response.write(status(1) + status(2) + 'event: status\nid: 3\ndata: {"ver');
        setTimeout(() => response.destroy(), 20);
      },
      (_, response) => {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"error":{"code":"unavailable","message":"x"}}');
      },
      // Version 3 with a keep-alive comment, then nothing more: a connection dead without a close.
      (_, response) => {
        open(response);
        response.write(`${status(3)}: still waiting\n\n`);
      },
      (_, response) => {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end('{"error":{"code":"unauthorized","message":"the client secret has expired"}}');
      },
    ]);
    stop = server.close;
    const { versions, refusals } = follow();
    await vi.waitFor(() => expect(refusals).toHaveLength(1), { timeout: 5_000 });

    expect(versions).toEqual([1, 2, 3]);
    expect(refusals[0]).toMatchObject({ httpStatus: 401, code: 'unauthorized' });
    expect(server.seen.map((s) => s.lastEventId)).toEqual([undefined, '2', '2', '3']);
    for (const request of server.seen) {
      expect(request.url).toBe(`/v1/activations/${REQUEST_ID}/events`);
      expect(request.authorization).toBe(`Bearer ${SECRET}`);
    }
    // Refused: no further attempt.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.seen).toHaveLength(4);
  });

  test('close() ends the stream for good: no status after it, no reconnection', async () => {
    let sendMore: (() => void) | undefined;
    const server = await serve([
      (_, response) => {
        open(response);
        response.write(status(1));
        sendMore = () => response.write(status(2));
      },
    ]);
    stop = server.close;
    const { stream, versions } = follow();
    await vi.waitFor(() => expect(versions).toEqual([1]));
    stream.close();
    sendMore?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(versions).toEqual([1]);
    expect(server.seen).toHaveLength(1);
  });

  test('a stream that ends (a gateway restart) is opened again with Last-Event-ID', async () => {
    const server = await serve([
      (_, response) => {
        open(response);
        response.end(status(4));
      },
      (_, response) => {
        open(response);
        response.write(status(5));
      },
    ]);
    stop = server.close;
    const { stream, versions } = follow();
    await vi.waitFor(() => expect(versions).toEqual([4, 5]));
    stream.close();
    expect(server.seen.map((s) => s.lastEventId)).toEqual([undefined, '4']);
  });
});
