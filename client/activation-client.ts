// ActivationClient: the typed library a backend imports to drive activations (docs/design.md, "The
// workflow contract"). Every method validates its input with the shared zod schemas before anything is
// sent, talks to the workflow only through the message definitions in contract/messages.ts, and throws
// the typed errors of errors.ts (mapped in one place, error-mapping.ts). The work is done by one module per
// job: starting.ts, updates.ts (every update, from update-table.ts), reading.ts (status, long poll, list),
// signals.ts (payment notice, cancel), on the plumbing of activation-calls.ts.
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import {
  DEFAULT_TASK_QUEUE,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type CancelInput,
  type ExtendDeadlineInput,
  type OperatorAction,
  type OperatorUpdateResult,
  type PaymentCompletedInput,
  type ResendOtpInput,
  type ResendOtpResult,
  type SubmitLivenessInput,
  type SubmitLivenessResult,
  type SubmitOtpInput,
  type SubmitOtpResult,
  type VerifyPaymentResult,
} from '../contract/types';
import type { ImageStore } from '../codec';
import { ActivationCalls } from './activation-calls';
import { createTemporalClient, type TemporalClientOptions } from './connect';
import { storeSubmission } from './liveness-submission';
import { ActivationReader, type ActivationSummary } from './reading';
import { sendCancel, sendPaymentCompleted } from './signals';
import { startActivation, type StartOptions, type StartResult } from './starting';
import { UpdateSender, type UpdateOptions } from './updates';

export type { ActivationSummary } from './reading';
export { TERMINATED_WHILE_FAILING } from './signals';
export type { StartOptions, StartResult } from './starting';
export type { UpdateOptions } from './updates';

export interface ActivationClientOptions {
  /** An existing Temporal client. Without it, one is created from env (see connect.ts). */
  client?: Client;
  /** Connection settings used only when no `client` is given. */
  temporal?: TemporalClientOptions;
  /** Only used when the client is created here; a given `client` brings its own. */
  dataConverter?: DataConverter;
  /**
   * The claim-check store liveness images are put in before the update is sent. Loaded from env when
   * the client is created here; with a given `client`, images travel inline unless a store is given.
   */
  imageStore?: ImageStore;
  /**
   * How many liveness images one activation may store (issue 12: a per-activation upload quota, so one
   * activation cannot fill the disk). Default: IMAGE_QUOTA_PER_ACTIVATION or 16 (four full attempts of a
   * selfie and three face frames).
   */
  maxImagesPerActivation?: number;
  /** Task queue new activations are started on; default TEMPORAL_TASK_QUEUE or `vlens-activation`. */
  taskQueue?: string;
  /** How long a status read (query, describe, signal) may take. */
  callTimeoutMs?: number;
  /**
   * How long an update may take end to end. User-facing Vlens calls inside an update give up after
   * 60 s, so the default leaves room for that.
   */
  updateTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const DEFAULT_UPDATE_TIMEOUT_MS = 75_000;

export class ActivationClient {
  readonly client: Client;
  readonly taskQueue: string;
  private readonly imageStore?: ImageStore;
  private readonly maxImagesPerActivation: number;
  private readonly closeOwned?: () => Promise<void>;
  private readonly calls: ActivationCalls;
  private readonly updates: UpdateSender;
  private readonly reader: ActivationReader;

  constructor(options: ActivationClientOptions = {}) {
    if (options.client) {
      this.client = options.client;
      this.taskQueue = options.taskQueue ?? createTaskQueueDefault(options.temporal);
      if (options.imageStore) this.imageStore = options.imageStore;
    } else {
      const created = createTemporalClient({
        ...options.temporal,
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        ...(options.imageStore ? { imageStore: options.imageStore } : {}),
      });
      this.client = created.client;
      this.taskQueue = options.taskQueue ?? created.taskQueue;
      this.imageStore = created.imageStore;
      this.closeOwned = created.close;
    }
    this.maxImagesPerActivation =
      options.maxImagesPerActivation ?? imageQuotaFromEnv(options.temporal?.env ?? process.env);
    this.calls = new ActivationCalls(
      this.client,
      options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      options.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS,
    );
    this.updates = new UpdateSender(this.calls);
    this.reader = new ActivationReader(this.calls);
  }

  /** Closes the connection if this client created it; a client passed in is left to its owner. */
  async close(): Promise<void> {
    if (!this.closeOwned) return;
    await this.reader.settleProbes();
    await this.closeOwned();
  }

  /**
   * Starts the activation of a business request, idempotently: the workflow id is derived from the
   * requestId, a running activation is reused, and a failed or cancelled one may be started again.
   * Throws AlreadyActivated for a request that was activated.
   */
  async start(input: ActivationInput, options: StartOptions = {}): Promise<StartResult> {
    return startActivation(this.calls, this.taskQueue, input, options);
  }

  // ---- the app's steps: updates (update-table.ts), answered by the workflow ---------------------------

  /** Submits the OTP the user received; the answer says whether it was accepted. */
  async submitOtp(requestId: string, payload: SubmitOtpInput, options: UpdateOptions = {}): Promise<SubmitOtpResult> {
    return this.updates.send('submitOtp', requestId, payload, options);
  }

  /**
   * Submits the liveness selfie (and optionally three face frames), base64 or `blob:` references. With
   * an image store, images are stored first and only their references are sent.
   */
  async submitLiveness(
    requestId: string,
    payload: SubmitLivenessInput,
    options: UpdateOptions = {},
  ): Promise<SubmitLivenessResult> {
    if (this.imageStore) {
      const store = { images: this.imageStore, maxImagesPerActivation: this.maxImagesPerActivation };
      const prepared = await storeSubmission(this.calls, this.updates, store, requestId, payload, options);
      if ('earlier' in prepared) return prepared.earlier;
      payload = prepared.stored;
    }
    return this.updates.send('submitLiveness', requestId, payload, options);
  }

  /** Asks for a new OTP. Throws ResendCooldown (with resendAvailableAt) or SendsExhausted when not allowed. */
  async resendOtp(requestId: string, payload: ResendOtpInput, options: UpdateOptions = {}): Promise<ResendOtpResult> {
    return this.updates.send('resendOtp', requestId, payload, options);
  }

  // ---- a backend's signals (signals.ts) -------------------------------------------------------------

  /**
   * Tells the activation a payment was made. A hint, not proof: Vlens confirms it. Duplicate eventIds
   * are ignored by the workflow, so providers' redeliveries are harmless.
   */
  async paymentCompleted(requestId: string, payload: PaymentCompletedInput): Promise<void> {
    return sendPaymentCompleted(this.calls, requestId, payload);
  }

  /**
   * Cancels a running activation. The cancel signal is recorded first (its reason, encrypted, stays in
   * the history). A workflow whose task keeps failing never reads it (issue 27: a bug or an unreadable
   * value wedges the run, and the cancel answered 202 while it went on), so such a run is terminated:
   * Temporal ends it without running workflow code. Returns how it ended.
   */
  async cancel(requestId: string, reason: string | CancelInput): Promise<{ terminated: boolean }> {
    return sendCancel(this.calls, requestId, reason);
  }

  // ---- operator repairs (the CLI's `ops` commands; update-table.ts) ----------------------------------
  // Each names the operator and the reason, which the workflow records in `status.events`. Updates, so
  // a refusal (wrong state, bad input) writes nothing to history and comes back as a typed error.

  /** Gives the user more time for the OTP or the payment step (`extendBy`: '30m', '2h', or milliseconds). */
  async extendDeadline(
    requestId: string,
    payload: ExtendDeadlineInput,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    return this.updates.send('extendDeadline', requestId, payload, options);
  }

  /** Sends a new OTP now, ignoring the resend cooldown and the send limit (awaiting_otp only). */
  async forceNewOtp(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    return this.updates.send('forceNewOtp', requestId, action, options);
  }

  /**
   * Asks Vlens (StepValidatePayment) whether the payment went through (awaiting_payment only). Vlens
   * decides: `activated` is true only when it confirmed the payment and the activation completed.
   */
  async verifyPayment(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<VerifyPaymentResult> {
    return this.updates.send('verifyPayment', requestId, action, options);
  }

  /**
   * Lets the step that an unrecognised Vlens answer held (`status.attention`) run again: a background step
   * (OTP request, payment check) is retried at once; a user step accepts the app's next message.
   */
  async retryStep(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    return this.updates.send('retryStep', requestId, action, options);
  }

  /** Cancels a running activation on an operator's authority and waits until it has ended. */
  async operatorCancel(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    return this.updates.send('operatorCancel', requestId, action, options);
  }

  // ---- reading (reading.ts) --------------------------------------------------------------------------

  /**
   * Long poll: the status once its `version` is no longer `afterVersion` (or at once if it already moved,
   * or the activation ended), else the status as it is after `timeoutMs` (at most 60 s).
   */
  async waitForChange(
    requestId: string,
    options: { afterVersion: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ActivationStatus> {
    return this.reader.waitForChange(requestId, options);
  }

  /** The status object of docs/design.md (also for ended activations, while Temporal keeps their history). */
  async status(requestId: string): Promise<ActivationStatus> {
    return this.reader.status(requestId);
  }

  /**
   * The tenant an activation belongs to (`default` for one started before tenants), or undefined when
   * Temporal has no such activation.
   */
  async tenantOf(requestId: string): Promise<string | undefined> {
    return this.reader.tenantOf(requestId);
  }

  /**
   * Activations, newest first, optionally only those in one state (a visibility query on ActivationState)
   * and of one tenant (`tenant`; without it, every tenant's).
   */
  async list(options: { state?: ActivationState; limit?: number; tenant?: string } = {}): Promise<ActivationSummary[]> {
    return this.reader.list(options);
  }

  /** True when Temporal answers within `timeoutMs` (for health checks); never throws. */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    return this.reader.ping(timeoutMs);
  }
}

export const DEFAULT_IMAGES_PER_ACTIVATION = 16;

function imageQuotaFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.IMAGE_QUOTA_PER_ACTIVATION?.trim();
  if (!raw) return DEFAULT_IMAGES_PER_ACTIVATION;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 4 || value > 400) {
    throw new Error(`IMAGE_QUOTA_PER_ACTIVATION must be a whole number from 4 to 400, got "${raw}"`);
  }
  return value;
}

function createTaskQueueDefault(temporal: TemporalClientOptions | undefined): string {
  const env = temporal?.env ?? process.env;
  return env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}
