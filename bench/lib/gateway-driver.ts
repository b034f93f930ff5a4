// Drives one activation end to end the way an app and a payment provider would: through the HTTP gateway
// (start, OTP, liveness, resend, cancel) and the sandbox's payment page (which sends the signed webhook to
// the gateway). Every call is retried on connection errors and 5xx, because the chaos suite kills the
// pieces underneath; updates carry an Idempotency-Key, so a retry is the same update, never a second try.
import { randomUUID } from 'node:crypto';
import type { ActivationState, ActivationStatus, DeviceContext, Policy } from '../../contract/types';
import { httpJson, httpRetry, type RetryStats } from './http';

export const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
/** About 180 km from Cairo: Vlens demands liveness re-validation. */
export const ALEXANDRIA = { latitude: 31.2001, longitude: 29.9187 };

export type Script = 'happy' | 'liveness' | 'resend' | 'cancel';

export interface DriveTarget {
  gatewayUrl: string;
  sandboxUrl: string;
  apiKey?: string;
  stats?: RetryStats;
  /** Per-activation budget; the activation is reported stuck after it. */
  deadlineMs: number;
  policy?: Partial<Policy>;
  /** Status polling interval (jittered). */
  pollMs?: number;
  /** A user's pause before each step (min, max ms): spreads the steps of concurrent activations over time. */
  thinkMs?: [number, number];
  /** Awaited right before paying, so a scenario can line all payments up into one burst of webhooks. */
  beforePayment?: () => Promise<void>;
}

export interface DriveRecord {
  index: number;
  script: Script;
  requestId: string;
  paymentGateway: 'kashier' | 'fawry';
  expected: 'activated' | 'cancelled';
  finalState?: ActivationState;
  failureReason?: string;
  error?: string;
  acceptedResends: number;
  paymentId?: string;
  webhookPosts: number;
  /** Sandbox → gateway webhook deliveries by HTTP status (or error). */
  webhookAnswers: Record<string, number>;
  ms: { start?: number; submitOtp?: number; total?: number };
  startedAt: number;
  endedAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Four distinct small "images" (strict base64): the sandbox rejects byte-identical captures. */
export function fakeSelfies(seed: string): { image: string; faces: [string, string, string] } {
  const img = (n: number) => Buffer.from(`selfie-${n}-${seed}`.padEnd(48, '.')).toString('base64');
  return { image: img(0), faces: [img(1), img(2), img(3)] };
}

export const CHAOS_POLICY: Partial<Policy> = {
  paymentReconcileInitial: '2s',
  paymentReconcileMax: '10s',
  resendCooldown: '1s',
  latePaymentWindow: '3s',
};

export async function driveActivation(target: DriveTarget, index: number, script: Script): Promise<DriveRecord> {
  const paymentGateway = index % 2 === 0 ? 'kashier' : 'fawry';
  const record: DriveRecord = {
    index,
    script,
    requestId: '',
    paymentGateway,
    expected: script === 'cancel' ? 'cancelled' : 'activated',
    acceptedResends: 0,
    webhookPosts: 0,
    webhookAnswers: {},
    ms: {},
    startedAt: Date.now(),
  };
  const until = record.startedAt + target.deadlineMs;
  const remaining = () => Math.max(1_000, until - Date.now());
  const auth = { authorization: `Bearer ${target.apiKey ?? 'dev-key'}` };
  const api = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpRetry(
      `${target.gatewayUrl}${route}`,
      method,
      body,
      { ...auth, ...headers },
      { deadlineMs: remaining(), stats: target.stats },
    );
  /**
   * An update: retried with the same Idempotency-Key while the answer is unknown (connection lost, 5xx
   * from Temporal being away), so a retry is the same update. A definite "Vlens did not answer in time"
   * (503 vlens_unavailable) ended that update without using anything up: the next try is a new update.
   */
  const update = async (route: string, body: unknown, step: string) => {
    for (;;) {
      const answer = await httpRetry(
        `${target.gatewayUrl}${route}`,
        'POST',
        body,
        { ...auth, 'idempotency-key': `${step}-${randomUUID()}` },
        { deadlineMs: remaining(), stats: target.stats, passThroughCodes: ['vlens_unavailable'] },
      );
      if (answer.body?.error?.code !== 'vlens_unavailable') return answer;
      target.stats?.retries.set(
        'vlens_unavailable (new update)',
        (target.stats.retries.get('vlens_unavailable (new update)') ?? 0) + 1,
      );
      if (Date.now() > until) throw new Error(`${step}: Vlens unavailable until the deadline`);
      await sleep(1_000);
    }
  };
  const sandbox = (method: string, route: string, body?: unknown) =>
    httpRetry(`${target.sandboxUrl}${route}`, method, body, {}, { deadlineMs: remaining(), stats: target.stats });
  const where = script === 'liveness' ? ALEXANDRIA : CAIRO;
  const device = (): DeviceContext => ({ geoLocation: where, userDeviceUtcTime: new Date().toISOString() });

  const think = () =>
    target.thinkMs
      ? sleep(target.thinkMs[0] + Math.random() * (target.thinkMs[1] - target.thinkMs[0]))
      : Promise.resolve();

  const expectOk = (answer: { status: number; body: any }, what: string) => {
    if (answer.status >= 300)
      throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body;
  };

  async function waitFor(states: ActivationState[]): Promise<ActivationStatus> {
    let last: ActivationStatus | undefined;
    for (;;) {
      const answer = await api('GET', `/v1/activations/${record.requestId}`);
      if (answer.status === 200) {
        last = answer.body as ActivationStatus;
        if (states.includes(last.state)) return last;
        if (['activated', 'failed', 'cancelled'].includes(last.state)) {
          throw new Error(
            `reached ${last.state}${last.failureReason ? ` (${last.failureReason})` : ''} while waiting for ${states.join('|')}`,
          );
        }
      }
      if (Date.now() > until)
        throw new Error(
          `stuck: not ${states.join('|')} after ${target.deadlineMs / 1000}s; last ${last?.state ?? answer.status}`,
        );
      const poll = target.pollMs ?? 1_000;
      await sleep(poll / 2 + Math.random() * poll);
    }
  }

  try {
    const seeded = expectOk(
      await sandbox('POST', '/sandbox/requests', { lastLocation: CAIRO, paymentGateway }),
      'seed',
    );
    record.requestId = seeded.requestId;

    let t = Date.now();
    const started = await api('POST', '/v1/activations', {
      requestId: seeded.requestId,
      transactionId: seeded.transactionId,
      accessToken: seeded.accessToken,
      device: device(),
      paymentGateway,
      policy: { ...CHAOS_POLICY, ...target.policy },
    });
    expectOk(started, 'start');
    record.ms.start = Date.now() - t;

    let status = await waitFor(script === 'liveness' ? ['awaiting_liveness'] : ['awaiting_otp']);
    await think();
    if (script === 'liveness') {
      const answer = await update(
        `/v1/activations/${record.requestId}/liveness`,
        { ...fakeSelfies(record.requestId), device: device() },
        'live',
      );
      const body = expectOk(answer, 'liveness');
      if (body.outcome !== 'accepted') throw new Error(`liveness ${body.outcome}`);
      status = await waitFor(['awaiting_otp']);
      await think();
    }
    if (script === 'resend') {
      const availableAt = Date.parse(status.nextAction.resendAvailableAt ?? '') || Date.now();
      await sleep(Math.max(0, availableAt - Date.now()) + 50);
      const answer = await update(`/v1/activations/${record.requestId}/otp/resend`, { device: device() }, 'resend');
      expectOk(answer, 'resend');
      record.acceptedResends++;
      await think();
    }

    const otp = expectOk(await sandbox('GET', `/sandbox/requests/${record.requestId}/latest-otp`), 'latest-otp');
    t = Date.now();
    const otpAnswer = expectOk(
      await update(`/v1/activations/${record.requestId}/otp`, { code: otp.code, device: device() }, 'otp'),
      'otp',
    );
    record.ms.submitOtp = Date.now() - t;
    if (otpAnswer.outcome !== 'accepted') throw new Error(`OTP ${otpAnswer.outcome}`);
    const link: string | undefined = otpAnswer.status?.nextAction?.paymentLink ?? otpAnswer.status?.payment?.link;

    await think();
    if (script === 'cancel') {
      const cancelled = await api('POST', `/v1/activations/${record.requestId}/cancel`, {
        reason: 'chaos: scripted cancel',
      });
      // A retry after a lost answer finds the activation already cancelled: that is the outcome we asked for.
      if (!(cancelled.status === 409 && cancelled.body?.error?.details?.state === 'cancelled'))
        expectOk(cancelled, 'cancel');
      status = await waitFor(['cancelled']);
    } else {
      if (!link) throw new Error('no payment link after the OTP');
      record.paymentId = new URL(link).pathname.split('/').pop();
      await target.beforePayment?.();
      // A provider's duplicate deliveries: the sandbox re-sends the identical signed event each time.
      for (let i = 0; i < 3; i++) {
        const paid = await sandbox('POST', `/sandbox/payments/${record.paymentId}`, { outcome: 'paid' });
        record.webhookPosts++;
        const w = paid.body?.webhook;
        const key = w?.httpStatus ? String(w.httpStatus) : (w?.error ?? 'none');
        record.webhookAnswers[key] = (record.webhookAnswers[key] ?? 0) + 1;
        await sleep(Math.random() * 150);
      }
      status = await waitFor(['activated']);
    }
    record.finalState = status.state;
    if (status.failureReason) record.failureReason = status.failureReason;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    // Best effort: what state is it in now?
    if (record.requestId) {
      try {
        const answer = await httpJson(
          `${target.gatewayUrl}/v1/activations/${record.requestId}`,
          'GET',
          undefined,
          auth,
          10_000,
        );
        if (answer.status === 200) {
          record.finalState = answer.body.state;
          if (answer.body.failureReason) record.failureReason = answer.body.failureReason;
        }
      } catch {
        // the gateway may be down right now; verification reads Temporal directly anyway
      }
    }
  }
  record.endedAt = Date.now();
  record.ms.total = record.endedAt - record.startedAt;
  return record;
}

/** The scripted mix: mostly happy paths, a quarter through liveness, some resends and cancels. */
export function scriptFor(index: number): Script {
  const slot = index % 20;
  if (slot < 5) return 'liveness';
  if (slot < 8) return 'resend';
  if (slot < 10) return 'cancel';
  return 'happy';
}
