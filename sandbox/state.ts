// Everything the sandbox remembers, in memory. One object so `POST /sandbox/reset` and tests can see
// and clear it all at once.
import { FaultRegistry } from './faults';
import type { GeoPoint } from './geo';

export type RequestStatus = 'pending_approval' | 'approved' | 'rejected' | 'customer_signed';
export type Gateway = 'kashier' | 'fawry';

/**
 * `requeststatus` numbers and names. 2 and 4 are Vlens's documented values, named as the seeds print them
 * ("Customer Signed", with a space); 1 and 3 are our choice, named as the documented lifecycle does.
 */
export const REQUEST_STATUS: Record<RequestStatus, { code: number; name: string }> = {
  pending_approval: { code: 1, name: 'Pending Approval' },
  approved: { code: 2, name: 'Approved' },
  rejected: { code: 3, name: 'Rejected' },
  customer_signed: { code: 4, name: 'Customer Signed' },
};

export interface BusinessRequestRecord {
  requestId: string;
  transactionId: string;
  status: RequestStatus;
  /** The user's "last active device location"; moves to the submitted point after a successful liveness. */
  referenceLocation: GeoPoint;
  hasPayment: boolean;
  amount: number;
  currency: string;
  gateway: Gateway;
  livenessOutcome: 'pass' | 'fail';
  revalidationPending: boolean;
  currentOtpRequestId: string | null;
  otpValidated: boolean;
  /** How many OTP SMS were "sent" for this request (chaos tests check for exactly one). */
  smsSent: number;
  otpRequestIds: string[];
  livenessChecks: { at: string; passed: boolean }[];
  paymentId: string | null;
  createdAt: string;
  customerSignedAt: string | null;
}

export type OtpStatus = 'active' | 'used' | 'dead' | 'superseded';

export interface OtpRecord {
  otpRequestId: string;
  requestId: string;
  code: string;
  expiresAt: number;
  wrongAttempts: number;
  status: OtpStatus;
}

export interface WebhookDelivery {
  at: string;
  kind: 'kashier' | 'fawry' | 'vlens';
  url: string;
  attempt: number;
  /** HTTP status of the receiver's answer, or null when the request itself failed. */
  httpStatus: number | null;
  error: string | null;
}

export interface PaymentRecord {
  paymentId: string;
  requestId: string;
  amount: number;
  currency: string;
  gateway: Gateway;
  status: 'pending' | 'paid' | 'declined';
  paidAt: string | null;
  /** The gateway event, built once when paid; a second "paid" re-sends it unchanged (a duplicate delivery). */
  gatewayEvent: { body: unknown; headers: Record<string, string>; eventId: string } | null;
}

export interface TokenRecord {
  kind: 'access' | 'refresh';
  audience: 'service' | 'user';
  subject: string;
  /** A user token's request: it is refused on any other. null for service tokens (valid for every request). */
  requestId: string | null;
  expiresAt: number;
}

export interface CallRecord {
  at: string;
  method: string;
  path: string;
  /** 0 when a fault dropped the connection without any response. */
  httpStatus: number;
  /**
   * The error_code `ours` sends for this outcome (null or 0 on success), in either dialect: a seed answer that
   * carries its error elsewhere (a string code, `data`, a message) is logged with our code. null for empty
   * bodies (a refused Bearer) and dropped calls.
   */
  errorCode: number | null;
  requestId?: string;
  /** Id of the injected fault that answered or dropped this call, if any. */
  faultId?: string;
  dropped?: true;
}

export class SandboxState {
  readonly requests = new Map<string, BusinessRequestRecord>();
  readonly otps = new Map<string, OtpRecord>();
  readonly payments = new Map<string, PaymentRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly calls: CallRecord[] = [];
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly faults = new FaultRegistry();

  reset(): void {
    this.requests.clear();
    this.otps.clear();
    this.payments.clear();
    this.tokens.clear();
    this.calls.length = 0;
    this.webhookDeliveries.length = 0;
    this.faults.clear();
  }
}
