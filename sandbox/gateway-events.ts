// The payment gateways' "paid" notifications, shaped like Kashier's webhook and Fawry's V2 server
// notification, signed as docs/design.md §3 says. Built once per payment: a repeated "paid" re-sends the same
// event, which is exactly a provider's duplicate delivery.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { fawrySignature, kashierSignature } from './signatures';
import type { PaymentRecord } from './state';

export interface GatewayEvent {
  body: unknown;
  headers: Record<string, string>;
  /** The provider's event identity (Kashier transactionId, Fawry fawryRefNumber). */
  eventId: string;
}

const digits = (n: number) => Array.from({ length: n }, () => randomInt(0, 10)).join('');

export function kashierPaidEvent(payment: PaymentRecord, secret: string, paidAt: string): GatewayEvent {
  const transactionId = `TX-${randomBytes(6).toString('hex')}`;
  const data: Record<string, string> = {
    // The Vlens requestId, so the receiver can find the activation.
    merchantOrderId: payment.requestId,
    kashierOrderId: randomBytes(12).toString('hex'),
    orderReference: `ORD-${payment.paymentId.slice(0, 8).toUpperCase()}`,
    transactionId,
    status: 'SUCCESS',
    amount: payment.amount.toFixed(2),
    currency: payment.currency,
    method: 'card',
    cardBrand: 'Master Card',
    // An ISO timestamp: its colons are percent-encoded in the signed text, as Kashier's are.
    creationDate: paidAt,
  };
  // Kashier signs every field it sends in `data`, named in sorted order.
  const signatureKeys = Object.keys(data).sort();
  const signature = kashierSignature(data, signatureKeys, secret);
  return {
    body: { event: 'pay', data: { ...data, signatureKeys } },
    headers: { 'x-kashier-signature': signature },
    eventId: transactionId,
  };
}

export function fawryPaidEvent(
  payment: PaymentRecord,
  secureKey: string,
  paidAtMs: number,
  paymentMethod: 'PayAtFawry' | 'CARD',
): GatewayEvent {
  const fields = {
    fawryRefNumber: digits(10),
    merchantRefNumber: payment.requestId,
    paymentAmount: payment.amount,
    orderAmount: payment.amount,
    orderStatus: 'PAID',
    paymentMethod,
    paymentRefrenceNumber: digits(8),
  };
  const body = {
    requestId: randomUUID(),
    ...fields,
    customerName: 'Sandbox Customer',
    customerMobile: '01000000000',
    customerMail: 'customer@example.com',
    customerMerchantId: payment.requestId,
    fawryFees: 0,
    paymentTime: paidAtMs,
    orderItems: [{ itemCode: 'vlens-activation', price: payment.amount, quantity: 1 }],
    messageSignature: fawrySignature(fields, secureKey),
  };
  return { body, headers: {}, eventId: fields.fawryRefNumber };
}
