// What of a Vlens answer may be shown to an operator (failure messages, details, logs): Vlens's own message
// scrubbed of anything like a code or a token, field names without their values, and the shape of `data`
// without its values. Never request or response values: they may hold OTP codes, images, tokens or positions.
import type { VlensReply } from './vlens-reply';

/** Vlens's own message, minus anything that looks like a code or a token, bounded. */
export function scrub(text: string): string {
  return text
    .replace(/\d{4,}/g, '…')
    .replace(/[A-Za-z0-9+/=_.-]{24,}/g, '…')
    .slice(0, 160);
}

/** Field names only (never values), from the undocumented `error_descriptions` shape. */
export function fieldNames(descriptions: unknown): string[] {
  const names = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === 'string' && /^[\w.[\]-]{1,64}$/.test(name)) names.add(name);
  };
  if (Array.isArray(descriptions)) {
    for (const d of descriptions) {
      if (typeof d === 'string') continue; // a bare message: may quote a value
      if (d && typeof d === 'object') {
        const o = d as Record<string, unknown>;
        add(o.field ?? o.Field ?? o.name ?? o.key ?? o.propertyName);
      }
    }
  } else if (descriptions && typeof descriptions === 'object') {
    Object.keys(descriptions).forEach(add);
  }
  return [...names].slice(0, 20);
}

/** An answer as an operator may see it: statuses, codes, a scrubbed message, and the shape of `data`. */
export interface RedactedAnswer {
  httpStatus: number;
  body: string | { error_code: unknown; error_message: string | null; data: unknown };
}

/** The shape of a value: booleans and null as they are, numbers and strings as their kind and size. */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return `string(${value.length})`;
  if (value === undefined) return 'undefined';
  if (Array.isArray(value))
    return depth >= 2 ? `array(${value.length})` : value.slice(0, 5).map((v) => shapeOf(v, depth + 1));
  if (typeof value === 'object') {
    if (depth >= 2) return 'object';
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .slice(0, 20)
        .map(([key, v]) => [key.slice(0, 40), shapeOf(v, depth + 1)]),
    );
  }
  return typeof value;
}

export function redactAnswer(reply: VlensReply): RedactedAnswer {
  if (!reply.body.ok) return { httpStatus: reply.httpStatus, body: reply.body.empty ? 'empty' : reply.body.reason };
  const { error_code, error_message, data } = reply.body.envelope;
  return {
    httpStatus: reply.httpStatus,
    body: {
      error_code:
        error_code === undefined ? 'absent' : typeof error_code === 'string' ? shapeOf(error_code) : error_code,
      error_message: error_message ? scrub(error_message) : null,
      data: shapeOf(data),
    },
  };
}
