// Reading activations (ActivationClient's status, long poll, tenant, list and ping): queries, describes and
// visibility lists under the call deadline; the long poll is a `waitForChange` update that ends when the
// status moves, the run ends, or its time is up.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { waitForChangeUpdate } from '../contract/messages';
import { MAX_WAIT_MS } from '../contract/rules';
import { ActivationStateKey, VlensRequestIdKey } from '../contract/search-attributes';
import {
  SEARCH_ATTRIBUTES,
  TERMINAL_STATES,
  WORKFLOW_TYPE,
  workflowIdFor,
  type ActivationState,
  type ActivationStatus,
} from '../contract/types';
import type { ActivationCalls } from './activation-calls';
import { listQuerySchema } from '../contract/request-schemas';
import { normaliseRequestId, parseInput } from './parse-input';
import { tenantOfAttributes, tenantQueryClause } from './tenancy';

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

export class ActivationReader {
  /** Health probes still in flight (they can outlive ping's answer; see settleProbes). */
  private readonly probes = new Set<Promise<boolean>>();

  constructor(private readonly calls: ActivationCalls) {}

  async status(rawRequestId: string): Promise<ActivationStatus> {
    const requestId = normaliseRequestId(rawRequestId);
    return this.calls.guard(requestId, () => this.calls.queryStatus(requestId));
  }

  async waitForChange(
    rawRequestId: string,
    options: { afterVersion: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ActivationStatus> {
    const { calls } = this;
    const requestId = normaliseRequestId(rawRequestId);
    return calls.guard(requestId, async () => {
      const now = await calls.queryStatus(requestId);
      if (now.version !== options.afterVersion || TERMINAL_STATES.includes(now.state)) return now;
      // The SDK cancels a call when its signal aborts later, not when it was aborted already: without this,
      // a wait asked for during a shutdown would hold an update slot for a whole round.
      if (options.signal?.aborted) return now;
      const timeoutMs = Math.min(Math.max(1, Math.round(options.timeoutMs)), MAX_WAIT_MS);
      const wait = () =>
        calls.withDeadline(timeoutMs + calls.callTimeoutMs, () =>
          calls.handle(requestId).executeUpdate(waitForChangeUpdate, {
            args: [{ afterVersion: options.afterVersion, timeoutMs }],
          }),
        );
      try {
        // `signal` ends the wait early (a gateway shutting down, gateway/change-watchers.ts).
        return await (options.signal ? calls.client.withAbortSignal(options.signal, wait) : wait());
      } catch (error) {
        // The run ended while we waited (an update cannot outlive it): its final status is the answer.
        if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError)
          return calls.queryStatus(requestId);
        throw error;
      }
    });
  }

  async tenantOf(rawRequestId: string): Promise<string | undefined> {
    const requestId = normaliseRequestId(rawRequestId);
    const description = await this.calls.guard('', () => this.calls.describe(workflowIdFor(requestId)));
    return description ? tenantOfAttributes(description.typedSearchAttributes) : undefined;
  }

  async list(options: { state?: ActivationState; limit?: number; tenant?: string }): Promise<ActivationSummary[]> {
    const { calls } = this;
    const { state, limit } = parseInput(listQuerySchema, options, 'list filter');
    // `state` is one of ACTIVATION_STATES (checked above) and a tenant matches TENANT_NAME (checked by
    // tenantQueryClause), so both are safe inside the query text.
    const query =
      `WorkflowType = '${WORKFLOW_TYPE}'` +
      (state ? ` AND ${SEARCH_ATTRIBUTES.state} = '${state}'` : '') +
      (options.tenant !== undefined ? ` AND ${tenantQueryClause(options.tenant)}` : '');
    return calls.guard('', () =>
      calls.withDeadline(calls.callTimeoutMs, async () => {
        const found: ActivationSummary[] = [];
        for await (const execution of calls.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
          const attributes = execution.typedSearchAttributes;
          const current = attributes.get(ActivationStateKey) as ActivationState | undefined;
          found.push({
            requestId: attributes.get(VlensRequestIdKey) ?? execution.workflowId.replace(/^activation-/, ''),
            workflowId: execution.workflowId,
            runId: execution.runId,
            ...(current ? { state: current } : {}),
            tenant: tenantOfAttributes(attributes),
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

  async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const probe = this.calls
      .withDeadline(timeoutMs, () => this.calls.client.workflowService.getSystemInfo({}))
      .then(
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

  /**
   * Waits (at most 5 s) for probes ping stopped waiting for: one may still be retrying inside the gRPC
   * client, and closing the channel under its retry timer throws an uncaught "Channel has been shut down".
   * Its deadline ends it soon.
   */
  async settleProbes(): Promise<void> {
    if (!this.probes.size) return;
    await Promise.race([
      Promise.allSettled([...this.probes]),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
  }
}
