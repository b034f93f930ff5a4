// Small HTTP helpers for the drivers: JSON in and out, and a retrying call for a stack whose pieces are
// being killed (connection refused/reset, 5xx and 429 are retried until a deadline; other answers return).
// undici's `request` rather than fetch: the drivers share the benchmarked machine, and every millisecond
// of CPU they spend per activation is taken from the stack being measured (BENCHMARKS.md, section 2).
import { request, type Dispatcher } from 'undici';
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface RetryStats {
  /** Attempts that failed and were retried, by reason (`ECONNREFUSED`, `503`, ...). */
  retries: Map<string, number>;
}

export function newRetryStats(): RetryStats {
  return { retries: new Map() };
}

export async function httpJson(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HttpAnswer> {
  const response = await request(url, {
    method: method as Dispatcher.HttpMethod,
    headers: body !== undefined ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    // The wait for the answer, then each pause in its body (a fetch's AbortSignal bounded the whole exchange;
    // for these small JSON bodies the two are the same).
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, headers: toHeaders(response.headers), body: parsed };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

function errorReason(error: unknown): string {
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  // undici's "other side closed": the connection was reset under it.
  if (code === 'UND_ERR_SOCKET') return cause?.code ?? 'ECONNRESET';
  if (code) return code;
  if (cause?.code) return cause.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  return error instanceof Error ? error.name : 'error';
}

export interface RetryOptions {
  /** Give up (throw) after this long. */
  deadlineMs: number;
  stats?: RetryStats;
  /** Also retry these statuses (e.g. 404 right after a start). */
  retryStatuses?: number[];
  perAttemptTimeoutMs?: number;
  /** Error codes (`body.error.code`) returned to the caller instead of retried, e.g. `vlens_unavailable`. */
  passThroughCodes?: string[];
}

/** Calls until the answer is not a connection error, 5xx or 429, or the deadline passes. */
export async function httpRetry(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
  options: RetryOptions,
): Promise<HttpAnswer> {
  const until = Date.now() + options.deadlineMs;
  let delay = 200;
  let last = '';
  for (;;) {
    let reason: string;
    try {
      const answer = await httpJson(url, method, body, headers, options.perAttemptTimeoutMs ?? 30_000);
      const passThrough = (options.passThroughCodes ?? []).includes(answer.body?.error?.code);
      const retryable =
        !passThrough &&
        (answer.status >= 500 || answer.status === 429 || (options.retryStatuses ?? []).includes(answer.status));
      if (!retryable) return answer;
      reason = `${answer.status}${answer.body?.error?.code ? ` ${answer.body.error.code}` : ''}`;
      last = `${reason}: ${JSON.stringify(answer.body).slice(0, 300)}`;
    } catch (error) {
      reason = errorReason(error);
      last = `${reason}: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (options.stats) options.stats.retries.set(reason, (options.stats.retries.get(reason) ?? 0) + 1);
    if (Date.now() + delay > until)
      throw new Error(`${method} ${url} gave up after ${options.deadlineMs / 1000}s; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 2_000);
  }
}
