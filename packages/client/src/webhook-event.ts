// The body of an outbound webhook (activities/webhook-activities.ts builds it; docs/gateway.md, "Webhooks to
// backends"), typed for receivers: `data.object` is the activation's status.
import type { ActivationStatus } from '../../../contract/types';

export interface ActivationWebhookEvent {
  /** `evt_<activationId>_v<version>`: the same for every delivery of one version. */
  id: string;
  type: 'activation.updated';
  /** Unix seconds of the change (workflow time). */
  created: number;
  data: { activationId: string; version: number; object: ActivationStatus };
}
