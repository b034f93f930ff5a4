// The plumbing every job of ActivationClient shares (starting.ts, updates.ts, reading.ts,
// operator-repairs.ts): the workflow handle of a requestId, deadlines on each call, the status query, the
// describe that tells "never existed" from "has ended", and the mapping of failures to the typed errors of
// errors.ts (one place, error-mapping.ts).
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { statusQuery } from '../contract/messages';
import { ActivationStateKey } from '../contract/search-attributes';
import { workflowIdFor, type ActivationState, type ActivationStatus } from '../contract/types';
import { toActivationError } from './error-mapping';
import { ActivationEnded, ActivationNotFound, type ActivationError } from './errors';

export class ActivationCalls {
  constructor(
    readonly client: Client,
    /** How long a status read (query, describe, signal) may take. */
    readonly callTimeoutMs: number,
    /** How long an update may take end to end. */
    readonly updateTimeoutMs: number,
  ) {}

  handle(requestId: string) {
    return this.client.workflow.getHandle(workflowIdFor(requestId));
  }

  withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + ms, fn);
  }

  queryStatus(requestId: string): Promise<ActivationStatus> {
    return this.withDeadline(this.callTimeoutMs, () => this.handle(requestId).query(statusQuery));
  }

  /** The workflow's description, or undefined when Temporal has no such workflow. */
  async describe(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await this.withDeadline(this.callTimeoutMs, () => this.client.workflow.getHandle(workflowId).describe());
    } catch (error) {
      if (toActivationError(error, '') instanceof ActivationNotFound) return undefined;
      throw error;
    }
  }

  /** Sends a signal under the call deadline, its failure mapped (guard). */
  async signal(requestId: string, send: () => Promise<void>): Promise<void> {
    await this.guard(requestId, () => this.withDeadline(this.callTimeoutMs, send));
  }

  /**
   * Runs a call and maps its failure. Temporal answers "not found" both for an activation that never
   * existed and for one that has closed; the latter is told apart by describing it, because "it is over"
   * (ActivationEnded) and "no such activation" need different handling by the caller.
   */
  async guard<T>(requestId: string, call: () => Promise<T>): Promise<T> {
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
