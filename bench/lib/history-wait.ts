// Waiting for an event in a workflow's history with one long poll per batch (no busy polling): how the
// drivers learn that a step the workflow ran has been recorded.
import type { Client } from '@temporalio/client';
// Default import: @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot detect.
import proto from '@temporalio/proto';

export const EventType = proto.temporal.api.enums.v1.EventType;

/** Resolves once the run's history holds an event of `eventType` (the server answers on each new batch). */
export async function waitForHistoryEvent(
  client: Client,
  workflowId: string,
  runId: string,
  eventType: proto.temporal.api.enums.v1.EventType,
  timeoutMs = 120_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      waitNewEvent: true,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    if (page.history?.events?.some((e) => e.eventType === eventType)) return;
    if (!page.nextPageToken?.length) throw new Error(`${workflowId}: history closed without ${EventType[eventType]}`);
    if (Date.now() > until) throw new Error(`${workflowId}: no ${EventType[eventType]} after ${timeoutMs} ms`);
    nextPageToken = page.nextPageToken;
  }
}
