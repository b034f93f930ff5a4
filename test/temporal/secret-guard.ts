// Proves secrets never leak: every history a test produces and every worker log line are scanned for
// the OTP codes, access tokens and images the test handled, in plain and base64 form.
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

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

export interface Leak {
  where: string;
  secretKind: string;
}

export function findLeaks(text: string, secrets: Map<string, string>, where: string): Leak[] {
  const leaks: Leak[] = [];
  for (const [secret, kind] of secrets) {
    if (needles(secret).some((needle) => contains(text, needle))) leaks.push({ where, secretKind: kind });
  }
  return leaks;
}

/**
 * A short all-digit secret (an OTP code) is searched as a number on its own: inside a longer number (an
 * event time's nanoseconds, a task id) six digits match by chance, and a leak would never be spelled so.
 */
function contains(text: string, needle: string): boolean {
  if (!/^\d{1,12}$/.test(needle)) return text.includes(needle);
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if (!(before && /\d/.test(before)) && !(after && /\d/.test(after))) return true;
  }
  return false;
}
