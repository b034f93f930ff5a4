// Log redaction (docs/design.md §5: logs never print codes, images, tokens or positions). Two layers:
// field names that always hold secrets are replaced whatever their value, and strings are scanned
// for secret-looking content (Bearer tokens, JWTs, long base64, `key=value` secrets) wherever they appear.

export const REDACTED = '[redacted]';

/**
 * Secret field names, compared case-insensitively with `_` and `-` ignored (so `face_1`, `otp-code`,
 * `X-Api-Key`... match). `code` is always treated as secret — safety over convenience: log an error
 * code under another name (e.g. `errorCode`).
 */
export const SECRET_FIELDS = [
  'code',
  'otpCode',
  'image',
  'images',
  'faces',
  'face_1',
  'face_2',
  'face_3',
  'scanTransaction',
  'accessToken',
  'refreshToken',
  'token',
  'password',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'apikey',
  'x-api-key',
  'geoLocation',
  'latitude',
  'longitude',
  'device',
] as const;

const normalise = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');
const SECRET_KEYS = new Set(SECRET_FIELDS.map(normalise));

export function isSecretField(name: string): boolean {
  return SECRET_KEYS.has(normalise(name));
}

const FIELD_ALTERNATION = SECRET_FIELDS.map((f) => f.replace(/[-_]/g, '[-_]?')).join('|');
const STRING_RULES: Array<[RegExp, string]> = [
  // `"code":"123456"`, `password=hunter2`, `latitude: 30.04`, `authorization: Bearer x` — keep the name, drop the value.
  [
    new RegExp(
      `((?<![A-Za-z0-9_])["']?(?:${FIELD_ALTERNATION})["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*'|(?:Bearer\\s+)?[^\\s,&;}\\]]+)`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, `Bearer ${REDACTED}`],
  // JWTs: three base64url segments, the first starting with `eyJ` (`{"`).
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // Long base64/base64url runs are images or key material; 100 chars is well above ids and hashes (uuid 36, sha256 64).
  [/[A-Za-z0-9+/_-]{100,}={0,2}/g, REDACTED],
  // "OTP 123456", "code is 123456" in free text.
  [/\b(otp(?:\s*code)?|code)(\s*(?:is|:|=)?\s*)\d{4,8}\b/gi, `$1$2${REDACTED}`],
];

export function redactString(s: string): string {
  let out = redactQueryPairs(s);
  for (const [pattern, replacement] of STRING_RULES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Query parameter names that carry credentials, compared after decoding (issue 27): `access%5Ftoken`,
 * `%61ccess_token`, `%2574oken` (double-encoded) and `ACCESS_TOKEN` are all `access_token` to a server.
 */
const SECRET_PARAMS = new Set(
  [
    ...SECRET_FIELDS,
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'clientSecret',
    'api_key',
    'key',
    'sig',
    'signature',
    'auth',
    'credential',
    'session',
    'otp',
  ].map(normalise),
);

/** Decodes until stable (a few rounds: double and triple encoding), `+` as a space as forms do. */
function fullyDecoded(text: string): string {
  let current = text.replace(/\+/g, ' ');
  for (let round = 0; round < 5; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      // A stray `%` stops decoding; decode what can be decoded, one escape at a time.
      next = current.replace(/%[0-9A-Fa-f]{2}/g, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A value shaped like a credential whatever its name: a bearer, a JWT, a client secret (`vcs1.…`), or an
 * opaque run of 16+ token characters with letters and digits (API keys, webhook tokens). UUIDs (request
 * ids) stay readable.
 */
export function looksLikeSecretValue(value: string, minOpaqueChars = 16): boolean {
  const v = fullyDecoded(value).trim();
  if (/^bearer\s/i.test(v) || /^eyJ[A-Za-z0-9_-]*\./.test(v) || /^vcs\d+\./.test(v)) return true;
  if (UUID.test(v) || v.length < minOpaqueChars) return false;
  return /^[A-Za-z0-9._~+/=:-]+$/.test(v) && /[A-Za-z]/.test(v) && /[0-9]/.test(v);
}

/** Path segments are ids and names: only strong shapes, and opaque runs far longer than an id, count. */
const MIN_OPAQUE_PATH_CHARS = 40;

/** `name=value` pairs after `?`, `&` or `;`: the value goes when the decoded name or the value is secret. */
function redactQueryPairs(text: string): string {
  return text.replace(/([?&;])([^=&;#\s?]+)=([^&;#\s]*)/g, (whole, sep: string, name: string, value: string) =>
    SECRET_PARAMS.has(normalise(fullyDecoded(name))) || looksLikeSecretValue(value)
      ? `${sep}${name}=${REDACTED}`
      : whole,
  );
}

/**
 * A URL for a log line: secret query values by decoded name or by shape (above), and path segments shaped
 * like a credential (a token pasted where a request id goes), masked.
 */
export function redactUrl(url: string): string {
  const q = url.search(/[?#]/);
  const path = q < 0 ? url : url.slice(0, q);
  const rest = q < 0 ? '' : url.slice(q);
  const maskedPath = path
    .split('/')
    .map((segment) => (segment && looksLikeSecretValue(segment, MIN_OPAQUE_PATH_CHARS) ? REDACTED : segment))
    .join('/');
  return redactString(`${maskedPath}${rest}`);
}

/** pino `serializers.req` for the Fastify processes: method, redacted URL and the caller's address. */
export function serializeRequestForLog(request: { method: string; url: string; ip?: string }) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    ...(request.ip ? { remoteAddress: request.ip } : {}),
  };
}

const MAX_DEPTH = 25;

/** Deep copy with secrets replaced; cycles become '[circular]'. Never mutates its argument. */
export function redact(value: unknown): unknown {
  return copy(value, new WeakSet<object>(), 0);
}

function copy(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Date) return new Date(value.getTime());
  // Bytes are payload data (images, ciphertext): their size is all a log needs.
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => copy(v, seen, depth + 1));
    if (value instanceof Map) {
      return new Map(
        [...value].map(([k, v]) => [k, typeof k === 'string' && isSecretField(k) ? mask(v) : copy(v, seen, depth + 1)]),
      );
    }
    if (value instanceof Set) return new Set([...value].map((v) => copy(v, seen, depth + 1)));
    const out: Record<string, unknown> = {};
    // Errors keep their non-enumerable name, message and stack, redacted like any other string.
    if (value instanceof Error) {
      out.name = value.name;
      out.message = redactString(value.message);
      if (value.stack) out.stack = redactString(value.stack);
      if (value.cause !== undefined) out.cause = copy(value.cause, seen, depth + 1);
    }
    for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k) ? mask(v) : copy(v, seen, depth + 1);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** null/undefined stay visible: "no token was sent" is useful and secret-free. */
const mask = (v: unknown): unknown => (v === null || v === undefined ? v : REDACTED);

/**
 * pino `redact.paths` for Fastify request logging (`Fastify({ logger: { redact: { paths: REDACT_PATHS } } })`):
 * headers carrying credentials, and every secret field at the top level and up to two levels down
 * (e.g. `body.code`, `req.body.device`). pino matches paths exactly, so this complements, not replaces, `redact()`.
 */
export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers.apikey',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => {
    const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(f) ? `.${f}` : `["${f}"]`;
    return [key.startsWith('.') ? f : key, `*${key}`, `*.*${key}`];
  }),
];
