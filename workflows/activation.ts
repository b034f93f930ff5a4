// The activation workflow, one durable run per Vlens business request: its handlers, main loop and clean-up.
// The main loop (main-loop.ts) advances the state machine and sleeps until something it waits for changes;
// the handlers deliver the human steps. The steps are otp.ts, liveness.ts, payment.ts and operator.ts; the
// states and transitions states.ts; the data activation-record.ts; the lock that serialises every Vlens
// call and state decision run.ts.
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ActivationRecord } from './activation-record';
import { businessMetrics } from './business-metrics';
import { historyBound } from './history-bound';
import { leanHistory } from './lean-history';
import { checkActivationInput } from '../contract/input-checks';
import * as liveness from './liveness';
import * as m from '../contract/messages';
import { notifyBackends, registerWaitForChange } from './notifications';
import * as operator from './operator';
import * as otp from './otp';
import { runMainLoop } from './main-loop';
import * as payment from './payment';
import { resolvePolicy } from './policy';
import { ActivationRun } from './run';
import { ActivationStateKey, VlensRequestIdKey } from '../contract/search-attributes';
import type { ActivationStatus, ActivationWorkflow } from '../contract/types';
import type { ActivationRunInput } from './record-data';
import { describeFailure, terminalReasonFor } from './vlens-steps';

/**
 * True when the clean-up would make no command and wait for nothing: a lean run (its image deletion asks no
 * patch) whose handlers have all finished, with no images to delete, no late payment to wait for and no
 * notifier to close. Nothing else can act in this workflow task then, so ending without the clean-up's scope
 * and waits (a dozen promises) makes the same commands in the same order.
 */
function nothingLeftToDo(lean: boolean, rec: ActivationRecord, notifying: Promise<void> | undefined): boolean {
  return (
    lean &&
    notifying === undefined &&
    allHandlersFinished() &&
    !rec.liveness.imagesSubmitted &&
    !(rec.state !== 'activated' && rec.payment.stageReached)
  );
}

export async function activation(input: ActivationRunInput): Promise<ActivationStatus> {
  checkActivationInput(input);
  const info = workflowInfo();
  const { carried } = input;
  const startedAt = carried?.startedAt ?? Date.now();
  const lean = leanHistory();
  const run = new ActivationRun(
    new ActivationRecord(input, resolvePolicy(input.policy), info.workflowId, startedAt, lean),
  );
  const { rec, mainScope } = run;
  const bound = historyBound(run, input);

  // Starters that set the search attributes in the start request save an action here.
  if (
    info.typedSearchAttributes.get(ActivationStateKey) !== rec.state ||
    !info.typedSearchAttributes.get(VlensRequestIdKey)
  ) {
    upsertSearchAttributes([
      { key: ActivationStateKey, value: rec.state },
      { key: VlensRequestIdKey, value: rec.ctx.requestId },
    ]);
  }
  if (carried) {
    // The same activation, continued: not counted as a new start (search attributes and memo were copied).
    rec.note('continued_as_new', `run ${rec.runs}`);
  } else {
    rec.note('started');
    businessMetrics.started();
  }

  // ---- handlers (registered in this order on purpose: buffered messages are delivered in it) ----------

  setHandler(m.statusQuery, () => rec.status());
  registerWaitForChange(rec);
  run.onUpdate(m.submitOtpUpdate, otp.submitOtp, otp.admitOtp);
  run.onUpdate(m.submitLivenessUpdate, liveness.submitLiveness, liveness.admitLiveness);
  run.onUpdate(m.resendOtpUpdate, otp.resendOtp, otp.admitResend);
  run.onUpdate(m.operatorExtendDeadlineUpdate, operator.extendDeadline, operator.admitExtendDeadline);
  run.onUpdate(m.operatorForceNewOtpUpdate, operator.forceNewOtp, operator.admitForceNewOtp);
  run.onUpdate(m.operatorVerifyPaymentUpdate, operator.verifyPayment, operator.admitVerifyPayment);
  run.onUpdate(m.operatorRetryStepUpdate, operator.retryStep, operator.admitRetryStep);
  run.onUpdate(m.operatorCancelUpdate, operator.cancel, operator.admitCancel);
  // Signals: the same effects as the updates for senders that cannot wait; nothing can be refused.
  run.onSignalTwin(m.otpCodeSignal, 'otp_signal', otp.submitOtp, otp.admitOtp);
  run.onSignalTwin(m.livenessImageSignal, 'liveness_signal', liveness.submitLiveness, liveness.admitLiveness);
  run.onSignalTwin(m.resendOtpRequestedSignal, 'resend_signal', otp.resendOtp, otp.admitResend);
  setHandler(m.paymentCompletedSignal, (p) => payment.paymentCompleted(run, p));
  setHandler(m.cancelSignal, (p) => operator.cancelSignal(run, p));

  // Backends with a webhook endpoint hear about every change; the notifier never blocks this run.
  let closing = false;
  // A continued run signals the notifier its first run started.
  const notifying = input.webhooks
    ? CancellationScope.nonCancellable(() => notifyBackends(rec, info.workflowId, () => closing, carried !== undefined))
    : undefined;

  try {
    await mainScope.run(() => runMainLoop(run, bound));
  } catch (error) {
    if (isCancellation(error)) {
      rec.fail(
        'cancelled',
        rec.cancelRequested ? `cancelled: ${rec.cancelRequested.reason}` : 'the workflow was cancelled',
      );
    } else {
      const reason = terminalReasonFor(error);
      if (!reason) throw error; // a bug: let the workflow task fail visibly and be fixed, not swallowed
      rec.fail(reason, `Vlens answered ${describeFailure(error)}`);
    }
  }

  // ---- clean-up ---------------------------------------------------------------------------------------

  if (!nothingLeftToDo(lean, rec, notifying)) {
    await CancellationScope.nonCancellable(async () => {
      await condition(allHandlersFinished);
      // Introduced after the first histories were recorded: patched() keeps those replaying unchanged
      // (lean histories always delete, without a marker of their own).
      if ((lean || patched('delete-liveness-images-at-end')) && rec.liveness.imagesSubmitted) {
        await liveness.deleteImages(rec.ctx.requestId);
      }
      if (rec.state !== 'activated' && rec.payment.stageReached) {
        // A payment may still be in flight at the gateway: stay reachable for its notification.
        await condition(() => false, rec.policy.latePaymentWindowMs, { summary: 'late payment window' });
        await condition(allHandlersFinished);
      }
      closing = true;
      await notifying;
    });
  }

  log.info('activation finished', {
    requestId: rec.ctx.requestId,
    state: rec.state,
    failureReason: rec.failure?.reason,
  });
  if (rec.state === 'activated') return rec.status();
  throw ApplicationFailure.create({
    type: rec.failure?.reason ?? 'failed',
    message: rec.failure?.message ?? `activation ${rec.state}`,
    nonRetryable: true,
    details: [rec.status()],
  });
}

// The contract's signature of this workflow (contract/types.ts), which callers start it by: a change to either
// side that breaks a caller fails the typecheck here.
const matchesContract: ActivationWorkflow = activation;
void matchesContract;
