// A tiny stand-in for Vlens: a node:http server on port 0 that records each request and answers with
// whatever the test's handler crafts (an envelope, a raw body, a hang or a dropped connection).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when there was no body (a GET). */
  body: unknown;
}

export type FakeReply =
  | { status?: number; json?: unknown; raw?: string; headers?: Record<string, string>; delayMs?: number }
  | 'hang'
  | 'drop';

export type Handler = (req: Recorded) => FakeReply | Promise<FakeReply>;

export function envelope(
  data: unknown,
  errorCode: number | string | null = null,
  errorMessage: string | null = null,
  descriptions?: unknown,
) {
  return { data, error_code: errorCode, error_message: errorMessage, error_descriptions: descriptions ?? null };
}

/** An answer without any `error_code` key (which the client must never read as success). */
export function withoutCode(data: unknown, errorMessage: string | null = null) {
  return { data, error_message: errorMessage };
}

export const LOGIN_PATH = '/api/credentials/Login';
export const REFRESH_PATH = '/api/credentials/RefreshToken';
/** `GET {prefix}{requestId}`: where StepValidatePayment's claims are proven. */
export const REQUEST_STATUS_PREFIX = '/api/BusinessRequest/GetBusinessRequestById/';
export const isRequestStatus = (req: Recorded) => req.method === 'GET' && req.path.startsWith(REQUEST_STATUS_PREFIX);

/** GetBusinessRequestById's answer for a request in `status` (4 = Customer Signed, 2 = Approved). */
export function requestStatus(status: number | string): FakeReply {
  return {
    json: envelope({ id: 'r', requeststatus: status, requestStatusName: status === 4 ? 'Customer Signed' : 'Other' }),
  };
}

/** Logins hand out token-1, token-2, ...; refreshes hand out refreshed-1, ... */
export function tokenIssuer(expireInSeconds = 86_400) {
  let logins = 0;
  let refreshes = 0;
  return (req: Recorded): FakeReply | undefined => {
    if (req.path === LOGIN_PATH) {
      logins += 1;
      return {
        json: envelope({
          accessToken: `token-${logins}`,
          expireInSeconds,
          refreshToken: `refresh-${logins}`,
          refreshTokenExpireInSeconds: 604_800,
        }),
      };
    }
    if (req.path === REFRESH_PATH) {
      refreshes += 1;
      return { json: envelope({ accessToken: `refreshed-${refreshes}`, expireInSeconds }) };
    }
    return undefined;
  };
}

export interface FakeVlens {
  url: string;
  calls: Recorded[];
  callsTo(path: string): Recorded[];
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeVlens(initial: Handler): Promise<FakeVlens> {
  let handler = initial;
  const calls: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text === '' ? undefined : text;
      try {
        if (text !== '') body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const recorded: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      calls.push(recorded);
      void Promise.resolve(handler(recorded)).then(async (reply) => {
        if (reply === 'hang') return;
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        const payload = reply.raw ?? JSON.stringify(reply.json ?? envelope(null));
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.raw !== undefined ? 'text/html' : 'application/json',
          ...reply.headers,
        });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path),
    setHandler: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Awaits a promise expected to reject and returns the error, for inspecting failure fields. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}
