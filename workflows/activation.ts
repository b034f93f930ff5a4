// The activation workflow: one durable run per Vlens business request.
//
// Shape: a main loop advances the state machine (requesting an OTP, noticing expiry and timeouts,
// confirming payment) and sleeps until something it waits for changes; update and signal handlers
// deliver the human steps. One mutex serialises every Vlens call and every state decision, so two
// OTP submissions, or a submission and an expiry, can never interleave.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { LivenessImages, VlensActivities } from '../activities/contract';
import type { ImageActivities } from '../activities/image-activities';
import { VLENS_FAILURE_TYPES } from '../activities/contract';
import { ActivationRecord } from './activation-record';
import { businessMetrics } from './business-metrics';
import {
  checkActivationInput,
  checkCancel,
  checkExtendDeadline,
  checkOperatorAction,
  checkPaymentCompleted,
  checkResendOtp,
  checkSubmitLiveness,
  checkSubmitOtp,
} from './input-checks';
import {
  cancelSignal,
  livenessImageSignal,
  operatorCancelUpdate,
  operatorExtendDeadlineUpdate,
  operatorForceNewOtpUpdate,
  operatorRetryStepUpdate,
  operatorVerifyPaymentUpdate,
  otpCodeSignal,
  paymentCompletedSignal,
  resendOtpRequestedSignal,
  resendOtpUpdate,
  statusQuery,
  submitLivenessUpdate,
  submitOtpUpdate,
} from './messages';
import { msToNumber } from '@temporalio/common/lib/time';
import { resolvePolicy } from './policy';
import { ActivationStateKey, VlensRequestIdKey } from './search-attributes';
import {
  ATTENTION_REASONS,
  REJECTION_TYPES,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type ExtendDeadlineInput,
  type OperatorAction,
  type PaymentCompletedInput,
  type ResendOtpInput,
  type ResendOtpResult,
  type SubmitLivenessInput,
  type SubmitLivenessResult,
  type SubmitOtpInput,
  type SubmitOtpResult,
} from './types';
import {
  backgroundVlens,
  describeFailure,
  terminalReasonFor,
  unrecognisedAnswer,
  userFacingVlens,
  vlensFailureType,
} from './vlens-steps';

const { deleteActivationImages } = proxyActivities<ImageActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/** Best effort: a failure here leaves the files to the worker's orphan sweeper, never fails the activation. */
async function deleteImages(requestId: string): Promise<void> {
  try {
    await deleteActivationImages(requestId);
  } catch (error) {
    log.warn('deleting liveness images failed; the sweeper will remove them', { requestId, error: describeFailure(error) });
  }
}

export async function activation(input: ActivationInput): Promise<ActivationStatus> {
  checkActivationInput(input);
  const info = workflowInfo();
  const rec = new ActivationRecord(input, resolvePolicy(input.policy), info.workflowId, Date.now());
  const lock = new Mutex();
  const mainScope = new CancellationScope();

  // Starters that set the search attributes in the start request save an action here.
  if (info.typedSearchAttributes.get(ActivationStateKey) !== rec.state || !info.typedSearchAttributes.get(VlensRequestIdKey)) {
    upsertSearchAttributes([
      { key: ActivationStateKey, value: rec.state },
      { key: VlensRequestIdKey, value: rec.ctx.requestId },
    ]);
  }
  rec.note('started');
  businessMetrics.started();

  // ---- rejections -------------------------------------------------------------------------------

  const reject = (type: string, message: string, details?: unknown) =>
    ApplicationFailure.create({ type, message, nonRetryable: true, ...(details !== undefined ? { details: [details] } : {}) });

  function requireRunningIn(...states: ActivationState[]): void {
    if (rec.isTerminal()) {
      throw reject(REJECTION_TYPES.alreadyEnded, `the activation has ended (${rec.state})`, { state: rec.state });
    }
    if (!states.includes(rec.state)) {
      throw reject(REJECTION_TYPES.invalidState, `not possible while ${rec.state}`, { state: rec.state, expected: states });
    }
  }

  /** While an unrecognised Vlens answer holds a step, the user's steps wait for the operator. */
  const heldRejection = () =>
    reject(REJECTION_TYPES.invalidState, `waiting for an operator: Vlens gave an answer the service cannot read (${rec.hold?.step})`, {
      state: rec.state,
      needsAttention: true,
      attention: ATTENTION_REASONS.unrecognisedAnswer,
    });

  function requireNotHeld(): void {
    if (rec.hold && !rec.isTerminal()) throw heldRejection();
  }

  function requireResendAllowed(states: ActivationState[] = ['awaiting_otp']): void {
    requireRunningIn(...states);
    requireNotHeld();
    if (rec.otpSendsLeft() === 0) {
      throw reject(REJECTION_TYPES.sendsExhausted, `all ${rec.policy.maxOtpSends} OTP sends are used`, { sendsLeft: 0 });
    }
    const availableAt = rec.resendAvailableAt();
    if (Date.now() < availableAt) {
      const resendAvailableAt = new Date(availableAt).toISOString();
      throw reject(REJECTION_TYPES.resendCooldown, `a new OTP can be sent from ${resendAvailableAt}`, { resendAvailableAt });
    }
  }

  /** Maps a user-facing Vlens failure to what the waiting caller sees. */
  function userFacingFailure(error: unknown, step: string): ApplicationFailure {
    if (isCancellation(error)) return reject(REJECTION_TYPES.alreadyEnded, 'the activation was cancelled');
    if (vlensFailureType(error) === VLENS_FAILURE_TYPES.userTokenRejected) {
      rec.note(`${step}_token_rejected`);
      return reject(REJECTION_TYPES.invalidInput, 'Vlens rejected the access token; send a fresh accessToken', {
        field: 'accessToken',
      });
    }
    const reason = terminalReasonFor(error);
    if (reason) {
      rec.fail(reason, `Vlens answered ${describeFailure(error)} during ${step}`);
      return reject(REJECTION_TYPES.alreadyEnded, `the activation failed: ${reason}`, { state: rec.state, failureReason: reason });
    }
    const held = unrecognisedAnswer(error);
    if (held) {
      rec.holdForOperator(held.step, held.answer);
      return heldRejection();
    }
    rec.note(`${step}_unavailable`, describeFailure(error));
    // Not terminal: nothing was used up, the caller may simply try again.
    return ApplicationFailure.create({ type: 'VlensUnavailable', message: 'Vlens did not answer in time; try again' });
  }

  // ---- Vlens steps shared by the main loop and the handlers --------------------------------------

  /** Requests an OTP; Vlens may answer that the user moved and liveness must be re-validated first. */
  async function requestOtp(vlens: VlensActivities, background = false): Promise<void> {
    const result = await vlens.requestOtp({ ...rec.ctx, ...(background ? { deviceTimeNow: true } : {}) });
    if (result.transactionId) rec.ctx.transactionId = result.transactionId;
    const now = Date.now();
    if (result.otpRequestId) {
      rec.otpSends++;
      rec.otp = { otpRequestId: result.otpRequestId, sentAt: now, expiresAt: now + rec.policy.otpTtlMs, expiryNoted: false };
      rec.scheduleVersion++;
      rec.note('otp_sent', `send ${rec.otpSends} of ${rec.policy.maxOtpSends}`);
    }
    if (result.livenessRequired) {
      businessMetrics.livenessRequired();
      rec.livenessRequired = true;
      rec.otpSentWithLivenessDemand = Boolean(result.otpRequestId);
      rec.livenessDeadlineAt = now + rec.policy.livenessTimeoutMs;
      rec.moveTo('awaiting_liveness', 'device more than 80 km from its last location');
    } else {
      rec.moveTo('awaiting_otp');
    }
  }

  /**
   * Asks Vlens whether the payment went through; on proof the contract is activated. An answer the client
   * cannot read holds the step for an operator and counts as "not confirmed".
   */
  async function confirmPayment(trigger: string): Promise<boolean> {
    let activated: boolean;
    try {
      // Never cancelled half-way: once Vlens may have activated, we must learn the answer.
      ({ activated } = await CancellationScope.nonCancellable(() =>
        backgroundVlens(rec.deadlineAt - Date.now()).validatePayment({ ...rec.ctx, deviceTimeNow: true }),
      ));
    } catch (error) {
      const held = unrecognisedAnswer(error);
      if (!held) throw error;
      rec.holdForOperator(held.step, held.answer);
      return false;
    }
    if (activated) {
      rec.paidAt ??= new Date().toISOString();
      rec.note('payment_confirmed', trigger);
      rec.moveTo('activated');
      return true;
    }
    rec.note('payment_not_confirmed', trigger);
    return false;
  }

  function startPaymentWait(paymentLink: string | undefined): void {
    if (paymentLink) businessMetrics.paymentLinkIssued();
    rec.paymentLink = paymentLink;
    rec.paymentStageReached = true;
    rec.paymentDeadlineAt = Date.now() + rec.policy.paymentTimeoutMs;
    rec.reconcileIntervalMs = rec.policy.paymentReconcileInitialMs;
    rec.nextReconcileAt = Date.now() + rec.reconcileIntervalMs;
    rec.moveTo(paymentLink ? 'awaiting_payment' : 'activating');
  }

  // ---- the main loop ----------------------------------------------------------------------------

  /** Does what is due now and returns when it next needs to look again. */
  async function advance(): Promise<number> {
    const now = Date.now();
    if (rec.hold) {
      // Nothing runs while an operator decides; the overall deadline still ends it (needsAttention stays).
      if (now < rec.deadlineAt) return rec.deadlineAt;
      rec.fail('deadline_exceeded', `the overall deadline passed while ${rec.hold.step} waited for an operator`);
      return now;
    }
    if (now >= rec.deadlineAt && rec.state !== 'activating') {
      if (rec.state === 'awaiting_payment' && (await confirmPayment('final check at deadline'))) return now;
      rec.fail('deadline_exceeded', 'the overall activation deadline passed');
      return now;
    }
    switch (rec.state) {
      case 'requesting_otp':
        if (rec.otpSendsLeft() === 0) {
          rec.fail('otp_sends_exhausted', 'no OTP sends left after liveness re-validation');
          return now;
        }
        try {
          await requestOtp(backgroundVlens(rec.deadlineAt - now), true);
        } catch (error) {
          const held = unrecognisedAnswer(error);
          if (!held) throw error;
          rec.holdForOperator(held.step, held.answer);
        }
        return now;

      case 'awaiting_liveness': {
        const until = rec.livenessDeadlineAt ?? rec.deadlineAt;
        if (now >= until) {
          rec.fail('liveness_timeout', 'no liveness images arrived in time');
          return now;
        }
        return Math.min(until, rec.deadlineAt);
      }

      case 'awaiting_otp': {
        const otp = rec.otp;
        if (!otp) {
          rec.moveTo('requesting_otp');
          return now;
        }
        if (now < otp.expiresAt) return Math.min(otp.expiresAt, rec.deadlineAt);
        if (!otp.expiryNoted) {
          otp.expiryNoted = true;
          rec.note('otp_expired');
        }
        if (rec.otpSendsLeft() === 0) {
          rec.fail('otp_sends_exhausted', 'the last OTP expired and no sends are left');
          return now;
        }
        // The OTP expired; the user gets one more OTP lifetime to ask for a new one.
        const graceEnd = otp.expiresAt + rec.policy.otpTtlMs;
        if (now >= graceEnd) {
          rec.fail('otp_expired', 'the OTP expired and no new one was requested');
          return now;
        }
        return Math.min(graceEnd, rec.deadlineAt);
      }

      case 'awaiting_payment': {
        const hints = rec.paymentHints.splice(0);
        if (hints.length) {
          rec.moveTo('activating', `payment notification from ${hints.map((h) => h.source).join(', ')}`);
          if (await confirmPayment(`notification from ${hints[0]?.source}`)) return now;
          rec.moveTo('awaiting_payment');
          // The gateway said paid but Vlens has not seen it yet: look again soon.
          rec.reconcileIntervalMs = rec.policy.paymentReconcileInitialMs;
          rec.nextReconcileAt = now + rec.reconcileIntervalMs;
          return now;
        }
        const paymentDeadline = rec.paymentDeadlineAt ?? rec.deadlineAt;
        if (now >= paymentDeadline) {
          // One last look before giving up: a payment made in time must not be refunded for our delay.
          if (!(await confirmPayment('final check at payment timeout')) && !rec.hold) {
            rec.fail('payment_timeout', 'no confirmed payment before the payment deadline');
          }
          return now;
        }
        if (rec.nextReconcileAt !== undefined && now >= rec.nextReconcileAt) {
          if (await confirmPayment('reconciliation')) return now;
          rec.reconcileIntervalMs = Math.min(rec.reconcileIntervalMs * 2, rec.policy.paymentReconcileMaxMs);
          rec.nextReconcileAt = now + rec.reconcileIntervalMs;
        }
        return Math.min(rec.nextReconcileAt ?? paymentDeadline, paymentDeadline, rec.deadlineAt);
      }

      case 'activating':
        // Reached without a payment link: the request type needs no payment, so confirm right away.
        if (!(await confirmPayment('no payment required')) && !rec.hold) {
          rec.paymentLink = undefined;
          rec.moveTo('awaiting_payment', 'Vlens still expects a payment');
        }
        return now;

      default:
        return now;
    }
  }

  async function runMainLoop(): Promise<void> {
    while (!rec.isTerminal()) {
      // A cancel that arrives while a payment check runs (not cancellable, on purpose) is seen only at
      // the next cancellable await; without this the loop could decide on a further Vlens call by the
      // clock first, a decision a replay made differently once (chaos worker-kill, 2026-11-30). Stop
      // at once instead. patched(): older histories took the longer way and must replay unchanged.
      if (mainScope.consideredCancelled && patched('stop-main-loop-once-cancelled')) {
        throw new CancelledFailure('the activation was cancelled');
      }
      const wakeAt = await lock.runExclusive(advance);
      if (rec.isTerminal()) return;
      const version = rec.scheduleVersion;
      const waitMs = wakeAt - Date.now();
      if (waitMs > 0) {
        await condition(() => rec.scheduleVersion !== version, waitMs, {
          summary: `${rec.state}: next check`,
        });
      }
    }
  }

  // ---- updates ----------------------------------------------------------------------------------

  async function submitOtp(payload: SubmitOtpInput): Promise<SubmitOtpResult> {
    return lock.runExclusive(async () => {
      requireRunningIn('awaiting_otp');
      requireNotHeld();
      rec.absorb(payload);
      const otp = rec.otp;
      const answer = (outcome: SubmitOtpResult['outcome']): SubmitOtpResult => ({
        outcome,
        attemptsLeft: rec.otpAttemptsLeft(),
        status: rec.status(),
      });
      if (!otp || Date.now() >= otp.expiresAt) {
        rec.note('otp_submitted_after_expiry');
        return answer('expired');
      }
      let result;
      try {
        result = await userFacingVlens.validateOtp({ ...rec.ctx }, {
          otpRequestId: otp.otpRequestId,
          code: payload.code,
          ...(rec.imagesForOtpValidation ? { images: rec.imagesForOtpValidation } : {}),
        });
      } catch (error) {
        throw userFacingFailure(error, 'otp_validation');
      }
      switch (result.outcome) {
        case 'accepted':
          rec.note('otp_accepted');
          if (rec.imagesForOtpValidation) rec.note('liveness_accepted', 'with the OTP');
          rec.imagesForOtpValidation = undefined;
          rec.livenessRequired = false;
          startPaymentWait(result.paymentLink);
          return answer('accepted');
        case 'wrong_code':
          businessMetrics.wrongOtp();
          rec.wrongOtpAttempts++;
          rec.note('otp_wrong', `${rec.otpAttemptsLeft()} attempts left`);
          if (rec.otpAttemptsLeft() === 0) {
            rec.fail('otp_attempts_exhausted', 'too many wrong OTP codes');
            return answer('locked');
          }
          return answer('wrong_code');
        case 'expired':
          otp.expiresAt = Math.min(otp.expiresAt, Date.now());
          rec.scheduleVersion++;
          rec.note('otp_expired_at_vlens');
          return answer('expired');
        case 'locked':
          // Vlens killed this OTP (too many tries on it); a resend gets a new one.
          otp.expiresAt = Math.min(otp.expiresAt, Date.now());
          rec.scheduleVersion++;
          rec.note('otp_locked_at_vlens');
          return answer('locked');
        case 'liveness_required':
        case 'liveness_rejected':
          if (result.outcome === 'liveness_rejected') rec.livenessAttemptsUsed++;
          rec.note(result.outcome);
          rec.imagesForOtpValidation = undefined;
          if (rec.livenessAttemptsLeft() === 0) {
            rec.fail('liveness_rejected', 'liveness re-validation failed too often');
          } else {
            rec.livenessRequired = true;
            rec.livenessDeadlineAt = Date.now() + rec.policy.livenessTimeoutMs;
            rec.moveTo('awaiting_liveness');
          }
          return answer('liveness_rejected');
      }
    });
  }

  async function submitLiveness(payload: SubmitLivenessInput): Promise<SubmitLivenessResult> {
    return lock.runExclusive(async () => {
      requireRunningIn('awaiting_liveness');
      requireNotHeld();
      rec.absorb(payload);
      const images: LivenessImages = { image: payload.image, ...(payload.faces ? { faces: payload.faces } : {}) };
      rec.imagesSubmitted = true;
      let result;
      try {
        result = await userFacingVlens.revalidateLiveness({ ...rec.ctx }, images);
      } catch (error) {
        throw userFacingFailure(error, 'liveness');
      }
      const answer = (outcome: SubmitLivenessResult['outcome']): SubmitLivenessResult => ({
        outcome,
        attemptsLeft: rec.livenessAttemptsLeft(),
        status: rec.status(),
      });
      if (result.outcome === 'rejected') {
        rec.livenessAttemptsUsed++;
        rec.note('liveness_rejected', `${rec.livenessAttemptsLeft()} attempts left`);
        if (rec.livenessAttemptsLeft() === 0) rec.fail('liveness_rejected', 'liveness re-validation failed too often');
        return answer('rejected');
      }
      if (rec.otpSentWithLivenessDemand && rec.otp) {
        // Legacy flavour: the OTP already went out; the images ride along with its validation.
        rec.imagesForOtpValidation = images;
        rec.note('liveness_images_received');
        rec.moveTo('awaiting_otp');
      } else {
        rec.livenessRequired = false;
        rec.note('liveness_accepted');
        rec.moveTo('requesting_otp', 'liveness re-validated; requesting a new OTP');
      }
      return answer('accepted');
    });
  }

  async function resendOtp(payload: ResendOtpInput): Promise<ResendOtpResult> {
    return lock.runExclusive(async () => {
      requireResendAllowed();
      rec.absorb(payload);
      try {
        await requestOtp(userFacingVlens);
      } catch (error) {
        throw userFacingFailure(error, 'otp_resend');
      }
      return { status: rec.status() };
    });
  }

  setHandler(statusQuery, () => rec.status());

  // What lets the user's messages in, shared by the updates' validators and their signal twins.
  // `requesting_otp` is accepted because the SDK may hand a workflow task the user's message and the
  // requestOtp result together, and it runs the validator before it applies the activity result: the
  // SMS (or the liveness demand) is out and the status the app saw says so, but the state here still
  // says requesting. Refusing there would refuse a correct code. The handler waits for the main loop's
  // lock (held while the OTP is requested) and checks the state again, strictly, before doing anything;
  // a resend may then meet the cooldown of the OTP just sent (429, which the client lets the caller
  // retry with the same Idempotency-Key once it is over).
  function admitOtp(payload: SubmitOtpInput): void {
    checkSubmitOtp(payload);
    requireRunningIn('awaiting_otp', 'requesting_otp');
    requireNotHeld();
  }
  function admitLiveness(payload: SubmitLivenessInput): void {
    checkSubmitLiveness(payload);
    requireRunningIn('awaiting_liveness', 'requesting_otp');
    requireNotHeld();
  }
  function admitResend(payload: ResendOtpInput): void {
    checkResendOtp(payload);
    requireResendAllowed(['awaiting_otp', 'requesting_otp']);
  }

  setHandler(submitOtpUpdate, submitOtp, { validator: admitOtp });
  setHandler(submitLivenessUpdate, submitLiveness, { validator: admitLiveness });
  setHandler(resendOtpUpdate, resendOtp, { validator: admitResend });

  // ---- operator repairs: each one names the operator and the reason in the audit trail ------------

  const byOperator = (action: OperatorAction) => `by ${action.operator}: ${action.reason}`;

  function extensionMs(input: ExtendDeadlineInput): number {
    let ms = NaN;
    try {
      ms = msToNumber(input.extendBy);
    } catch {
      // reported below
    }
    if (!Number.isFinite(ms) || ms <= 0 || ms > 7 * 24 * 3_600_000) {
      throw reject(REJECTION_TYPES.invalidInput, 'extendBy must be a positive duration of at most 7 days', { field: 'extendBy' });
    }
    return ms;
  }

  setHandler(
    operatorExtendDeadlineUpdate,
    (input) =>
      lock.runExclusive(async () => {
        requireRunningIn(input.step === 'otp' ? 'awaiting_otp' : 'awaiting_payment');
        const ms = extensionMs(input);
        const now = Date.now();
        if (input.step === 'otp' && rec.otp) {
          rec.otp.expiresAt = Math.max(rec.otp.expiresAt, now) + ms;
          rec.otp.expiryNoted = false;
        } else {
          rec.paymentDeadlineAt = Math.max(rec.paymentDeadlineAt ?? now, now) + ms;
        }
        const stepDeadline = input.step === 'otp' ? (rec.otp?.expiresAt ?? now) : (rec.paymentDeadlineAt ?? now);
        rec.deadlineAt = Math.max(rec.deadlineAt, stepDeadline + rec.policy.otpTtlMs);
        rec.scheduleVersion++;
        rec.note(`operator_extended_${input.step}_deadline`, byOperator(input));
        return { status: rec.status() };
      }),
    {
      validator: (input) => {
        checkExtendDeadline(input);
        requireRunningIn(input.step === 'otp' ? 'awaiting_otp' : 'awaiting_payment');
        extensionMs(input);
      },
    },
  );

  setHandler(
    operatorForceNewOtpUpdate,
    (input) =>
      lock.runExclusive(async () => {
        requireRunningIn('awaiting_otp');
        rec.note('operator_forced_new_otp', byOperator(input));
        try {
          // Ignores the cooldown and the send limit: an operator decided the user needs one more.
          await requestOtp(userFacingVlens);
        } catch (error) {
          throw userFacingFailure(error, 'operator_otp');
        }
        return { status: rec.status() };
      }),
    { validator: (input) => (checkOperatorAction(input), requireRunningIn('awaiting_otp')) },
  );

  setHandler(
    operatorVerifyPaymentUpdate,
    (input) =>
      lock.runExclusive(async () => {
        requireRunningIn('awaiting_payment');
        rec.note('operator_verifying_payment', byOperator(input));
        // Vlens decides: the operator's word alone never activates a contract.
        const activated = await confirmPayment(`operator ${input.operator}`);
        return { activated, status: rec.status() };
      }),
    { validator: (input) => (checkOperatorAction(input), requireRunningIn('awaiting_payment')) },
  );

  const requireHeld = () => {
    requireRunningIn('requesting_otp', 'awaiting_liveness', 'awaiting_otp', 'awaiting_payment', 'activating');
    if (!rec.hold) throw reject(REJECTION_TYPES.invalidState, 'no step is waiting for an operator', { state: rec.state });
  };

  setHandler(
    operatorRetryStepUpdate,
    (input) =>
      lock.runExclusive(async () => {
        requireHeld();
        // Background steps run again from the main loop (a payment check at once); user steps accept the
        // app's next message.
        if (rec.hold?.step === 'validatePayment') rec.nextReconcileAt = Date.now();
        rec.releaseHold(byOperator(input));
        return { status: rec.status() };
      }),
    { validator: (input) => (checkOperatorAction(input), requireHeld()) },
  );

  setHandler(
    operatorCancelUpdate,
    async (input) => {
      requireRunningIn('requesting_otp', 'awaiting_liveness', 'awaiting_otp', 'awaiting_payment', 'activating');
      if (!rec.cancelRequested) {
        rec.cancelRequested = { reason: `${input.reason} (operator ${input.operator})` };
        rec.note('cancel_requested', byOperator(input));
        mainScope.cancel();
      }
      await condition(() => rec.isTerminal());
      return { status: rec.status() };
    },
    {
      validator: (input) => {
        checkOperatorAction(input);
        requireRunningIn('requesting_otp', 'awaiting_liveness', 'awaiting_otp', 'awaiting_payment', 'activating');
      },
    },
  );

  // ---- signals: the same effects, but nothing can be rejected, so problems become events ----------

  function signalTwin<T>(name: string, check: (payload: T) => void, run: (payload: T) => Promise<unknown>) {
    return async (payload: T) => {
      try {
        check(payload);
      } catch (error) {
        rec.note(`${name}_ignored`, error instanceof ApplicationFailure ? (error.type ?? undefined) : 'invalid');
        return;
      }
      try {
        await run(payload);
      } catch (error) {
        rec.note(`${name}_failed`, error instanceof ApplicationFailure ? (error.type ?? undefined) : 'error');
      }
    };
  }

  setHandler(otpCodeSignal, signalTwin('otp_signal', admitOtp, submitOtp));
  setHandler(livenessImageSignal, signalTwin('liveness_signal', admitLiveness, submitLiveness));
  setHandler(resendOtpRequestedSignal, signalTwin('resend_signal', admitResend, resendOtp));

  setHandler(paymentCompletedSignal, (payload: PaymentCompletedInput) => {
    try {
      checkPaymentCompleted(payload);
    } catch {
      rec.note('payment_notification_ignored', 'invalid payload');
      return;
    }
    if (rec.seenPaymentEventIds.has(payload.eventId)) {
      rec.note('payment_notification_duplicate', payload.source);
      return;
    }
    rec.seenPaymentEventIds.add(payload.eventId);
    if (payload.paidAt) rec.paidAt ??= payload.paidAt;
    if (rec.state === 'activated') {
      rec.note('payment_notification_after_activation', payload.source);
    } else if (rec.isTerminal()) {
      // Money arrived for an activation that is over: someone must look at it (refund or reactivate).
      rec.flagNeedsAttention(`payment notification from ${payload.source} after ${rec.failureReason ?? rec.state}`);
    } else {
      const early = rec.state !== 'awaiting_payment' && rec.state !== 'activating';
      rec.note(early ? 'payment_notification_early' : 'payment_notification', payload.source);
      rec.paymentHints.push(payload);
      // Early hints wait for the payment state (reaching it wakes the loop); in it, act now.
      if (rec.state === 'awaiting_payment') rec.scheduleVersion++;
    }
  });

  setHandler(cancelSignal, (payload) => {
    try {
      checkCancel(payload);
    } catch {
      rec.note('cancel_ignored', 'invalid payload');
      return;
    }
    if (rec.isTerminal() || rec.cancelRequested) {
      rec.note('cancel_ignored', rec.state);
      return;
    }
    rec.cancelRequested = { reason: payload.reason };
    rec.note('cancel_requested');
    mainScope.cancel();
  });

  // ---- run --------------------------------------------------------------------------------------

  try {
    await mainScope.run(runMainLoop);
  } catch (error) {
    if (isCancellation(error)) {
      rec.fail('cancelled', rec.cancelRequested ? `cancelled: ${rec.cancelRequested.reason}` : 'the workflow was cancelled');
    } else {
      const reason = terminalReasonFor(error);
      if (!reason) throw error; // a bug: let the workflow task fail visibly and be fixed, not swallowed
      rec.fail(reason, `Vlens answered ${describeFailure(error)}`);
    }
  }

  await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    // Introduced after the first histories were recorded: patched() keeps those replaying unchanged.
    if (patched('delete-liveness-images-at-end') && rec.imagesSubmitted) {
      await deleteImages(rec.ctx.requestId);
    }
    if (rec.state !== 'activated' && rec.paymentStageReached) {
      // A payment may still be in flight at the gateway: stay reachable for its notification.
      await condition(() => false, rec.policy.latePaymentWindowMs, { summary: 'late payment window' });
      await condition(allHandlersFinished);
    }
  });

  log.info('activation finished', { requestId: rec.ctx.requestId, state: rec.state, failureReason: rec.failureReason });
  if (rec.state === 'activated') return rec.status();
  throw ApplicationFailure.create({
    type: rec.failureReason ?? 'failed',
    message: rec.failureMessage ?? `activation ${rec.state}`,
    nonRetryable: true,
    details: [rec.status()],
  });
}
