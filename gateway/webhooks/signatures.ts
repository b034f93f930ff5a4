// The two payment gateways' webhook signatures (docs/design.md §3), computed from the fields of the raw
// body as received, and compared in constant time. Neither signs a timestamp, so replays are caught by
// the dedup record, not here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import queryString from 'query-string';

/** A value Kashier signs: text, a finite number or a boolean, serialised as query-string does. */
export type KashierSignedValue = string | number | boolean;

/**
 * Kashier's canonical text, as Kashier's own reference code builds it: sort `signatureKeys`, pick
 * those keys from `data`, and serialise them with query-string's `stringify` (keys sorted, values
 * percent-encoded strictly per RFC 3986: space `%20`, `:` `%3A`, `!'()*` escaped). The real package,
 * not a re-implementation: `encodeURIComponent` alone leaves `!'()*` as they are. Values are kept as
 * received (a number signs as its JavaScript text, a boolean as `true`/`false`). The caller checks
 * that every key names a plain value in `data`.
 */
export function kashierCanonical(data: Readonly<Record<string, unknown>>, signatureKeys: readonly string[]): string {
  // Object.fromEntries defines own properties only: a key such as `__proto__` can never reach a prototype.
  const picked = Object.fromEntries(
    [...signatureKeys]
      .sort()
      .filter((key) => Object.hasOwn(data, key))
      .map((key) => [key, data[key] as KashierSignedValue]),
  );
  return queryString.stringify(picked);
}

/** Kashier: hex HMAC-SHA256 of the canonical text, keyed with the merchant's Payment API key. */
export function kashierSignature(
  data: Readonly<Record<string, unknown>>,
  signatureKeys: readonly string[],
  secret: string,
): string {
  return createHmac('sha256', secret).update(kashierCanonical(data, signatureKeys), 'utf8').digest('hex');
}

export interface FawrySignedFields {
  fawryRefNumber: string;
  merchantRefNumber: string;
  paymentAmount: number;
  orderAmount: number;
  orderStatus: string;
  paymentMethod: string;
  paymentRefrenceNumber: string;
}

/** Fawry V2: hex SHA-256 over the fields in this order (amounts with 2 decimals), then the secure key. */
export function fawrySignature(f: FawrySignedFields, secureKey: string): string {
  const text =
    f.fawryRefNumber +
    f.merchantRefNumber +
    f.paymentAmount.toFixed(2) +
    f.orderAmount.toFixed(2) +
    f.orderStatus +
    f.paymentMethod +
    f.paymentRefrenceNumber +
    secureKey;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Constant-time comparison of two hex signatures, case-insensitive. Both sides are hashed first so the
 * comparison takes the same time whatever the length of the attacker's string.
 */
export function signaturesMatch(expectedHex: string, receivedHex: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text.trim().toLowerCase(), 'utf8').digest();
  return timingSafeEqual(digest(expectedHex), digest(receivedHex)) && receivedHex.trim().length === expectedHex.length;
}

/** Constant-time, exact comparison of two secrets (tokens, keys) of any length. */
export function secretsMatch(expected: string, received: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(received));
}
