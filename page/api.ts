// The gateway's app routes, called with the client secret (docs/gateway.md, "Tenants, roles and client
// secrets"): status, OTP, resend, liveness, and the page's own branding. Same origin only (CSP connect-src
// 'self'); the event stream is read in events.ts.
export interface NextAction {
  type: 'submit_otp' | 'submit_liveness' | 'pay' | 'wait' | 'none';
  expiresAt?: string;
  attemptsLeft?: number;
  resendAvailableAt?: string;
  sendsLeft?: number;
  paymentLink?: string;
}

export interface Status {
  requestId: string;
  state:
    | 'requesting_otp'
    | 'awaiting_liveness'
    | 'awaiting_otp'
    | 'awaiting_payment'
    | 'activating'
    | 'activated'
    | 'failed'
    | 'cancelled';
  failureReason?: string;
  needsAttention: boolean;
  version: number;
  nextAction: NextAction;
  otp?: { expiresAt: string; attemptsLeft: number; sendsLeft: number; resendAvailableAt: string };
  liveness?: { required: boolean; attemptsLeft: number };
  payment?: { link?: string; deadline: string; paidAt?: string };
}

export interface PageConfig {
  displayName?: string;
  logoUrl?: string;
  accentColor?: string;
  liveness: { images: number; maxImageBytes: number };
}

export interface Device {
  geoLocation: { latitude: number; longitude: number };
  userDeviceUtcTime: string;
}

export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${httpStatus} ${code}`);
  }
}

export class Api {
  constructor(
    readonly requestId: string,
    private readonly secret: string,
  ) {}

  /** One request to the gateway with the secret in Authorization; a refusal is an ApiError, as is no answer. */
  private async send(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.secret}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'network');
    }
    if (!response.ok) {
      const parsed = parseJson(await response.text().catch(() => ''));
      const code = (parsed as { error?: { code?: string } } | undefined)?.error?.code ?? 'error';
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ApiError(response.status, code, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    return response;
  }

  private async call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const response = await this.send(method, path, {
      body,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new ApiError(0, 'network');
    }
    return parseJson(text) as T;
  }

  private get base(): string {
    return `/v1/activations/${encodeURIComponent(this.requestId)}`;
  }

  status = () => this.call<Status>('GET', this.base);
  config = () => this.call<PageConfig>('GET', `/activate/${encodeURIComponent(this.requestId)}/config`);
  submitOtp = (code: string, device: Device, idempotencyKey: string) =>
    this.callKeyed<{ outcome: string; attemptsLeft: number; status: Status }>(
      `${this.base}/otp`,
      { code, device },
      idempotencyKey,
    );
  resend = (device: Device, idempotencyKey: string) =>
    this.callKeyed<Status>(`${this.base}/otp/resend`, { device }, idempotencyKey);
  submitLiveness = (images: string[], device: Device, idempotencyKey: string) => {
    const [image, ...faces] = images;
    return this.callKeyed<{ outcome: string; attemptsLeft: number; status: Status }>(
      `${this.base}/liveness`,
      { image, ...(faces.length ? { faces } : {}), device },
      idempotencyKey,
    );
  };

  /** A retried request (a flaky mobile connection) with the same key gets the first answer, not a second try. */
  private callKeyed<T>(path: string, body: unknown, idempotencyKey: string): Promise<T> {
    return this.call<T>('POST', path, body, idempotencyKey);
  }

  /**
   * The event stream's response (GET /v1/activations/:id/events, read by events.ts), with the secret in
   * Authorization like every other call: never in the URL, which proxies in front of the gateway log.
   * `lastEventId`: the version already shown; the gateway then sends only newer ones (gateway/waiting.ts).
   */
  events(lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return this.send('GET', `${this.base}/events`, { headers, signal });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
