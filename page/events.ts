// The activation's event stream (Server-Sent Events, gateway/waiting.ts), read with fetch so that the client
// secret travels in Authorization like every other call (api.ts). EventSource cannot send headers, which
// put the secret in the URL, where a proxy or load balancer in front of the gateway logs it. The SSE body
// is parsed by eventsource-parser; what EventSource did by itself is done here: reconnect after a drop,
// with `Last-Event-ID` so that the gateway sends only newer versions, after a growing delay.
import { createParser } from 'eventsource-parser';
import { ApiError, type Api, type Status } from './api';

export interface StatusStreamHandlers {
  /** Each status the gateway sends (`event: status`), in order. */
  status(status: Status): void;
  /** The secret was refused (expired, another activation's) or the activation is unknown: no retry helps. */
  refused(error: ApiError): void;
}

export interface StatusStreamTiming {
  /** The first reconnection waits this long; each failed one doubles it up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /**
   * The gateway writes at least a keep-alive comment every 25 s (gateway/waiting.ts): a stream silent for
   * longer is a connection a mobile network dropped without telling, and is opened again.
   */
  silenceMs: number;
}

const TIMING: StatusStreamTiming = { firstDelayMs: 1_000, maxDelayMs: 30_000, silenceMs: 60_000 };

/** Answers that say the secret or the activation is not good, as act() in main.ts treats them. */
const REFUSED = [401, 403, 404];

export class StatusStream {
  private closed = false;
  private controller?: AbortController;
  private lastEventId?: string;
  private delayMs: number;

  constructor(
    private readonly api: Api,
    private readonly on: StatusStreamHandlers,
    private readonly timing: StatusStreamTiming = TIMING,
  ) {
    this.delayMs = timing.firstDelayMs;
  }

  /** Opens the stream and keeps it open until close() or a refusal. */
  start(): void {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.controller?.abort();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let waitMs = this.delayMs;
      try {
        await this.readOnce();
      } catch (error) {
        if (this.closed) return;
        if (error instanceof ApiError && REFUSED.includes(error.httpStatus)) {
          this.close();
          this.on.refused(error);
          return;
        }
        // 429 (too many open waits or reads) and 503 say when to come back.
        if (error instanceof ApiError && error.retryAfterSeconds)
          waitMs = Math.max(waitMs, error.retryAfterSeconds * 1000);
      }
      if (this.closed) return;
      // Jitter, so that the pages a gateway restart cut off do not all come back in the same instant.
      await new Promise((resolve) => setTimeout(resolve, waitMs * (0.75 + Math.random() * 0.5)));
      this.delayMs = Math.min(this.delayMs * 2, this.timing.maxDelayMs);
    }
  }

  /** One connection, read to its end (the activation ended, the gateway restarted, the network dropped). */
  private async readOnce(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const response = await this.api.events(this.lastEventId, controller.signal);
    // Connected: the next drop is retried soon again.
    this.delayMs = this.timing.firstDelayMs;
    const parser = createParser({
      onEvent: (event) => {
        // Every status event carries its version as id (gateway/waiting.ts).
        if (event.id) this.lastEventId = event.id;
        if (event.event === 'status' && !this.closed) this.on.status(JSON.parse(event.data) as Status);
        // `event: error` (the gateway could not read the status) is followed by the stream's end: reconnect.
      },
    });
    if (!response.body) throw new ApiError(0, 'network');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let silence = setTimeout(() => controller.abort(), this.timing.silenceMs);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        clearTimeout(silence);
        if (done || this.closed) return;
        silence = setTimeout(() => controller.abort(), this.timing.silenceMs);
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(silence);
      reader.cancel().catch(() => undefined);
    }
  }
}
