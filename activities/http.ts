// The Vlens HTTP client: headers, bearer tokens, timeouts, cancellation and envelope parsing. It returns
// what Vlens said (a VlensReply) and leaves its meaning to outcomes.ts; it throws only for transport
// failures (timeout, connection), which outcomes.ts also builds.
//
// Never logged: request bodies (OTP codes, images, positions), tokens, response bodies.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
import type { VlensConfig } from './config';
import {
  isServiceTokenRejection,
  networkFailure,
  settle,
  timeoutFailure,
  type TokenSource,
  type VlensOp,
  type VlensReply,
} from './outcomes';
import { describeIssues, envelopeSchema, loginDataSchema, refreshDataSchema, type LoginData } from './schemas';

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

/** `undiciFetch` through the worker's outbound guard (outbound-guard.ts); `request` follows no redirects. */
export const undiciFetchVia =
  (dispatcher: Dispatcher): FetchLike =>
  (url, init) =>
    undiciFetch(url, init, dispatcher);

type LogMeta = Record<string, unknown>;
/** Structurally compatible with Temporal's Logger. */
export interface VlensLogger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity (scripts, tests)
  }
}

/** Logs through the running activity's logger (which adds workflow/activity ids), else nowhere. */
export const activityLogger: VlensLogger = {
  debug: (m, meta) => currentActivity()?.log.debug(m, meta),
  info: (m, meta) => currentActivity()?.log.info(m, meta),
  warn: (m, meta) => currentActivity()?.log.warn(m, meta),
  error: (m, meta) => currentActivity()?.log.error(m, meta),
};

export const currentActivityCancellation = (): AbortSignal | undefined => currentActivity()?.cancellationSignal;

export const PATHS = {
  login: '/api/credentials/Login',
  refresh: '/api/credentials/RefreshToken',
} as const;

export interface VlensHttpClientOptions {
  config: VlensConfig;
  fetch?: FetchLike;
  logger?: VlensLogger;
  /** Clock for token lifetimes; injectable so tests can age a token. */
  now?: () => number;
  /** The caller's cancellation; defaults to the current activity's, when there is one. */
  cancellationSignal?: () => AbortSignal | undefined;
}

type Method = 'POST' | 'GET';

interface Exchange {
  op: VlensOp;
  method: Method;
  path: string;
  body: string | undefined;
  headers: Record<string, string>;
  tokenSource: TokenSource;
  signal: AbortSignal | undefined;
}

interface ServiceToken {
  accessToken: string;
  refreshAt: number;
  refreshToken?: string;
  refreshExpiresAt: number;
}

/** Temporal aborts an activity's signal with a CancelledFailure; any other abort becomes one too. */
function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Vlens call cancelled');
}

/** Awaits a shared promise, but lets this caller walk away when its own activity is cancelled. */
function withCancellation<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const DEFAULT_TOKEN_LIFE_S = 86_400; // docs/vlens-api.md: expireInSeconds 86400

export class VlensHttpClient {
  private readonly config: VlensConfig;
  private readonly fetch: FetchLike;
  private readonly log: VlensLogger;
  private readonly now: () => number;
  private readonly cancellationSignal: () => AbortSignal | undefined;
  /** One service token per client (per worker process), shared by all activities. */
  private token: ServiceToken | undefined;
  /** Single flight: concurrent calls needing a token share one login/refresh. */
  private pendingToken: Promise<ServiceToken> | undefined;

  constructor(options: VlensHttpClientOptions) {
    this.config = options.config;
    this.fetch = options.fetch ?? undiciFetch;
    this.log = options.logger ?? activityLogger;
    this.now = options.now ?? Date.now;
    this.cancellationSignal = options.cancellationSignal ?? currentActivityCancellation;
  }

  /** POSTs a BusinessRequest call (see `call`). */
  post(op: VlensOp, path: string, body: unknown, auth: { userToken?: string } = {}): Promise<VlensReply> {
    return this.call(op, 'POST', path, JSON.stringify(body), auth);
  }

  /** GETs a BusinessRequest resource (see `call`). */
  get(op: VlensOp, path: string, auth: { userToken?: string } = {}): Promise<VlensReply> {
    return this.call(op, 'GET', path, undefined, auth);
  }

  /**
   * One BusinessRequest call. Uses the user's token when given (a 401 then means the app must supply a
   * fresh one); otherwise the service token, logging in again once if Vlens answers 401.
   */
  private async call(
    op: VlensOp,
    method: Method,
    path: string,
    body: string | undefined,
    auth: { userToken?: string },
  ): Promise<VlensReply> {
    const signal = this.cancellationSignal();
    const exchange = (headers: Record<string, string>, source: TokenSource) =>
      this.send({ op, method, path, body, headers, tokenSource: source, signal });
    if (auth.userToken) return exchange(this.headers(auth.userToken), 'user');
    if (this.config.serviceAuth === 'none') return exchange(this.headers(), 'none');

    const token = await withCancellation(this.serviceToken(), signal);
    const reply = await exchange(this.headers(token), 'service');
    if (!isServiceTokenRejection(reply, this.config)) return reply;
    this.log.warn('Vlens rejected the service token; logging in again', { op, path });
    this.invalidate(token);
    const fresh = await withCancellation(this.serviceToken(), signal);
    return exchange(this.headers(fresh), 'service');
  }

  /** The current service token, logging in or refreshing first when needed. */
  async serviceToken(): Promise<string> {
    const token = this.token;
    if (token && this.now() < token.refreshAt) return token.accessToken;
    this.pendingToken ??= this.obtainToken(token).finally(() => {
      this.pendingToken = undefined;
    });
    return (await this.pendingToken).accessToken;
  }

  /** Forgets a token Vlens rejected, unless a concurrent call already replaced it. */
  private invalidate(accessToken: string): void {
    if (this.token?.accessToken === accessToken) this.token = undefined;
  }

  private async obtainToken(previous: ServiceToken | undefined): Promise<ServiceToken> {
    if (previous?.refreshToken && this.now() < previous.refreshExpiresAt) {
      try {
        const refreshed = await this.requestToken('refresh', { refreshToken: previous.refreshToken }, previous);
        this.log.debug('Vlens service token refreshed');
        return refreshed;
      } catch (error) {
        // A refresh token can be revoked; a full login is the fallback.
        this.log.warn('Vlens token refresh failed; logging in', {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const token = await this.requestToken(
      'login',
      {
        tenancyName: this.config.tenancy,
        userNameOrEmailAddress: this.config.username,
        password: this.config.password,
      },
      undefined,
    );
    this.log.info('Vlens service login succeeded');
    return token;
  }

  private async requestToken(
    kind: 'login' | 'refresh',
    body: unknown,
    previous: ServiceToken | undefined,
  ): Promise<ServiceToken> {
    const path = kind === 'login' ? PATHS.login : PATHS.refresh;
    const headers = { ...this.headers(), TenancyName: this.config.tenancy };
    // No caller's cancellation: the login is shared by every waiting call.
    const reply = await this.send({
      op: 'serviceLogin',
      method: 'POST',
      path,
      body: JSON.stringify(body),
      headers,
      tokenSource: 'none',
      signal: undefined,
    });
    const settled = settle('serviceLogin', reply, kind === 'login' ? loginDataSchema : refreshDataSchema, this.config);
    // serviceLogin has no business outcomes; settle either succeeds or throws.
    if (settled.kind !== 'success') throw new Error(`unreachable: service login outcome ${settled.kind}`);
    const token = this.toToken(settled.data, previous);
    this.token = token;
    return token;
  }

  private toToken(data: LoginData, previous: ServiceToken | undefined): ServiceToken {
    const now = this.now();
    const lifeMs = (data.expireInSeconds ?? DEFAULT_TOKEN_LIFE_S) * 1000;
    const refreshToken = data.refreshToken ?? previous?.refreshToken;
    const refreshExpiresAt = data.refreshToken
      ? now + (data.refreshTokenExpireInSeconds ?? DEFAULT_TOKEN_LIFE_S) * 1000
      : (previous?.refreshExpiresAt ?? 0);
    return {
      accessToken: data.accessToken,
      refreshAt: now + lifeMs * this.config.tokenRefreshRatio,
      ...(refreshToken ? { refreshToken } : {}),
      refreshExpiresAt,
    };
  }

  private headers(bearer?: string): Record<string, string> {
    return {
      ApiKey: this.config.apiKey,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
    };
  }

  /** One HTTP exchange with an explicit timeout, honouring the caller's cancellation. */
  private async send({ op, method, path, body, headers, tokenSource, signal }: Exchange): Promise<VlensReply> {
    if (signal?.aborted) throw cancelled(signal);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.config.httpTimeoutMs);
    const onCancel = () => controller.abort();
    signal?.addEventListener('abort', onCancel, { once: true });
    const started = this.now();
    try {
      const response = await this.fetch(`${this.config.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: controller.signal,
      });
      const text = await response.text(); // inside the timeout: a stalled body is a timeout too
      const reply: VlensReply = {
        path,
        httpStatus: response.status,
        retryAfter: response.headers.get('retry-after'),
        tokenSource,
        body: parseEnvelope(text, response.headers.get('content-type')),
      };
      this.log.debug('Vlens call', {
        op,
        path,
        httpStatus: reply.httpStatus,
        errorCode: reply.body.ok
          ? (reply.body.envelope.error_code ?? null)
          : reply.body.empty
            ? 'empty-body'
            : 'invalid-body',
        tokenSource,
        ms: this.now() - started,
      });
      return reply;
    } catch (error) {
      if (signal?.aborted) throw cancelled(signal);
      if (timedOut) throw timeoutFailure(op, path, this.config.httpTimeoutMs);
      this.log.warn('Vlens call failed', { op, path, ms: this.now() - started });
      throw networkFailure(op, path, error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }
  }
}

/** Parses a body as the Vlens envelope; describes (never quotes) what was wrong with it. */
export function parseEnvelope(text: string, contentType: string | null): VlensReply['body'] {
  if (text.trim() === '') return { ok: false, reason: 'empty body', empty: true };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: `non-JSON body (content-type ${contentType ?? 'none'}, ${text.length} chars)`,
      empty: false,
    };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: `body is not an envelope (${describeIssues(parsed.error)})`, empty: false };
  return { ok: true, envelope: parsed.data };
}
