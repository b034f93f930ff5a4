// ActivationClient: the typed library a backend imports to drive activations (docs/design.md, "The
// workflow contract"). Every method validates its input with the shared zod schemas before anything is
// sent, talks to the workflow only through the message definitions in workflows/messages.ts, and throws
// the typed errors of errors.ts (mapped in one place, error-mapping.ts).
import { createHash } from 'node:crypto';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  cancelSignal,
  operatorCancelUpdate,
  operatorExtendDeadlineUpdate,
  operatorForceNewOtpUpdate,
  operatorRetryStepUpdate,
  operatorVerifyPaymentUpdate,
  paymentCompletedSignal,
  resendOtpUpdate,
  statusQuery,
  submitLivenessUpdate,
  submitOtpUpdate,
  waitForChangeUpdate,
} from '../workflows/messages';
import { MAX_WAIT_MS } from '../workflows/notifications';
import { ActivationStateKey, VlensRequestIdKey } from '../workflows/search-attributes';
import { ADMITTED_IN } from '../workflows/states';
import {
  DEFAULT_POLICY,
  DEFAULT_TASK_QUEUE,
  SEARCH_ATTRIBUTES,
  TERMINAL_STATES,
  WORKFLOW_TYPE,
  workflowIdFor,
  type ActivationInput,
  type ActivationState,
  type ActivationStatus,
  type CancelInput,
  type ExtendDeadlineInput,
  type OperatorAction,
  type PaymentCompletedInput,
  type Policy,
  type ResendOtpInput,
  type OperatorUpdateResult,
  type ResendOtpResult,
  type SubmitLivenessInput,
  type SubmitLivenessResult,
  type SubmitOtpInput,
  type SubmitOtpResult,
  type VerifyPaymentResult,
} from '../workflows/types';
import type { ImageStore } from '../codec';
import { createTemporalClient, type TemporalClientOptions } from './connect';
import { toActivationError } from './error-mapping';
import {
  ActivationEnded,
  ActivationError,
  ActivationNotFound,
  AlreadyActivated,
  InvalidState,
  ResendCooldown,
  VlensUnavailable,
} from './errors';
import {
  activationInputSchema,
  cancelSchema,
  extendDeadlineSchema,
  idempotencyKeySchema,
  listQuerySchema,
  livenessUploadSchema,
  normaliseRequestId,
  operatorActionSchema,
  parseInput,
  paymentCompletedSchema,
  resendOtpSchema,
  submitLivenessSchema,
  submitOtpSchema,
} from './schemas';
import { storeLivenessImages } from './liveness-images';
import { requireOtpBudgetLeft, spentBefore } from './otp-budget';
import { applyServerPolicy, maxLifeMs } from './server-policy';
import { ActivationTenantKey, DEFAULT_TENANT, isTenantName, tenantOfAttributes, tenantQueryClause } from './tenancy';

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

/** Per-call options of the updates. */
export interface UpdateOptions {
  /**
   * The caller's idempotency key. The update id is derived from it (`otp-<key>`), so a retried call
   * returns the first call's answer instead of being a second OTP attempt.
   */
  idempotencyKey?: string;
  /**
   * Who uses the key (the gateway passes the caller and route): the update id then becomes
   * `otp-<hash of scope>-<key>`, so two callers choosing the same key never share an answer.
   */
  idempotencyScope?: string;
}

/** How long a start waits for the first Vlens step by default before answering with "requesting". */
const FIRST_STEP_WAIT_MS = 10_000;

export interface StartOptions {
  /**
   * The tenant the activation belongs to (recorded in the `ActivationTenant` search attribute at start).
   * Default `default`. A requestId whose activation belongs to another tenant cannot be started (or
   * restarted): ActivationNotFound, as if it did not exist.
   */
  tenant?: string;
  /**
   * The server's policy (client/server-policy.ts): the request's `policy` may only tighten it
   * (PolicyNotAllowed otherwise), and the activation starts with the complete result. Without it the
   * request's policy is taken as it is (trusted callers: the CLI, tests).
   */
  serverPolicy?: Policy;
  /**
   * Answer with the status after the first Vlens step (the OTP sent, or liveness demanded) instead of
   * "requesting": the start and a `waitForChange` update go to Temporal as one update-with-start. Waits at
   * most `timeoutMs` (default 10 s), then answers with the status as it is.
   */
  waitForFirstStep?: boolean | { timeoutMs: number };
  /** The tenant has a webhook endpoint: the activation tells it every change (workflows/notifications.ts). */
  webhooks?: boolean;
}

export interface StartResult {
  status: ActivationStatus;
  /** false when the activation was already running (the start was a no-op). */
  created: boolean;
  /** The tenant the activation belongs to. */
  tenant: string;
  /** How long the activation can live at most (its deadline plus the late-payment window). */
  maxLifeMs: number;
}

/** States in which the workflow admits a liveness submission (its validator's list). */
const LIVENESS_STATES: readonly ActivationState[] = ADMITTED_IN.submitLiveness;

export interface ActivationSummary {
  requestId: string;
  workflowId: string;
  runId: string;
  /** The `ActivationState` search attribute (kept current by the workflow). */
  state?: ActivationState;
  /** The `ActivationTenant` search attribute (`default` when absent). */
  tenant: string;
  /** Temporal's execution status: RUNNING, COMPLETED (activated), FAILED, TERMINATED, ... */
  executionStatus: string;
  startTime: string;
  closeTime?: string;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const DEFAULT_UPDATE_TIMEOUT_MS = 75_000;

/** The terminate reason of a cancel that met a failing workflow task (docs/operator-guide.md). */
export const TERMINATED_WHILE_FAILING = 'cancelled while its workflow task was failing';

/** After this many come-back-later answers for one idempotency key, the last one is final. */
const MAX_UPDATE_GENERATIONS = 20;

export class ActivationClient {
  readonly client: Client;
  readonly taskQueue: string;
  private readonly imageStore?: ImageStore;
  private readonly maxImagesPerActivation: number;
  private readonly closeOwned?: () => Promise<void>;
  /** Health probes still in flight (they can outlive ping's answer; see close). */
  private readonly probes = new Set<Promise<boolean>>();
  private readonly callTimeoutMs: number;
  private readonly updateTimeoutMs: number;

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
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.updateTimeoutMs = options.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
  }

  /** Closes the connection if this client created it; a client passed in is left to its owner. */
  async close(): Promise<void> {
    if (!this.closeOwned) return;
    // A probe that ping stopped waiting for may still be retrying inside the gRPC client; closing the
    // channel under its retry timer throws an uncaught "Channel has been shut down". Its deadline ends it soon.
    if (this.probes.size)
      await Promise.race([
        Promise.allSettled([...this.probes]),
        new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
      ]);
    await this.closeOwned();
  }

  /**
   * Starts the activation of a business request, idempotently: the workflow id is derived from the
   * requestId, a running activation is reused, and a failed or cancelled one may be started again.
   * Throws AlreadyActivated for a request that was activated.
   */
  async start(input: ActivationInput, options: StartOptions = {}): Promise<StartResult> {
    const parsed = parseInput(activationInputSchema, input, 'activation input');
    const tenant = options.tenant ?? DEFAULT_TENANT;
    if (!isTenantName(tenant)) throw new Error(`not a tenant name: ${JSON.stringify(tenant)}`);
    // Bounded before anything reaches Temporal: a refused policy starts nothing and sends no SMS.
    const policy = options.serverPolicy ? applyServerPolicy(parsed.policy, options.serverPolicy) : parsed.policy;
    if (policy) parsed.policy = policy;
    const workflowInput: ActivationInput = options.webhooks ? { ...parsed, webhooks: true } : parsed;
    const { requestId } = parsed;
    const about = { tenant, maxLifeMs: maxLifeMs(policy ?? DEFAULT_POLICY) };
    return this.guard(requestId, async () => {
      // At most two rounds: a start that loses a race re-reads the run that won (see startOnce).
      for (let round = 0; ; round++) {
        const outcome = await this.startOnce(requestId, tenant, workflowInput, policy, options);
        if (outcome !== 'lost-race') return { ...outcome, ...about };
        if (round === 1) throw new ActivationNotFound(requestId);
      }
    });
  }

  /**
   * One attempt at a start. Who owns a requestId is decided by Temporal in the step that creates the
   * workflow (issue 27): the start fails when the workflow id exists (conflict policy FAIL), and a fresh
   * start also refuses any earlier run (REJECT_DUPLICATE), so of two tenants starting the same requestId
   * at once exactly one creates the run, with its tenant in the search attributes of that same request.
   * The other gets WorkflowExecutionAlreadyStarted and reads the run that won: another tenant's answers
   * ActivationNotFound, as if it did not exist. A new run after a failed one (ALLOW_DUPLICATE_FAILED_ONLY)
   * is only tried when the last run is the caller's, so no other tenant can take the id over in between:
   * its own describe sees that run, and its fresh start is refused by REJECT_DUPLICATE.
   */
  private async startOnce(
    requestId: string,
    tenant: string,
    workflowInput: ActivationInput,
    policy: Partial<Policy> | undefined,
    options: StartOptions,
  ): Promise<{ created: boolean; status: ActivationStatus } | 'lost-race'> {
    const workflowId = workflowIdFor(requestId);
    const existing = await this.describe(workflowId);
    const settled = await this.answerForExisting(requestId, tenant, existing);
    if (settled) return settled;
    // A new run after a failure or cancel inherits the OTP budget its predecessors spent (otp-budget.ts).
    const spent = existing
      ? await spentBefore(this.client, existing, { ...DEFAULT_POLICY, ...policy }, this.callTimeoutMs)
      : undefined;
    if (spent) requireOtpBudgetLeft(requestId, spent, policy);
    const startOptions = {
      taskQueue: this.taskQueue,
      workflowId,
      args: [spent ? { ...workflowInput, spent } : workflowInput] as [ActivationInput],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: existing
        ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
        : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Set at start so the activation is findable by state at once (and the workflow skips an upsert);
      // the tenant is written by the same request that creates the run, which is what makes it the owner.
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: requestId },
        { key: ActivationTenantKey, value: tenant },
      ],
    };
    try {
      if (options.waitForFirstStep) {
        const timeoutMs =
          typeof options.waitForFirstStep === 'object' ? options.waitForFirstStep.timeoutMs : FIRST_STEP_WAIT_MS;
        // One round trip: the run starts and the update waits in it until the first step changed the state.
        const status = await this.withDeadline(timeoutMs + this.callTimeoutMs, () =>
          this.client.workflow.executeUpdateWithStart(waitForChangeUpdate, {
            args: [{ whileState: 'requesting_otp', timeoutMs }],
            startWorkflowOperation: new WithStartWorkflowOperation(WORKFLOW_TYPE, startOptions),
          }),
        );
        return { created: true, status };
      }
      await this.withDeadline(this.callTimeoutMs, () => this.client.workflow.start(WORKFLOW_TYPE, startOptions));
    } catch (error) {
      if (!isAlreadyStarted(error)) throw error;
      // Another start created a run since the describe above: that run decides.
      const winner = await this.answerForExisting(requestId, tenant, await this.describe(workflowId));
      return winner ?? 'lost-race';
    }
    return { created: true, status: await this.statusAfterStart(workflowInput) };
  }

  /**
   * The answer a start gets when the workflow id already has a run: another tenant's (running or ended)
   * does not exist for this caller; the caller's own running one is reused, an activated one refused.
   * Undefined when a new run may be started (no run, or the caller's own failed or cancelled one).
   */
  private async answerForExisting(
    requestId: string,
    tenant: string,
    existing: WorkflowExecutionDescription | undefined,
  ): Promise<{ created: false; status: ActivationStatus } | undefined> {
    if (!existing) return undefined;
    if (tenantOfAttributes(existing.typedSearchAttributes) !== tenant) throw new ActivationNotFound(requestId);
    if (existing.status.name === 'RUNNING') return { created: false, status: await this.queryStatus(requestId) };
    if (existing.status.name === 'COMPLETED') throw new AlreadyActivated(requestId);
    return undefined;
  }

  /** Submits the OTP the user received; the answer says whether it was accepted. */
  async submitOtp(requestId: string, payload: SubmitOtpInput, options: UpdateOptions = {}): Promise<SubmitOtpResult> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(submitOtpSchema, payload, 'OTP submission');
    return this.update(requestId, 'otp', options, (id) =>
      this.handle(requestId).executeUpdate(submitOtpUpdate, { args: [input], ...id }),
    );
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
    requestId = normaliseRequestId(requestId);
    let input: SubmitLivenessInput;
    if (this.imageStore) {
      const upload = parseInput(livenessUploadSchema, payload, 'liveness submission');
      // Store nothing unless the workflow would take the images now (issue 12: selfies posted against an
      // activation awaiting its OTP used to be written to disk first and refused after). The workflow's
      // validator still decides; this is the same rule read from its status, before a byte is written.
      const updateId = this.updateId('liveness', options);
      const earlier = await this.guard(requestId, async () => {
        if ((await this.describe(workflowIdFor(requestId)))?.status.name !== 'RUNNING')
          throw new ActivationNotFound(requestId);
        const status = await this.queryStatus(requestId);
        if (!LIVENESS_STATES.includes(status.state) || status.attention) {
          // A retry of a submission that was taken (its answer lost on the way) finds the state moved on:
          // answer it with the first answer, as the update's id would, instead of refusing it.
          if (updateId) {
            const first = await this.earlierUpdateResult<SubmitLivenessResult>(requestId, updateId);
            if (first) return first;
          }
          throw new InvalidState(
            status.attention
              ? 'the activation waits for an operator'
              : `liveness is not expected in state ${status.state}`,
            { state: status.state, expected: [...LIVENESS_STATES] },
          );
        }
      });
      if (earlier) return earlier;
      input = parseInput(
        submitLivenessSchema,
        await storeLivenessImages(this.imageStore, requestId, upload, this.maxImagesPerActivation),
        'liveness submission',
      );
    } else {
      input = parseInput(submitLivenessSchema, payload, 'liveness submission');
    }
    return this.update(requestId, 'liveness', options, (id) =>
      this.handle(requestId).executeUpdate(submitLivenessUpdate, { args: [input], ...id }),
    );
  }

  /** Asks for a new OTP. Throws ResendCooldown (with resendAvailableAt) or SendsExhausted when not allowed. */
  async resendOtp(requestId: string, payload: ResendOtpInput, options: UpdateOptions = {}): Promise<ResendOtpResult> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(resendOtpSchema, payload, 'resend request');
    return this.update(requestId, 'resend', options, (id) =>
      this.handle(requestId).executeUpdate(resendOtpUpdate, { args: [input], ...id }),
    );
  }

  /**
   * Tells the activation a payment was made. A hint, not proof: Vlens confirms it. Duplicate eventIds
   * are ignored by the workflow, so providers' redeliveries are harmless.
   */
  async paymentCompleted(requestId: string, payload: PaymentCompletedInput): Promise<void> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(paymentCompletedSchema, payload, 'payment notification');
    await this.signal(requestId, () => this.handle(requestId).signal(paymentCompletedSignal, input));
  }

  /**
   * Cancels a running activation. The cancel signal is recorded first (its reason, encrypted, stays in
   * the history). A workflow whose task keeps failing never reads it (issue 27: a bug or an unreadable
   * value wedges the run, and the cancel answered 202 while it went on), so such a run is terminated:
   * Temporal ends it without running workflow code. Returns how it ended.
   */
  async cancel(requestId: string, reason: string | CancelInput): Promise<{ terminated: boolean }> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(cancelSchema, typeof reason === 'string' ? { reason } : reason, 'cancel request');
    await this.signal(requestId, () => this.handle(requestId).signal(cancelSignal, input));
    const terminated = await this.guard(requestId, async () => {
      if (!(await this.workflowTaskFailing(workflowIdFor(requestId)))) return false;
      // A fixed reason: the terminate reason is plain text in history, the caller's is in the signal above.
      await this.withDeadline(this.callTimeoutMs, () => this.handle(requestId).terminate(TERMINATED_WHILE_FAILING));
      return true;
    });
    return { terminated };
  }

  // ---- operator repairs (the CLI's `ops` commands) ------------------------------------------------
  // Each names the operator and the reason, which the workflow records in `status.events`. Updates, so
  // a refusal (wrong state, bad input) writes nothing to history and comes back as a typed error.

  /** Gives the user more time for the OTP or the payment step (`extendBy`: '30m', '2h', or milliseconds). */
  async extendDeadline(
    requestId: string,
    payload: ExtendDeadlineInput,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(extendDeadlineSchema, payload, 'deadline extension');
    return this.update(requestId, 'ops-extend', options, (id) =>
      this.handle(requestId).executeUpdate(operatorExtendDeadlineUpdate, { args: [input], ...id }),
    );
  }

  /** Sends a new OTP now, ignoring the resend cooldown and the send limit (awaiting_otp only). */
  async forceNewOtp(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(operatorActionSchema, action, 'operator action');
    return this.update(requestId, 'ops-new-otp', options, (id) =>
      this.handle(requestId).executeUpdate(operatorForceNewOtpUpdate, { args: [input], ...id }),
    );
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
    requestId = normaliseRequestId(requestId);
    const input = parseInput(operatorActionSchema, action, 'operator action');
    return this.update(requestId, 'ops-verify', options, (id) =>
      this.handle(requestId).executeUpdate(operatorVerifyPaymentUpdate, { args: [input], ...id }),
    );
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
    requestId = normaliseRequestId(requestId);
    const input = parseInput(operatorActionSchema, action, 'operator action');
    return this.update(requestId, 'ops-retry-step', options, (id) =>
      this.handle(requestId).executeUpdate(operatorRetryStepUpdate, { args: [input], ...id }),
    );
  }

  /** Cancels a running activation on an operator's authority and waits until it has ended. */
  async operatorCancel(
    requestId: string,
    action: OperatorAction,
    options: UpdateOptions = {},
  ): Promise<OperatorUpdateResult> {
    requestId = normaliseRequestId(requestId);
    const input = parseInput(operatorActionSchema, action, 'operator action');
    return this.update(requestId, 'ops-cancel', options, (id) =>
      this.handle(requestId).executeUpdate(operatorCancelUpdate, { args: [input], ...id }),
    );
  }

  /**
   * Long poll: the status once its `version` is no longer `afterVersion` (or at once if it already moved,
   * or the activation ended), else the status as it is after `timeoutMs` (at most 60 s).
   */
  async waitForChange(
    requestId: string,
    options: { afterVersion: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ActivationStatus> {
    requestId = normaliseRequestId(requestId);
    return this.guard(requestId, async () => {
      const now = await this.queryStatus(requestId);
      if (now.version !== options.afterVersion || TERMINAL_STATES.includes(now.state)) return now;
      const timeoutMs = Math.min(Math.max(1, Math.round(options.timeoutMs)), MAX_WAIT_MS);
      const wait = () =>
        this.withDeadline(timeoutMs + this.callTimeoutMs, () =>
          this.handle(requestId).executeUpdate(waitForChangeUpdate, {
            args: [{ afterVersion: options.afterVersion, timeoutMs }],
          }),
        );
      try {
        // `signal` ends the wait early (a gateway shutting down, gateway/change-watchers.ts).
        return await (options.signal ? this.client.withAbortSignal(options.signal, wait) : wait());
      } catch (error) {
        // The run ended while we waited (an update cannot outlive it): its final status is the answer.
        if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError)
          return this.queryStatus(requestId);
        throw error;
      }
    });
  }

  /** The status object of docs/design.md (also for ended activations, while Temporal keeps their history). */
  async status(requestId: string): Promise<ActivationStatus> {
    requestId = normaliseRequestId(requestId);
    return this.guard(requestId, () => this.queryStatus(requestId));
  }

  /**
   * The tenant an activation belongs to (`default` for one started before tenants), or undefined when
   * Temporal has no such activation.
   */
  async tenantOf(requestId: string): Promise<string | undefined> {
    requestId = normaliseRequestId(requestId);
    const description = await this.guard('', () => this.describe(workflowIdFor(requestId)));
    return description ? tenantOfAttributes(description.typedSearchAttributes) : undefined;
  }

  /**
   * Activations, newest first, optionally only those in one state (a visibility query on ActivationState)
   * and of one tenant (`tenant`; without it, every tenant's).
   */
  async list(options: { state?: ActivationState; limit?: number; tenant?: string } = {}): Promise<ActivationSummary[]> {
    const { state, limit } = parseInput(listQuerySchema, options, 'list filter');
    // `state` is one of ACTIVATION_STATES (checked above) and a tenant matches TENANT_NAME (checked by
    // tenantQueryClause), so both are safe inside the query text.
    const query =
      `WorkflowType = '${WORKFLOW_TYPE}'` +
      (state ? ` AND ${SEARCH_ATTRIBUTES.state} = '${state}'` : '') +
      (options.tenant !== undefined ? ` AND ${tenantQueryClause(options.tenant)}` : '');
    return this.guard('', () =>
      this.withDeadline(this.callTimeoutMs, async () => {
        const found: ActivationSummary[] = [];
        for await (const execution of this.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
          const requestId =
            execution.typedSearchAttributes.get(VlensRequestIdKey) ?? execution.workflowId.replace(/^activation-/, '');
          const current = execution.typedSearchAttributes.get(ActivationStateKey) as ActivationState | undefined;
          found.push({
            requestId,
            workflowId: execution.workflowId,
            runId: execution.runId,
            ...(current ? { state: current } : {}),
            tenant: tenantOfAttributes(execution.typedSearchAttributes),
            executionStatus: execution.status.name,
            startTime: execution.startTime.toISOString(),
            ...(execution.closeTime ? { closeTime: execution.closeTime.toISOString() } : {}),
          });
          if (found.length >= limit) break;
        }
        return found;
      }),
    );
  }

  /** True when Temporal answers within `timeoutMs` (for health checks); never throws. */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const probe = this.withDeadline(timeoutMs, () => this.client.workflowService.getSystemInfo({})).then(
      () => true,
      () => false,
    );
    this.probes.add(probe);
    void probe.finally(() => this.probes.delete(probe));
    try {
      // The race also covers a first connection attempt that ignores the call deadline.
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private handle(requestId: string) {
    return this.client.workflow.getHandle(workflowIdFor(requestId));
  }

  /** The result of an update this client sent before under `updateId`, or undefined if there is none. */
  private async earlierUpdateResult<T>(requestId: string, updateId: string): Promise<T | undefined> {
    try {
      return await this.withDeadline(this.callTimeoutMs, () =>
        this.handle(requestId).getUpdateHandle<T>(updateId).result(),
      );
    } catch {
      return undefined; // never sent (NOT_FOUND), or not answerable now: the caller's refusal stands
    }
  }

  private updateId(step: string, options: UpdateOptions): string | undefined {
    if (options.idempotencyKey === undefined) return undefined;
    const key = parseInput(idempotencyKeySchema, options.idempotencyKey, 'idempotency key');
    if (options.idempotencyScope === undefined) return `${step}-${key}`;
    return `${step}-${createHash('sha256').update(options.idempotencyScope, 'utf8').digest('base64url').slice(0, 16)}-${key}`;
  }

  private withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + ms, fn);
  }

  private async queryStatus(requestId: string): Promise<ActivationStatus> {
    return this.withDeadline(this.callTimeoutMs, () => this.handle(requestId).query(statusQuery));
  }

  /**
   * A fresh activation answers queries only once its first workflow task ran, so the first read is
   * retried briefly; if the worker is slow, the caller still gets a truthful "just started" status.
   */
  private async statusAfterStart(input: ActivationInput): Promise<ActivationStatus> {
    const until = Date.now() + Math.min(this.callTimeoutMs, 5_000);
    for (;;) {
      try {
        return await this.withDeadline(Math.max(500, until - Date.now()), () =>
          this.handle(input.requestId).query(statusQuery),
        );
      } catch {
        if (Date.now() >= until) return justStarted(input);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /**
   * True when the run's workflow task has failed and is being retried (Temporal counts the attempts of
   * the pending task; a healthy run's task is on its first). A run that is not running is not failing.
   */
  private async workflowTaskFailing(workflowId: string): Promise<boolean> {
    const description = await this.describe(workflowId);
    if (description?.status.name !== 'RUNNING') return false;
    return (description.raw.pendingWorkflowTask?.attempt ?? 0) > 1;
  }

  private async describe(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await this.withDeadline(this.callTimeoutMs, () => this.client.workflow.getHandle(workflowId).describe());
    } catch (error) {
      if (toActivationError(error, '') instanceof ActivationNotFound) return undefined;
      throw error;
    }
  }

  /**
   * Sends an update. With an idempotency key the update id is derived from it, so a retried HTTP call
   * gets the first call's answer instead of being a second OTP attempt. Two answers are not worth
   * repeating, because they told the caller to come back later and used nothing up: VlensUnavailable
   * (Vlens never answered) and ResendCooldown. Temporal would repeat such an answer for the same id
   * forever, so an id whose update ended that way is skipped for the next generation of the same key
   * (`otp-K`, `otp-K~1`, ...).
   */
  private async update<T>(
    requestId: string,
    step: string,
    options: UpdateOptions,
    send: (id: { updateId?: string }) => Promise<T>,
  ): Promise<T> {
    const baseId = this.updateId(step, options);
    return this.guard(requestId, () =>
      this.withDeadline(this.updateTimeoutMs, async () => {
        if (baseId === undefined) return send({});
        for (let generation = 0; ; generation++) {
          const updateId = generation === 0 ? baseId : `${baseId}~${generation}`;
          if (generation === MAX_UPDATE_GENERATIONS || !(await this.endedWithComeBackLater(requestId, updateId))) {
            return send({ updateId });
          }
        }
      }),
    );
  }

  /** True when the update `updateId` exists and its answer was "try again later". */
  private async endedWithComeBackLater(requestId: string, updateId: string): Promise<boolean> {
    try {
      await this.handle(requestId).getUpdateHandle(updateId).result();
      return false;
    } catch (error) {
      // Not found (a fresh id, or no such activation, which sending reports properly) or any other answer.
      const answer = toActivationError(error, requestId);
      return answer instanceof VlensUnavailable || answer instanceof ResendCooldown;
    }
  }

  private async signal(requestId: string, send: () => Promise<void>): Promise<void> {
    await this.guard(requestId, () => this.withDeadline(this.callTimeoutMs, send));
  }

  /**
   * Runs a call and maps its failure. Temporal answers "not found" both for an activation that never
   * existed and for one that has closed; the latter is told apart by describing it, because "it is over"
   * (ActivationEnded) and "no such activation" need different handling by the caller.
   */
  private async guard<T>(requestId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const mapped = toActivationError(error, requestId);
      if (mapped instanceof ActivationNotFound && requestId) throw await this.explainMissing(requestId, mapped);
      throw mapped;
    }
  }

  private async explainMissing(requestId: string, notFound: ActivationNotFound): Promise<ActivationError> {
    let description: WorkflowExecutionDescription | undefined;
    try {
      description = await this.describe(workflowIdFor(requestId));
    } catch {
      return notFound;
    }
    if (!description || description.status.name === 'RUNNING') return notFound;
    const state = description.typedSearchAttributes.get(ActivationStateKey) as ActivationState | undefined;
    return new ActivationEnded(
      `the activation has ended (${state ?? description.status.name.toLowerCase()})`,
      state ? { state } : {},
      { cause: notFound },
    );
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

/**
 * The start was refused because the workflow id has a run (conflict policy FAIL, or a reuse policy that
 * does not allow another). An update-with-start reports it as the cause of its failure.
 */
function isAlreadyStarted(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return true;
  }
  return false;
}

/** What a just-started activation looks like before its first workflow task has run. */
function justStarted(input: ActivationInput): ActivationStatus {
  return {
    requestId: input.requestId,
    workflowId: workflowIdFor(input.requestId),
    state: 'requesting_otp',
    needsAttention: false,
    version: 0,
    nextAction: { type: 'wait' },
    events: [],
  };
}
