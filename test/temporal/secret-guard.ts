// Proves secrets never leak: every history a test produces and every worker log line are scanned for
// the OTP codes, access tokens and images the test handled, in plain and base64 form.
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { isEncrypted } from '../../codec';

const capturedLogs: string[] = [];

/** The worker runtime's logger for tests: keeps every line for scanning, prints warnings and errors. */
export function capturingLogger(): DefaultLogger {
  return new DefaultLogger('INFO', (entry: LogEntry) => {
    const line = JSON.stringify({ level: entry.level, message: entry.message, meta: entry.meta }, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Error ? `${v.name}: ${v.message}` : v,
    );
    capturedLogs.push(line);
    if (entry.level === 'WARN' || entry.level === 'ERROR') process.stderr.write(`${line}\n`);
  });
}

export function capturedLogText(): string {
  return capturedLogs.join('\n');
}

/** The three base64 spellings of a secret, whatever its alignment inside a longer base64 text. */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    // Drop characters that mix in the neighbouring bytes: the start (shift) and the padded end.
    const start = Math.ceil((shift * 4) / 3);
    const total = shift + Buffer.byteLength(secret);
    const end = Math.floor((total * 4) / 3) - (total % 3 === 0 ? 0 : 1);
    const core = encoded.slice(start, Math.max(start, end));
    if (core.length >= 6) forms.push(core);
  }
  return forms;
}

/** A secret's tell-tale pieces: itself, and for long ones (images) sampled 64-character windows. */
function needles(secret: string): string[] {
  if (secret.length <= 256) return [secret, ...base64Forms(secret)];
  const windows: string[] = [];
  const step = Math.max(64, Math.floor(secret.length / 40));
  for (let i = 0; i + 64 <= secret.length; i += step) windows.push(secret.slice(i, i + 64));
  // An image is base64 already; also look for its decoded bytes re-encoded at other alignments.
  const decoded = Buffer.from(secret, 'base64').toString('latin1');
  for (let i = 0; i + 48 <= decoded.length; i += step) windows.push(...base64Forms(decoded.slice(i, i + 48)));
  return windows;
}

/**
 * Inside ciphertext only needles this long are looked for. A six-digit OTP code's base64 spellings are
 * six to eight characters, and any given six-character window turns up by chance in a few hundred
 * histories' worth of random base64; at twelve characters a chance match is out of reach. Short needles
 * are still looked for everywhere else, and test/temporal/data-safety.test.ts proves the ciphertext is
 * ciphertext (unreadable without the codec's key).
 */
const MIN_NEEDLE_IN_CIPHERTEXT = 12;

export interface Leak {
  where: string;
  secretKind: string;
  /** The text around the first match, the secret masked: enough to tell a real leak from a chance match. */
  excerpt: string;
}

export function findLeaks(text: string, secrets: Map<string, string>, where: string): Leak[] {
  return scan([{ text, ciphertext: false }], secrets, where);
}

/**
 * A history (as `historyToJSON` spells it) scanned for secrets: every field as written, the decoded bytes
 * of every payload not encrypted (search attributes, or any payload a misconfigured client wrote plain),
 * and the data of encrypted payloads for long needles only (see MIN_NEEDLE_IN_CIPHERTEXT).
 */
export function findHistoryLeaks(historyJson: string, secrets: Map<string, string>, where: string): Leak[] {
  const ciphertexts: string[] = [];
  const decoded: string[] = [];
  const readable = JSON.stringify(
    JSON.parse(historyJson, (_key, value) => {
      if (!isPayload(value)) return value;
      if (isEncrypted(asPayload(value))) {
        ciphertexts.push(value.data);
        return { ...value, data: '<ciphertext>' };
      }
      decoded.push(Buffer.from(value.data, 'base64').toString('utf8'));
      return value;
    }),
  );
  return scan(
    [
      { text: readable, ciphertext: false },
      ...decoded.map((text) => ({ text, ciphertext: false })),
      ...ciphertexts.map((text) => ({ text, ciphertext: true })),
    ],
    secrets,
    where,
  );
}

export interface HistoryPayload {
  metadata: Record<string, string>;
  data: string;
}

/** Every payload of a history, in the JSON form the UI sends to a codec server. */
export function historyPayloads(historyJson: string): HistoryPayload[] {
  const found: HistoryPayload[] = [];
  JSON.parse(historyJson, (_key, value) => {
    if (isPayload(value)) found.push(value);
    return value;
  });
  return found;
}

function isPayload(value: unknown): value is HistoryPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    'metadata' in value &&
    'data' in value &&
    typeof value.data === 'string'
  );
}

/** A payload as the codec reads it (metadata bytes), so "encrypted" means what the codec means by it. */
function asPayload(payload: HistoryPayload) {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]);
  return { metadata: Object.fromEntries(metadata) };
}

function scan(pieces: Array<{ text: string; ciphertext: boolean }>, secrets: Map<string, string>, where: string) {
  const leaks: Leak[] = [];
  for (const [secret, kind] of secrets) {
    const all = needles(secret);
    let excerpt: string | undefined;
    for (const piece of pieces) {
      const looked = piece.ciphertext ? all.filter((needle) => needle.length >= MIN_NEEDLE_IN_CIPHERTEXT) : all;
      for (const needle of looked) {
        const at = indexOfNeedle(piece.text, needle);
        if (at >= 0) excerpt ??= maskedExcerpt(piece.text, at, needle, all);
      }
    }
    if (excerpt !== undefined) leaks.push({ where, secretKind: kind, excerpt });
  }
  return leaks;
}

/**
 * A short all-digit secret (an OTP code) is searched as a number on its own: inside a longer number (an
 * event time's nanoseconds, a task id) or a hex identifier (a run id, a request id, the host name in a
 * worker's identity) six digits match by chance, and a leak would never be spelled so.
 */
function indexOfNeedle(text: string, needle: string): number {
  if (!/^\d{1,12}$/.test(needle)) return text.indexOf(needle);
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if (!(before && /[A-Za-z0-9]/.test(before)) && !(after && /[A-Za-z0-9]/.test(after))) return at;
  }
  return -1;
}

/** Forty characters either side of a match, with every spelling of the secret masked. */
function maskedExcerpt(text: string, at: number, needle: string, spellings: string[]): string {
  let excerpt = text.slice(Math.max(0, at - 40), at + needle.length + 40);
  for (const spelling of spellings) excerpt = excerpt.split(spelling).join('*'.repeat(spelling.length));
  return excerpt;
}
