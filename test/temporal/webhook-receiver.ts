// A backend that registered for activation.updated: it verifies each delivery with the client library's
// helper, as a merchant would, records what it accepted, and can be "down" (503) for a number of requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from '../../contract/webhook-signature';
import { startHarness, type Harness, type HarnessOptions } from './harness';

export interface ReceivedEvent {
  id: string;
  type: string;
  created: number;
  data: { activationId: string; version: number; object: { state: string; [key: string]: unknown } };
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  accepted: ReceivedEvent[];
  /** Deliveries answered 503 (down) or 400 (signature refused), in arrival order. */
  refused: { reason: 'down' | 'signature'; detail: string }[];
  /** Answers the next `n` deliveries with 503. */
  goDown(n: number): void;
  /** The versions accepted for one activation, in arrival order. */
  versionsFor(activationId: string): number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  secret = `whsec_${Math.random().toString(36).slice(2)}_test`,
): Promise<WebhookReceiver> {
  const accepted: ReceivedEvent[] = [];
  const refused: WebhookReceiver['refused'] = [];
  let downFor = 0;
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (downFor > 0) {
      downFor -= 1;
      refused.push({ reason: 'down', detail: body.slice(0, 80) });
      res.writeHead(503).end();
      return;
    }
    try {
      accepted.push(
        verifyWebhook<ReceivedEvent>(body, req.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined, [secret]),
      );
      res.writeHead(200).end();
    } catch (error) {
      refused.push({ reason: 'signature', detail: (error as Error).message });
      res.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vlens-hooks`,
    secret,
    accepted,
    refused,
    goDown: (n) => {
      downFor = n;
    },
    versionsFor: (activationId) =>
      accepted.filter((e) => e.data.activationId === activationId).map((e) => e.data.version),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The real stack with a backend registered for every tenant's activations: a harness and its receiver. */
export async function startHarnessWithReceiver(options: Omit<HarnessOptions, 'webhooks'> = {}): Promise<{
  h: Harness;
  receiver: WebhookReceiver;
  close(): Promise<void>;
}> {
  const receiver = await startWebhookReceiver();
  const h = await startHarness({ ...options, webhooks: [{ url: receiver.url, secrets: [receiver.secret] }] });
  return {
    h,
    receiver,
    close: async () => {
      await h.close();
      await receiver.close();
    },
  };
}
