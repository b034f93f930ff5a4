// Business metrics emitted from the workflow through the SDK's metric meter, so they reach the same
// Prometheus endpoint as the worker's own metrics. The SDK suppresses them during replay, so a
// restarted worker does not count an activation twice.
import { metricMeter } from '@temporalio/workflow';
import type { ActivationState, FailureReason } from '../contract/types';

// Created on first use inside a workflow: module scope runs once per cached workflow context.
let instruments:
  | {
      started: ReturnType<typeof metricMeter.createCounter>;
      finished: ReturnType<typeof metricMeter.createCounter>;
      wrongOtp: ReturnType<typeof metricMeter.createCounter>;
      livenessRequired: ReturnType<typeof metricMeter.createCounter>;
      paymentLinks: ReturnType<typeof metricMeter.createCounter>;
      hintsDropped: ReturnType<typeof metricMeter.createCounter>;
      timeInState: ReturnType<typeof metricMeter.createHistogram>;
    }
  | undefined;

function meter() {
  instruments ??= {
    started: metricMeter.createCounter('vlens_activations_started', 'activations', 'Activations started'),
    finished: metricMeter.createCounter(
      'vlens_activations_finished',
      'activations',
      'Activations ended, by outcome and reason',
    ),
    wrongOtp: metricMeter.createCounter('vlens_otp_wrong_attempts', 'attempts', 'Wrong OTP codes submitted'),
    livenessRequired: metricMeter.createCounter(
      'vlens_liveness_revalidations_required',
      'activations',
      'Times Vlens demanded liveness re-validation (device moved > 80 km)',
    ),
    paymentLinks: metricMeter.createCounter(
      'vlens_payment_links_issued',
      'activations',
      'Activations that reached the payment step',
    ),
    hintsDropped: metricMeter.createCounter(
      'vlens_payment_hints_dropped',
      'notifications',
      'Payment notifications acknowledged and dropped because the run had seen its cap of distinct event ids',
    ),
    timeInState: metricMeter.createHistogram(
      'vlens_activation_state_duration',
      'int',
      'ms',
      'Time spent in each state',
    ),
  };
  return instruments;
}

export const businessMetrics = {
  started: () => meter().started.add(1),
  finished: (state: ActivationState, reason?: FailureReason) =>
    meter().finished.add(1, { outcome: state, reason: reason ?? 'none' }),
  wrongOtp: () => meter().wrongOtp.add(1),
  livenessRequired: () => meter().livenessRequired.add(1),
  paymentLinkIssued: () => meter().paymentLinks.add(1),
  paymentHintDropped: (source: string) => meter().hintsDropped.add(1, { source }),
  timeInState: (state: ActivationState, ms: number) =>
    meter().timeInState.record(Math.max(0, Math.round(ms)), { state }),
};

export type BusinessMetrics = typeof businessMetrics;
