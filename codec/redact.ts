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
  let out = s;
  for (const [pattern, replacement] of STRING_RULES) out = out.replace(pattern, replacement);
  return out;
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
