// How the Vlens client reaches the network: the slice of fetch it uses (FetchLike, injectable for tests)
// and the default transport, undici's `request`, optionally through the worker's outbound guard
// (codec/outbound-guard.ts).
import { request, type Dispatcher } from 'undici';

export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The slice of fetch the client uses; `undiciFetch` by default, injectable for tests. */
export type FetchLike = (
  url: string,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<FetchResponseLike>;

/**
 * The default transport: undici's `request` (keep-alive connections from its global pool). Lighter than a
 * WHATWG fetch: the worker's profile had node-fetch's streams, headers and abort plumbing at about a tenth
 * of its main thread's busy time (BENCHMARKS.md, section 2). Every body is read to the end by `send`, which
 * hands the connection back to the pool.
 */
export const undiciFetch = async (
  url: string,
  init: Parameters<FetchLike>[1],
  dispatcher?: Dispatcher,
): Promise<FetchResponseLike> => {
  const { statusCode, headers, body } = await request(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: init.signal,
    ...(dispatcher ? { dispatcher } : {}),
  });
  return {
    status: statusCode,
    headers: {
      get(name: string): string | null {
        const value = headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: () => body.text(),
  };
};

/** `undiciFetch` through the worker's outbound guard (codec/outbound-guard.ts); `request` follows no redirects. */
export const undiciFetchVia =
  (dispatcher: Dispatcher): FetchLike =>
  (url, init) =>
    undiciFetch(url, init, dispatcher);
