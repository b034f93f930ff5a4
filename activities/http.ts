// The Vlens HTTP client: headers, bearer tokens, timeouts, cancellation and envelope parsing. It returns
// what Vlens said (a VlensReply, activities/vlens-reply.ts) and leaves its meaning to outcomes.ts; it throws
// only for transport failures (timeout, connection), which activities/vlens-failures.ts builds.
//
// Never logged: request bodies (OTP codes, images, positions), tokens, response bodies.
import {
  activityLogger,
  cancelled,
  currentActivityCancellation,
  withCancellation,
  type VlensLogger,
} from './activity-context';
import { isServiceTokenRejection } from './classify';
import type { VlensConfig } from './config';
import { settle } from './outcomes';
import { loginDataSchema, refreshDataSchema, type LoginData } from './schemas';
import { undiciFetch, type FetchLike } from './transport';
import { networkFailure, timeoutFailure } from './vlens-failures';
import { parseEnvelope, type TokenSource, type VlensOp, type VlensReply } from './vlens-reply';

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
