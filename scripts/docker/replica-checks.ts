// What the replicated production topology (scripts/docker/prod-topology.ts) must prove beyond "activations
// finish" (issue 23 item 4), each as a check that throws with what it saw:
// - a selfie uploaded through gateway 1 lands in S3 and is read by whichever worker runs the liveness
//   activity (no container shares a volume with another);
// - the OTP of that activation, sent through gateway 2, is accepted;
// - the event stream opened through the load balancer sees every state the activation waits in;
// - a rate limit trips at the same count on one replica and alternating between them (Redis).
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { httpJson as http, type HttpAnswer as Answer } from '../../bench/lib/http';

const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
// 180 km from Cairo: the sandbox asks for liveness re-validation before the OTP (sandbox/README.md).
const ALEXANDRIA = { latitude: 31.2001, longitude: 29.9187 };
const device = (at = CAIRO) => ({ geoLocation: at, userDeviceUtcTime: new Date().toISOString() });
// Four distinct captures (the sandbox refuses byte-identical ones), as test/sandbox/helpers.ts makes them.
const image = (n: number) => Buffer.alloc(64, n).toString('base64');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReplicaCheckContext {
  /** The load balancer in front of the gateways. */
  lbUrl: string;
  /** Each gateway replica, directly. */
  gatewayUrls: [string, string];
  sandboxUrl: string;
  apiKey: string;
  s3: S3Client;
  bucket: string;
  prefix: string;
  temporal: Client;
  /** The suffix of the workers' hostnames (`worker-<i>-<suffix>`). */
  hostnameSuffix: string;
  log: (line: string) => void;
}

export class ReplicaChecks {
  constructor(private readonly c: ReplicaCheckContext) {}

  private api(base: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    return http(`${base}${route}`, method, body, { authorization: `Bearer ${this.c.apiKey}`, ...headers });
  }

  private async waitForState(base: string, requestId: string, wanted: string, budgetMs = 60_000) {
    const until = Date.now() + budgetMs;
    let last: Answer | undefined;
    while (Date.now() < until) {
      last = await this.api(base, 'GET', `/v1/activations/${requestId}`);
      if (last.status === 200 && last.body.state === wanted) return last.body;
      await sleep(250);
    }
    throw new Error(
      `${requestId} did not reach ${wanted} through ${base}: ${JSON.stringify(last?.body).slice(0, 300)}`,
    );
  }

  private async objectsInStore(): Promise<number> {
    const listed = await this.c.s3.send(new ListObjectsV2Command({ Bucket: this.c.bucket, Prefix: this.c.prefix }));
    return listed.KeyCount ?? 0;
  }

  /** Every `status` event of the stream, until the gateway ends it (terminal state) or `budgetMs` passes. */
  private async readEventStream(
    requestId: string,
    budgetMs: number,
    events: Array<{ state: string; version: number }>,
  ): Promise<Array<{ state: string; version: number }>> {
    const response = await fetch(`${this.c.lbUrl}/v1/activations/${requestId}/events`, {
      headers: { authorization: `Bearer ${this.c.apiKey}`, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(budgetMs),
    });
    if (response.status !== 200 || !response.body) throw new Error(`the event stream answered HTTP ${response.status}`);
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: status')) continue;
        const data = lines.find((l) => l.startsWith('data: '));
        if (data) {
          const status = JSON.parse(data.slice(6)) as { state: string; version: number };
          events.push({ state: status.state, version: status.version });
        }
      }
    }
    return events;
  }

  /**
   * One activation across the replicas: started and its selfie uploaded through gateway 1, the OTP through
   * gateway 2, watched through the load balancer's event stream from start to end.
   */
  async selfieOtpAndStream(): Promise<void> {
    const { c } = this;
    const [g1, g2] = c.gatewayUrls;
    const seeded = await http(`${c.sandboxUrl}/sandbox/requests`, 'POST', {
      lastLocation: CAIRO,
      paymentGateway: 'kashier',
    });
    if (seeded.status !== 201 && seeded.status !== 200) throw new Error(`seeding answered ${seeded.status}`);
    const { requestId, transactionId, accessToken } = seeded.body as Record<string, string>;
    const started = await this.api(g1, 'POST', '/v1/activations', {
      requestId,
      transactionId,
      accessToken,
      device: device(ALEXANDRIA),
      paymentGateway: 'kashier',
    });
    if (started.status !== 200 && started.status !== 202)
      throw new Error(
        `start through gateway 1 answered ${started.status}: ${JSON.stringify(started.body).slice(0, 300)}`,
      );
    // Each step waits until the stream has shown the state it acts on, so a stream that missed one fails here.
    const events: Array<{ state: string; version: number }> = [];
    const stream = this.readEventStream(requestId!, 120_000, events);
    stream.catch(() => undefined); // awaited below; a failure is reported there
    const streamed = async (state: string) => {
      const until = Date.now() + 60_000;
      while (!events.some((e) => e.state === state)) {
        if (Date.now() > until)
          throw new Error(
            `the event stream through the load balancer never showed ${state}: ${events.map((e) => `${e.state}@${e.version}`).join(', ')}`,
          );
        await sleep(50);
      }
    };
    await this.waitForState(g1, requestId!, 'awaiting_liveness');
    await streamed('awaiting_liveness');

    // 1. The selfie, through gateway 1: four sealed objects in the bucket, read by a worker container.
    const before = await this.objectsInStore();
    const liveness = await this.api(
      g1,
      'POST',
      `/v1/activations/${requestId}/liveness`,
      { image: image(0), faces: [image(1), image(2), image(3)], device: device(ALEXANDRIA) },
      { 'idempotency-key': `liveness-${requestId}` },
    );
    if (liveness.status !== 200 || liveness.body.outcome !== 'accepted')
      throw new Error(
        `liveness through gateway 1 answered ${liveness.status}: ${JSON.stringify(liveness.body).slice(0, 300)}`,
      );
    const stored = (await this.objectsInStore()) - before;
    if (stored < 4) throw new Error(`the selfie put ${stored} objects in s3://${c.bucket}/${c.prefix}, not 4`);
    const reader = await this.livenessActivityWorker(requestId!);
    c.log(
      `selfie: uploaded through gateway 1 (${stored} sealed objects in s3://${c.bucket}/${c.prefix}), read by ${reader}, accepted by Vlens`,
    );

    // 2. The OTP, through gateway 2.
    await this.waitForState(g2, requestId!, 'awaiting_otp');
    await streamed('awaiting_otp');
    const otp = await http(`${c.sandboxUrl}/sandbox/requests/${requestId}/latest-otp`, 'GET');
    if (otp.status !== 200) throw new Error(`no OTP in the sandbox inbox for ${requestId}`);
    const submitted = await this.api(
      g2,
      'POST',
      `/v1/activations/${requestId}/otp`,
      { code: otp.body.code, device: device(ALEXANDRIA) },
      { 'idempotency-key': `otp-${requestId}` },
    );
    if (submitted.status !== 200 || submitted.body.outcome !== 'accepted')
      throw new Error(
        `the OTP through gateway 2 answered ${submitted.status}: ${JSON.stringify(submitted.body).slice(0, 300)}`,
      );
    c.log(`otp: activation started through gateway 1, its OTP sent through gateway 2: ${submitted.body.outcome}`);

    // Payment: the sandbox's webhook goes to the load balancer.
    await streamed('awaiting_payment');
    const link = submitted.body.status?.nextAction?.paymentLink ?? submitted.body.status?.payment?.link;
    if (!link) throw new Error(`no payment link after the OTP: ${JSON.stringify(submitted.body.status).slice(0, 300)}`);
    const paid = await http(`${c.sandboxUrl}/sandbox/payments/${new URL(link).pathname.split('/').pop()}`, 'POST', {
      outcome: 'paid',
    });
    if (paid.status !== 200 || paid.body.webhook?.httpStatus !== 200)
      throw new Error(`the payment webhook through the load balancer: ${JSON.stringify(paid.body).slice(0, 300)}`);
    const final = await this.waitForState(c.lbUrl, requestId!, 'activated');

    // 3. The event stream through the load balancer saw every state the activation waited in, in order.
    await stream;
    const states = events.map((e) => e.state);
    const versions = events.map((e) => e.version);
    const waited = ['awaiting_liveness', 'awaiting_otp', 'awaiting_payment', 'activated'];
    const positions = waited.map((s) => states.indexOf(s));
    const inOrder = positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!));
    const increasing = versions.every((v, i) => i === 0 || v > versions[i - 1]!);
    // The gateway ends the stream at the terminal state; the workflow may still bump the version after it
    // (its clean-up), which a stream that already ended does not carry.
    const last = events.at(-1);
    if (!inOrder || !increasing || last?.state !== 'activated' || last.version > final.version)
      throw new Error(
        `the event stream through the load balancer saw ${events.map((e) => `${e.state}@${e.version}`).join(', ')}; expected ${waited.join(' > ')}, ending at activated (version <= ${final.version})`,
      );
    c.log(`event stream (load balancer): ${events.map((e) => `${e.state}@${e.version}`).join(' > ')}`);
  }

  /**
   * The identity of the worker that ran the activation's liveness call. It is a local activity
   * (workflows/lean-history.ts): its marker names the activity type, and the workflow task that recorded the
   * marker names the worker that ran it.
   */
  private async livenessActivityWorker(requestId: string): Promise<string> {
    const history = await this.c.temporal.workflow.getHandle(`activation-${requestId}`).fetchHistory();
    const events = history.events ?? [];
    const text = (data?: Uint8Array | null) => (data ? Buffer.from(data).toString('utf8') : '');
    const markers = events.filter((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).some((p) =>
        (p.payloads ?? []).some((payload) => text(payload.data).includes('revalidateLiveness')),
      ),
    );
    const taskIds = new Set(markers.map((e) => String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId)));
    const identities = events
      .filter((e) => taskIds.has(String(e.eventId)))
      .map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? '');
    const worker = identities.find((id) => /@worker-[12]-/.test(id) && id.endsWith(`-${this.c.hostnameSuffix}`));
    if (!worker)
      throw new Error(
        `no revalidateLiveness local activity recorded by a worker container in activation-${requestId} (${markers.length} markers, recorded by: ${identities.join(', ') || 'none'})`,
      );
    return worker.replace(/^\d+@/, '').replace(`-${this.c.hostnameSuffix}`, '');
  }

  /**
   * The per-activation resend limit (5 a minute) answered the same, request for request, on one replica,
   * alternating between the two, and through the load balancer. Resends of an activation that does not
   * exist are counted before the lookup (404), so no SMS is sent (test/gateway/shared-limits.test.ts). Not
   * the start limit: it counts only starts that create a run, each an SMS (gateway/routes/limits.ts).
   */
  async sharedRateLimit(): Promise<void> {
    const [g1, g2] = this.c.gatewayUrls;
    const series = async (targets: string[]) => {
      const id = crypto.randomUUID();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (
            await this.api(targets[i % targets.length]!, 'POST', `/v1/activations/${id}/otp/resend`, {
              device: device(),
            })
          ).status,
        );
      return statuses;
    };
    const expected = [404, 404, 404, 404, 404, 429];
    const runs = {
      'gateway 1 only': await series([g1]),
      alternating: await series([g1, g2]),
      'load balancer': await series([this.c.lbUrl]),
    };
    for (const [name, statuses] of Object.entries(runs)) {
      if (statuses.join() !== expected.join())
        throw new Error(`the resend limit through ${name} answered ${statuses.join(', ')}, not ${expected.join(', ')}`);
    }
    this.c.log(
      `rate limit: 6 resends of one activation answer ${expected.join(',')} on gateway 1 alone, alternating 1/2, and through the load balancer`,
    );
  }
}
