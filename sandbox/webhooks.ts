// Outgoing webhooks: one delivery function (records every attempt in state), and the Vlens status webhook
// sent fire-and-forget with a few retries. Nothing here throws: a receiver that is down must never take
// the sandbox down with it.
import { randomUUID } from 'node:crypto';
import type { SandboxOptions } from './config';
import type { SandboxState, WebhookDelivery } from './state';

export interface DeliveryResult {
  url: string;
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  delivered: boolean;
}

export type Logger = (level: 'info' | 'warn', message: string) => void;

export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly state: SandboxState,
    private readonly opts: SandboxOptions,
    private readonly log: Logger,
  ) {}

  /** One POST of a JSON body; the result (never an exception) is recorded and returned. */
  async deliver(
    kind: WebhookDelivery['kind'],
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
    attempt = 1,
  ): Promise<DeliveryResult> {
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.webhookTimeoutMs)]),
      });
      httpStatus = response.status;
      await response.body?.cancel();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    this.state.webhookDeliveries.push({
      at: new Date(this.opts.now()).toISOString(),
      kind,
      url,
      attempt,
      httpStatus,
      error,
    });
    if (!delivered) this.log('warn', `${kind} webhook attempt ${attempt} failed: ${httpStatus ?? error}`);
    return { url, attempt, httpStatus, error, delivered };
  }

  /** Vlens `App.BusinessRequestStatusChange`, sent in the background; retried with the same Id and a growing Attempt. */
  sendStatusChange(requestId: string, newStatus: string): void {
    const url = this.opts.vlensWebhookUrl;
    if (!url) return;
    const id = randomUUID();
    const creationTimeUtc = new Date(this.opts.now()).toISOString();
    const run = async () => {
      const delays = this.opts.webhookRetryDelaysMs;
      for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
        if (this.abort.signal.aborted) return;
        const event = {
          Id: id,
          WebhookEvent: 'App.BusinessRequestStatusChange',
          Attempt: attempt,
          Data: { Id: requestId, NewStatus: newStatus },
          CreationTimeUtc: creationTimeUtc,
        };
        const result = await this.deliver('vlens', url, event, {}, attempt);
        if (result.delivered) return;
        const delay = delays[attempt - 1];
        if (delay !== undefined) await this.sleep(delay);
      }
      this.log('warn', `vlens webhook gave up after ${delays.length + 1} attempts`);
    };
    const promise = run().catch((e: unknown) => this.log('warn', `vlens webhook crashed: ${String(e)}`));
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /** Stops retries and waits for deliveries in progress, so closing the server leaves nothing running. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
