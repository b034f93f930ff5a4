// The two payment gateways' webhook signatures (design.md §3), computed from the fields of the raw
// body as received, and compared in constant time. Neither signs a timestamp, so replays are caught by
// the dedup record, not here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Kashier: the `key=value` pairs named by the sorted signatureKeys, values from `data`, joined by `&`. */
export function kashierCanonical(data: Record<string, unknown>, signatureKeys: readonly string[]): string {
  return [...signatureKeys]
    .sort()
    .map((key) => `${key}=${String(data[key])}`)
    .join('&');
}

/** Kashier: hex HMAC-SHA256 keyed with the merchant's webhook secret. */
export function kashierSignature(data: Record<string, unknown>, signatureKeys: readonly string[], secret: string): string {
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
