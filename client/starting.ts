// Starting an activation (ActivationClient.start): idempotent by requestId, owned by the tenant whose start
// created the run, bounded by the server's policy before anything reaches Temporal, and optionally answered
// with the status after the first Vlens step in the same round trip.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { statusQuery, waitForChangeUpdate } from '../contract/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../contract/search-attributes';
import {
  DEFAULT_POLICY,
  WORKFLOW_TYPE,
  workflowIdFor,
  type ActivationInput,
  type ActivationStatus,
  type ActivationWorkflow,
  type Policy,
} from '../contract/types';
import type { ActivationCalls } from './activation-calls';
import { ActivationNotFound, AlreadyActivated } from './errors';
import { requireOtpBudgetLeft, spentBefore } from './otp-budget';
import { activationInputSchema } from '../contract/request-schemas';
import { maxLifeMs } from '../contract/server-policy';
import { applyServerPolicy } from './apply-server-policy';
import { parseInput } from './parse-input';
import { ActivationTenantKey, DEFAULT_TENANT, isTenantName, tenantOfAttributes } from './tenancy';

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
   * The server's policy (contract/server-policy.ts): the request's `policy` may only tighten it
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
  /**
   * Called once a start is about to create a run (no run of this requestId is open), never for a start
   * answered with the running activation. What it throws refuses the start, untouched (the gateway's
   * per-activation start limit: a start retried while its activation runs sends no SMS and is not counted).
   */
  beforeCreate?: () => Promise<void>;
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

type StartOutcome = { created: boolean; status: ActivationStatus } | 'lost-race';
/** What a start found: the caller's running activation (the answer), or what a new run is made from. */
type StartPlan =
  { created: false; status: ActivationStatus } | { args: Parameters<ActivationWorkflow>; hadRun: boolean };

/** ActivationClient.start (its comment says what a start promises). */
export async function startActivation(
  calls: ActivationCalls,
  taskQueue: string,
  input: ActivationInput,
  options: StartOptions,
): Promise<StartResult> {
  const parsed = parseInput(activationInputSchema, input, 'activation input');
  const tenant = options.tenant ?? DEFAULT_TENANT;
  if (!isTenantName(tenant)) throw new Error(`not a tenant name: ${JSON.stringify(tenant)}`);
  // Bounded before anything reaches Temporal: a refused policy starts nothing and sends no SMS.
  const policy = options.serverPolicy ? applyServerPolicy(parsed.policy, options.serverPolicy) : parsed.policy;
  if (policy) parsed.policy = policy;
  const workflowInput: ActivationInput = options.webhooks ? { ...parsed, webhooks: true } : parsed;
  const { requestId } = parsed;
  const about = { tenant, maxLifeMs: maxLifeMs(policy ?? DEFAULT_POLICY) };
  const start = new Start(calls, taskQueue, requestId, tenant, options);
  // At most two rounds: a start that loses a race re-reads the run that won (see Start.plan).
  for (let round = 0; ; round++) {
    const plan = await calls.guard(requestId, () => start.plan(workflowInput, policy));
    if ('status' in plan) return { ...plan, ...about };
    // Outside the Temporal error mapping (guard): what the caller's check throws reaches the caller as it is.
    await options.beforeCreate?.();
    const outcome = await calls.guard(requestId, async () => {
      const created = await start.create(plan, workflowInput);
      if (created === 'lost-race' && round === 1) throw new ActivationNotFound(requestId);
      return created;
    });
    if (outcome !== 'lost-race') return { ...outcome, ...about };
  }
}

/** One start of one requestId by one tenant. */
class Start {
  private readonly workflowId: string;

  constructor(
    private readonly calls: ActivationCalls,
    private readonly taskQueue: string,
    private readonly requestId: string,
    private readonly tenant: string,
    private readonly options: StartOptions,
  ) {
    this.workflowId = workflowIdFor(requestId);
  }

  /**
   * One attempt at a start, up to the run it would create (create() makes it). Who owns a requestId is decided by Temporal in the step that creates the
   * workflow (issue 27): the start fails when the workflow id exists (conflict policy FAIL), and a fresh
   * start also refuses any earlier run (REJECT_DUPLICATE), so of two tenants starting the same requestId
   * at once exactly one creates the run, with its tenant in the search attributes of that same request.
   * The other gets WorkflowExecutionAlreadyStarted and reads the run that won: another tenant's answers
   * ActivationNotFound, as if it did not exist. A new run after a failed one (ALLOW_DUPLICATE_FAILED_ONLY)
   * is only tried when the last run is the caller's, so no other tenant can take the id over in between:
   * its own describe sees that run, and its fresh start is refused by REJECT_DUPLICATE.
   */
  async plan(workflowInput: ActivationInput, policy: Partial<Policy> | undefined): Promise<StartPlan> {
    const existing = await this.calls.describe(this.workflowId);
    const settled = await this.answerForExisting(existing);
    if (settled) return settled;
    // A new run after a failure or cancel inherits the OTP budget its predecessors spent (otp-budget.ts).
    const spent = existing
      ? await spentBefore(this.calls.client, existing, { ...DEFAULT_POLICY, ...policy }, this.calls.callTimeoutMs)
      : undefined;
    if (spent) requireOtpBudgetLeft(this.requestId, spent, policy);
    return { args: [spent ? { ...workflowInput, spent } : workflowInput], hadRun: existing !== undefined };
  }

  /** Creates the run `plan` describes, unless another start created one since: then that run decides. */
  async create(plan: Exclude<StartPlan, { created: false }>, workflowInput: ActivationInput): Promise<StartOutcome> {
    try {
      const status = await this.startRun(plan.args, plan.hadRun);
      return { created: true, status: status ?? (await this.statusAfterStart(workflowInput)) };
    } catch (error) {
      if (!isAlreadyStarted(error)) throw error;
      // Another start created a run since the describe in plan(): that run decides.
      const winner = await this.answerForExisting(await this.calls.describe(this.workflowId));
      return winner ?? 'lost-race';
    }
  }

  /** Creates the run; with waitForFirstStep, answers the status after the first step (else undefined). */
  private async startRun(args: Parameters<ActivationWorkflow>, hadRun: boolean): Promise<ActivationStatus | undefined> {
    const startOptions = {
      taskQueue: this.taskQueue,
      workflowId: this.workflowId,
      args,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: hadRun
        ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
        : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Set at start so the activation is findable by state at once (and the workflow skips an upsert);
      // the tenant is written by the same request that creates the run, which is what makes it the owner.
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: this.requestId },
        { key: ActivationTenantKey, value: this.tenant },
      ],
    };
    const { calls } = this;
    const firstStep = this.options.waitForFirstStep;
    if (!firstStep) {
      await calls.withDeadline(calls.callTimeoutMs, () =>
        calls.client.workflow.start<ActivationWorkflow>(WORKFLOW_TYPE, startOptions),
      );
      return undefined;
    }
    const timeoutMs = typeof firstStep === 'object' ? firstStep.timeoutMs : FIRST_STEP_WAIT_MS;
    // One round trip: the run starts and the update waits in it until the first step changed the state.
    return calls.withDeadline(timeoutMs + calls.callTimeoutMs, () =>
      calls.client.workflow.executeUpdateWithStart(waitForChangeUpdate, {
        args: [{ whileState: 'requesting_otp', timeoutMs }],
        startWorkflowOperation: new WithStartWorkflowOperation<ActivationWorkflow>(WORKFLOW_TYPE, startOptions),
      }),
    );
  }

  /**
   * The answer a start gets when the workflow id already has a run: another tenant's (running or ended)
   * does not exist for this caller; the caller's own running one is reused, an activated one refused.
   * Undefined when a new run may be started (no run, or the caller's own failed or cancelled one).
   */
  private async answerForExisting(
    existing: WorkflowExecutionDescription | undefined,
  ): Promise<{ created: false; status: ActivationStatus } | undefined> {
    if (!existing) return undefined;
    if (tenantOfAttributes(existing.typedSearchAttributes) !== this.tenant)
      throw new ActivationNotFound(this.requestId);
    if (existing.status.name === 'RUNNING')
      return { created: false, status: await this.calls.queryStatus(this.requestId) };
    if (existing.status.name === 'COMPLETED') throw new AlreadyActivated(this.requestId);
    return undefined;
  }

  /**
   * A fresh activation answers queries only once its first workflow task ran, so the first read is
   * retried briefly; if the worker is slow, the caller still gets a truthful "just started" status.
   */
  private async statusAfterStart(input: ActivationInput): Promise<ActivationStatus> {
    const { calls } = this;
    const until = Date.now() + Math.min(calls.callTimeoutMs, 5_000);
    for (;;) {
      try {
        return await calls.withDeadline(Math.max(500, until - Date.now()), () =>
          calls.handle(input.requestId).query(statusQuery),
        );
      } catch {
        if (Date.now() >= until) return justStarted(input);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
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
