// Shared test helpers: an in-process sandbox on port 0, a tiny HTTP client, geometry for the 80 km rule,
// and one driver per API flavour so the part-B rules are checked against both with the same test code.
import { startSandbox, type SandboxOptions } from '../../sandbox/server';

export type Json = Record<string, unknown>;
export interface Envelope {
  data: unknown;
  error_code: number | null;
  error_message: string | null;
  error_descriptions: { field: string; message: string }[] | null;
}
export interface Res<T = Envelope> {
  status: number;
  body: T;
  headers: Headers;
}

export const API_KEY = 'sandbox-key';
export const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
export const DEVICE_TIME = '2025-01-15T10:30:00Z';
const EARTH_RADIUS_KM = 6371.0088;

/** A point exactly `km` north of `from` along its meridian (great-circle distance = R * Δlat in radians). */
export function north(from: { latitude: number; longitude: number }, km: number) {
  return { latitude: from.latitude + ((km / EARTH_RADIUS_KM) * 180) / Math.PI, longitude: from.longitude };
}

/** Distinct small "images": base64 of n different bytes, so no two captures are identical. */
export const image = (n: number, size = 64) => Buffer.alloc(size, n).toString('base64');
export const faces = () => ({ image: image(1), face_1: image(2), face_2: image(3), face_3: image(4) });

/** A fake clock tests can move forward. */
export function fakeClock(start = Date.parse('2025-01-15T10:30:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export async function startTestSandbox(options: Partial<SandboxOptions> = {}) {
  // Explicit nulls keep a developer's env (webhook URLs) out of the tests.
  const sandbox = await startSandbox({ port: 0, webhookUrl: null, vlensWebhookUrl: null, publicUrl: null, ...options });
  const http = new HttpClient(sandbox.url);
  return { sandbox, http, url: sandbox.url };
}

export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Envelope>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { ApiKey: API_KEY },
  ): Promise<Res<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML pages stay text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  post<T = Envelope>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  get<T = Envelope>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }

  async seed(body: Json = {}): Promise<{ requestId: string; transactionId: string; accessToken: string }> {
    const res = await this.post<{ requestId: string; transactionId: string; accessToken: string }>(
      '/sandbox/requests',
      { lastLocation: CAIRO, ...body },
      {},
    );
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async otpCode(otpRequestId: string): Promise<string> {
    const res = await this.get<{ code: string }>(`/sandbox/otps/${otpRequestId}`, {});
    if (res.status !== 200) throw new Error(`no OTP ${otpRequestId}`);
    return res.body.code;
  }

  /** Marks the request's payment paid through the payment link (as the page's Pay button does). */
  async pay(paymentLink: string, outcome: 'paid' | 'declined' = 'paid') {
    const paymentId = paymentLink.split('/').pop() as string;
    return this.post<Json>(`/sandbox/payments/${paymentId}`, { outcome }, {});
  }
}

export const CS = '/api/BusinessRequest/CustomerSign';

export function base(requestId: string, location = CAIRO, extra: Json = {}): Json {
  return { geoLocation: location, userDeviceUtcTime: DEVICE_TIME, requestId, ...extra };
}

/** One flavour of the activation API, driven through the same four verbs. */
export interface FlavourDriver {
  name: 'customer-sign' | 'legacy-activate';
  requestOtp(requestId: string, location?: typeof CAIRO): Promise<Res>;
  /** The otpRequestId of a successful requestOtp. */
  otpRequestIdOf(res: Res): string;
  /** Did requestOtp say that liveness re-validation is needed? */
  revalidationRequired(res: Res): boolean;
  /** Submit liveness images. Current flavour: StepReValidateLiveness; legacy: travels with validateOtp (null here). */
  revalidate(requestId: string, location: typeof CAIRO, scan?: Json): Promise<Res> | null;
  validateOtp(
    requestId: string,
    transactionId: string,
    otpRequestId: string,
    code: string,
    location?: typeof CAIRO,
    image?: string,
  ): Promise<Res>;
  paymentLinkOf(res: Res): string | null;
  validatePayment(requestId: string, transactionId: string, location?: typeof CAIRO): Promise<Res>;
}

export function customerSignDriver(http: HttpClient): FlavourDriver {
  return {
    name: 'customer-sign',
    requestOtp: (id, loc = CAIRO) => http.post(`${CS}/StepRequestOtp`, base(id, loc, { smsProviders: 1 })),
    otpRequestIdOf: (res) => (res.body.data as { otpRequestId: string }).otpRequestId,
    revalidationRequired: (res) => res.body.error_code === 4010,
    revalidate: (id, loc, scan = faces()) =>
      http.post(`${CS}/StepReValidateLiveness`, base(id, loc, { scanTransaction: scan })),
    validateOtp: (id, tx, otpRequestId, otpCode, loc = CAIRO) =>
      http.post(`${CS}/StepValidateOtp`, base(id, loc, { transactionId: tx, otpRequestId, otpCode })),
    paymentLinkOf: (res) => res.body.data as string | null,
    validatePayment: (id, tx, loc = CAIRO) =>
      http.post(`${CS}/StepValidatePayment`, base(id, loc, { transactionId: tx })),
  };
}

export function legacyDriver(http: HttpClient): FlavourDriver {
  const activate = (body: Json) => http.post('/api/BusinessRequest/Activate', body);
  return {
    name: 'legacy-activate',
    requestOtp: (id, loc = CAIRO) => activate(base(id, loc)),
    otpRequestIdOf: (res) => (res.body.data as { otpRequestId: string }).otpRequestId,
    revalidationRequired: (res) => (res.body.data as { needsReValidate: boolean } | null)?.needsReValidate === true,
    revalidate: () => null,
    validateOtp: (id, tx, otpRequestId, otpCode, loc = CAIRO, img) =>
      activate(
        base(id, loc, {
          transactionId: tx,
          otpRequestId,
          otpCode,
          ...(img ? { scanTransaction: { image: img } } : {}),
        }),
      ),
    paymentLinkOf: (res) => (res.body.data as { paymentLink: string | null }).paymentLink,
    validatePayment: (id, tx, loc = CAIRO) => activate(base(id, loc, { transactionId: tx })),
  };
}

export const drivers = [
  ['customer-sign', customerSignDriver],
  ['legacy-activate', legacyDriver],
] as const;

/** A Bearer refused as ASP.NET's JwtBearer refuses it: HTTP 401, no body at all, a Bearer challenge. */
export function bearerRefusal(res: Res<unknown>): { status: number; body: unknown; challenge: string | null } {
  return { status: res.status, body: res.body, challenge: res.headers.get('www-authenticate') };
}
export const INVALID_TOKEN = { status: 401, body: '', challenge: 'Bearer error="invalid_token"' };

/** Expect a well-formed error envelope. */
export function errorOf(res: Res): { status: number; code: number | null; message: string | null } {
  return { status: res.status, code: res.body.error_code, message: res.body.error_message };
}

/** A local HTTP receiver for webhooks: records raw bodies and headers, answers with scripted statuses. */
export async function startReceiver(statuses: number[] = []) {
  const { createServer } = await import('node:http');
  const received: { path: string; headers: Record<string, string | string[] | undefined>; raw: string }[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('{}');
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    /** Resolves once at least `n` deliveries have arrived (or rejects after a timeout). */
    async waitFor(n: number, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} webhook deliveries, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
