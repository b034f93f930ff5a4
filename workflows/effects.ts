// What the activation's record does beyond its own data: the ActivationState search attribute, the memo's
// attention flag and the business metrics. Behind this small interface so that the record and the step
// records run in plain unit tests (test/workflows/, with a fake that writes down each call); the workflow
// hands the record `temporalEffects`, which makes the SDK's calls.
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { ActivationStateKey } from '../contract/search-attributes';
import type { ActivationState } from '../contract/types';
import { businessMetrics, type BusinessMetrics } from './business-metrics';

export interface ActivationEffects {
  /** Writes the ActivationState search attribute: operators filter on where activations wait. */
  stateAttribute(state: ActivationState): void;
  /** Sets the memo's needsAttention flag with its reason, or clears both (`undefined`). */
  attentionMemo(reason: string | undefined): void;
  readonly metrics: BusinessMetrics;
}

export const temporalEffects: ActivationEffects = {
  stateAttribute: (state) => upsertSearchAttributes([{ key: ActivationStateKey, value: state }]),
  attentionMemo: (reason) =>
    upsertMemo(
      reason === undefined
        ? { needsAttention: false, needsAttentionReason: undefined }
        : { needsAttention: true, needsAttentionReason: reason },
    ),
  metrics: businessMetrics,
};
