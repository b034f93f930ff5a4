// Provider webhooks built with the test's own code (not the gateway's or the sandbox's signature modules),
// so a formula bug on both sides cannot hide. For Kashier that is Kashier's reference construction: sort
// signatureKeys, pick them from data, query-string's stringify, HMAC-SHA256.
import { createHmac, randomUUID } from 'node:crypto';
import queryString from 'query-string';

/** The gateway's development default (gateway/server.ts). */
export const KASHIER_SECRET = 'kashier-dev-secret';

export type KashierData = Record<string, string>;

/** Kashier's reference code: sort signatureKeys, pick them from data, query-string's stringify. */
export const kashierText = (data: KashierData, keys: string[]) =>
  queryString.stringify(Object.fromEntries([...keys].sort().map((key) => [key, data[key]])));
/** The old, wrong construction: `key=value` joined by `&`, nothing encoded. */
export const oldKashierText = (data: KashierData, keys: string[]) =>
  [...keys]
    .sort()
    .map((key) => `${key}=${data[key]}`)
    .join('&');

export function kashierEvent(
  requestId: string,
  overrides: KashierData = {},
  secret = KASHIER_SECRET,
  text = kashierText,
) {
  const data: KashierData = {
    merchantOrderId: requestId,
    kashierOrderId: randomUUID().replaceAll('-', '').slice(0, 24),
    orderReference: "ORD-TEST (e2e)*!'",
    transactionId: `TX-${randomUUID().slice(0, 12)}`,
    status: 'SUCCESS',
    amount: '250.00',
    currency: 'EGP',
    method: 'card',
    cardBrand: 'Master Card',
    creationDate: new Date().toISOString(),
    ...overrides,
  };
  const signatureKeys = Object.keys(data).sort();
  const signature = createHmac('sha256', secret).update(text(data, signatureKeys)).digest('hex');
  const body: { event: string; data: Record<string, string | string[]> } = {
    event: 'pay',
    data: { ...data, signatureKeys },
  };
  return { body, signature, transactionId: data.transactionId! };
}
