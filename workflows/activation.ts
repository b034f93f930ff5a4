// The activation workflow, one durable run per Vlens business request: its handlers, main loop and clean-up.
// The main loop (main-loop.ts) advances the state machine and sleeps until something it waits for changes;
// the handlers deliver the human steps. Each step has a home: otp/, liveness/ and payment/ (what it knows in
// its record, what it does in its step), operator.ts for the repairs; the record that composes them is
// activation-record.ts, the lock that serialises every Vlens call and state decision run.ts.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { checkActivationInput } from '../contract/input-checks';
import * as messages from '../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../contract/search-attributes';
import type { ActivationStatus, ActivationWorkflow } from '../contract/types';
import { ActivationRecord } from './activation-record';
import { temporalEffects } from './effects';
import { historyBound } from './history-bound';
import { LeanScope } from './lean-scope';
import { leanHistory } from './lean-history';
import * as liveness from './liveness/liveness';
import { runMainLoop } from './main-loop';
import { notifyBackends, registerWaitForChange } from './notifications';
import * as operator from './operator';
import * as otp from './otp/otp';
import * as payment from './payment/payment';
import { resolvePolicy } from './policy';
import type { ActivationRunInput } from './record-data';
import { ActivationRun } from './run';
import { describeFailure, terminalReasonFor } from './vlens-steps';

export async function activation(input: ActivationRunInput): Promise<ActivationStatus> {
  checkActivationInput(input);
  const info = workflowInfo();
  const startedAt = input.carried?.startedAt ?? Date.now();
  const lean = leanHistory();
  const policy = resolvePolicy(input.policy);
  const run = new ActivationRun(new ActivationRecord(input, policy, info.workflowId, startedAt, lean, temporalEffects));
  const { rec } = run;
  const bound = historyBound(run, input);
  announceStart(rec, input);
  registerHandlers(run);
  const backends = notifierOf(rec, input);
  try {
    await run.mainScope.run(() => runMainLoop(run, bound));
  } catch (error) {
    endedBy(rec, error);
  }
  if (!nothingLeftToDo(lean, rec, backends)) await cleanUp(lean, rec, backends);
  return outcome(rec);
}

/** Search attributes (unless the starter set them: that saves an action), the audit trail, the metric. */
function announceStart(rec: ActivationRecord, input: ActivationRunInput): void {
  const { typedSearchAttributes } = workflowInfo();
  const { machine } = rec;
  if (
    typedSearchAttributes.get(ActivationStateKey) !== machine.state ||
    !typedSearchAttributes.get(VlensRequestIdKey)
  ) {
    upsertSearchAttributes([
      { key: ActivationStateKey, value: machine.state },
      { key: VlensRequestIdKey, value: rec.ctx.requestId },
    ]);
  }
  if (input.carried) {
    // The same activation, continued: not counted as a new start (search attributes and memo were copied).
    machine.note('continued_as_new', `run ${rec.runs}`);
  } else {
    machine.note('started');
    temporalEffects.metrics.started();
  }
}

/** Registered in this order on purpose: buffered messages are delivered in it. */
function registerHandlers(run: ActivationRun): void {
  const { rec } = run;
  setHandler(messages.statusQuery, () => rec.status());
  registerWaitForChange(rec);
  run.onUpdate(messages.submitOtpUpdate, otp.submitOtp, otp.admitOtp);
  run.onUpdate(messages.submitLivenessUpdate, liveness.submitLiveness, liveness.admitLiveness);
  run.onUpdate(messages.resendOtpUpdate, otp.resendOtp, otp.admitResend);
  run.onUpdate(messages.operatorExtendDeadlineUpdate, operator.extendDeadline, operator.admitExtendDeadline);
  run.onUpdate(messages.operatorForceNewOtpUpdate, operator.forceNewOtp, operator.admitForceNewOtp);
  run.onUpdate(messages.operatorVerifyPaymentUpdate, operator.verifyPayment, operator.admitVerifyPayment);
  run.onUpdate(messages.operatorRetryStepUpdate, operator.retryStep, operator.admitRetryStep);
  run.onUpdate(messages.operatorCancelUpdate, operator.cancel, operator.admitCancel);
  // Signals: the same effects as the updates for senders that cannot wait; nothing can be refused.
  run.onSignalTwin(messages.otpCodeSignal, 'otp_signal', otp.submitOtp, otp.admitOtp);
  run.onSignalTwin(messages.livenessImageSignal, 'liveness_signal', liveness.submitLiveness, liveness.admitLiveness);
  run.onSignalTwin(messages.resendOtpRequestedSignal, 'resend_signal', otp.resendOtp, otp.admitResend);
  setHandler(messages.paymentCompletedSignal, (notice) => payment.paymentCompleted(run, notice));
  setHandler(messages.cancelSignal, (request) => operator.cancelSignal(run, request));
}

/** The activation's notifier, for backends with a webhook endpoint: it never blocks this run. */
interface Backends {
  /** Set when the activation is done: the notifier sends the final status and ends. */
  closing: boolean;
  notifying?: Promise<void>;
}

function notifierOf(rec: ActivationRecord, input: ActivationRunInput): Backends {
  const backends: Backends = { closing: false };
  if (input.webhooks) {
    // A continued run signals the notifier its first run started.
    const { workflowId } = rec;
    backends.notifying = LeanScope.nonCancellable(() =>
      notifyBackends(rec, workflowId, () => backends.closing, input.carried !== undefined),
    );
  }
  return backends;
}

/** How the main loop ended, if not in a terminal state: a cancel, or a terminal Vlens answer. */
function endedBy(rec: ActivationRecord, error: unknown): void {
  const { machine } = rec;
  if (isCancellation(error)) {
    machine.fail(
      'cancelled',
      machine.cancelRequested ? `cancelled: ${machine.cancelRequested.reason}` : 'the workflow was cancelled',
    );
    return;
  }
  const reason = terminalReasonFor(error);
  if (!reason) throw error; // a bug: let the workflow task fail visibly and be fixed, not swallowed
  machine.fail(reason, `Vlens answered ${describeFailure(error)}`);
}

/**
 * True when the clean-up would make no command and wait for nothing: a lean run (its image deletion asks no
 * patch) whose handlers have all finished, with no images to delete, no late payment to wait for and no
 * notifier to close. Nothing else can act in this workflow task then, so ending without the clean-up's scope
 * and waits (a dozen promises) makes the same commands in the same order.
 */
function nothingLeftToDo(lean: boolean, rec: ActivationRecord, backends: Backends): boolean {
  return (
    lean &&
    backends.notifying === undefined &&
    allHandlersFinished() &&
    !rec.liveness.imagesSubmitted &&
    !mayStillBePaid(rec)
  );
}

/** A payment may still be in flight at the gateway: the run stays reachable for its notification. */
function mayStillBePaid(rec: ActivationRecord): boolean {
  return rec.machine.state !== 'activated' && rec.payment.stageReached;
}

/** Not async on purpose: awaiting it is awaiting the scope, in the turns the workflow always took. */
function cleanUp(lean: boolean, rec: ActivationRecord, backends: Backends): Promise<void> {
  return LeanScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    // Introduced after the first histories were recorded: patched() keeps those replaying unchanged
    // (lean histories always delete, without a marker of their own).
    if ((lean || patched('delete-liveness-images-at-end')) && rec.liveness.imagesSubmitted) {
      await liveness.deleteImages(rec.ctx.requestId);
    }
    if (mayStillBePaid(rec)) {
      await condition(() => false, rec.policy.latePaymentWindowMs, { summary: 'late payment window' });
      await condition(allHandlersFinished);
    }
    backends.closing = true;
    await backends.notifying;
  });
}

/** The final status, or the failure that carries it. */
function outcome(rec: ActivationRecord): ActivationStatus {
  const { machine } = rec;
  log.info('activation finished', {
    requestId: rec.ctx.requestId,
    state: machine.state,
    failureReason: machine.failure?.reason,
  });
  if (machine.state === 'activated') return rec.status();
  throw ApplicationFailure.create({
    type: machine.failure?.reason ?? 'failed',
    message: machine.failure?.message ?? `activation ${machine.state}`,
    nonRetryable: true,
    details: [rec.status()],
  });
}

// The contract's signature of this workflow (contract/types.ts), which callers start it by: a change to either
// side that breaks a caller fails the typecheck here.
const matchesContract: ActivationWorkflow = activation;
void matchesContract;
