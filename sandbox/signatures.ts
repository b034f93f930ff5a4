// Payment-gateway webhook signatures (docs/design.md §3), in one place. The gateway's receiver implements the
// same formulas independently; the sandbox tests check them with their own code, not with this module.
import { createHash, createHmac } from 'node:crypto';
import queryString from 'query-string';

/**
 * Kashier, as Kashier's own reference code signs: sort `signatureKeys`, pick those keys from `data`,
 * serialise them with query-string's `stringify` (keys sorted, values percent-encoded strictly per
 * RFC 3986), then hex HMAC-SHA256 keyed with the merchant's Payment API key.
 */
export function kashierSignature(
  data: Record<string, unknown>,
  signatureKeys: readonly string[],
  secret: string,
): string {
  const picked = Object.fromEntries([...signatureKeys].sort().map((key) => [key, data[key]]));
  return createHmac('sha256', secret).update(queryString.stringify(picked)).digest('hex');
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

/** Fawry V2 server notification: hex SHA-256 over the fields concatenated, amounts with 2 decimals, then the secure key. */
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
  return createHash('sha256').update(text).digest('hex');
}
