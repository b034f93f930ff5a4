// Issue 23 item 2: limits shared across replicas. Two gateway processes' worth of gateways (each with its own
// Redis connection) on one real redis-server and the real stack: every limit trips at the same count
// whichever replica the requests reach. Then Redis goes away: the limits that protect an SMS or a Vlens call
// refuse with 503, the others are counted in each process; when Redis is back, so are the shared limits.
// And the dedup record's connection errors are 503, not 500.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PostgresDedupStore } from '../../gateway/dedup/postgres-store';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server';
import { startRedisServer, type RedisServer } from '../redis-server';
import { gatewayTest } from '../temporal/fixtures';
import { deviceAt } from '../temporal/harness';
import { kashierEvent } from './provider-events';
import { API_KEY, freePort, http, type GatewayStack, type HttpAnswer } from './stack';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.close();
});

const LIMITS: Partial<GatewayOptions> = {
  rateLimits: {
    otpPerActivation: 4,
    startsPerActivationPerHour: 2,
    unverifiedWebhooksPerSource: 3,
    webhooksPerActivation: 2,
  },
  maxWaitingPerCaller: 2,
};

async function twoGateways(s: GatewayStack, shared: boolean): Promise<[RunningGateway, RunningGateway]> {
  const one = () =>
    startGateway({
      activations: s.activations,
      port: 0,
      dataDir: `${s.dataDir}-${randomUUID()}`,
      logLevel: 'silent',
      ...LIMITS,
      ...(shared ? { redisUrl: redis.url } : {}),
    });
  return [await one(), await one()];
}

const api = (gateway: RunningGateway, method: string, route: string, body?: unknown, headers = {}) =>
  http(`${gateway.url}${route}`, method, body, { authorization: `Bearer ${API_KEY}`, ...headers });

/** Sends `count` requests, alternating between the two gateways, and returns the statuses. */
async function alternating(
  gateways: RunningGateway[],
  count: number,
  send: (g: RunningGateway) => Promise<HttpAnswer>,
) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await send(gateways[i % gateways.length]!)).status);
  return statuses;
}

const test = gatewayTest;

describe('limits shared across replicas through Redis (REDIS_URL)', () => {
  test('each limit trips at the same count whichever replica is asked; without Redis each replica counts its own', async ({
    stack: s,
  }) => {
    const [g1, g2] = await twoGateways(s, true);
    const [h1, h2] = await twoGateways(s, false);
    try {
      const otp = (g: RunningGateway, id: string) =>
        api(g, 'POST', `/v1/activations/${id}/otp`, { code: '123456', device: deviceAt() });
      const shared = randomUUID();
      expect(await alternating([g1, g2], 6, (g) => otp(g, shared))).toEqual([404, 404, 404, 404, 429, 429]);
      const apart = randomUUID();
      expect(await alternating([h1, h2], 6, (g) => otp(g, apart))).toEqual([404, 404, 404, 404, 404, 404]);

      // Starts that create a run (each an SMS), one on each replica with a cancel in between: the third is
      // refused whichever replica is asked; retries of a running activation's start are not counted.
      const seededStart = await s.h.seed();
      const startBody = {
        requestId: seededStart.requestId,
        transactionId: seededStart.transactionId,
        device: deviceAt(),
        accessToken: seededStart.accessToken,
      };
      const newRun = async (g: RunningGateway) => {
        const started = await api(g, 'POST', '/v1/activations', startBody);
        if (started.status !== 202) return started;
        expect((await api(g, 'POST', '/v1/activations', startBody)).status).toBe(200);
        expect(
          (await api(g, 'POST', `/v1/activations/${seededStart.requestId}/cancel`, { reason: 'loop' })).status,
        ).toBe(202);
        await s.waitForState(seededStart.requestId, 'cancelled');
        return started;
      };
      expect(await alternating([g1, g2, g1], 3, newRun)).toEqual([202, 202, 429]);

      // Webhooks: junk per source, and verified deliveries per activation.
      const junk = (g: RunningGateway) => http(`${g.url}/v1/webhooks/kashier`, 'POST', { junk: true });
      expect(await alternating([g1, g2], 4, junk)).toEqual([401, 401, 401, 429]);
      const unknown = randomUUID();
      const verified = (g: RunningGateway) => {
        const event = kashierEvent(unknown);
        return http(`${g.url}/v1/webhooks/kashier`, 'POST', event.body, { 'x-kashier-signature': event.signature });
      };
      expect(await alternating([g1, g2], 3, verified)).toEqual([202, 202, 429]);

      // Open long polls per caller: two on one activation, one on each replica; a third on either is refused.
      const { seeded, answer } = await s.startActivation();
      expect(answer.status).toBe(202);
      const status = await s.waitForState(seeded.requestId, 'awaiting_otp');
      const poll = (g: RunningGateway) =>
        api(g, 'GET', `/v1/activations/${seeded.requestId}?waitForChange=${status.version}&timeout=4s`);
      const open = [poll(g1), poll(g2)];
      await new Promise((resolve) => setTimeout(resolve, 500));
      const third = await poll(g1);
      expect({ status: third.status, code: third.body?.error?.code }).toEqual({ status: 429, code: 'rate_limited' });
      expect((await Promise.all(open)).map((a) => a.status)).toEqual([200, 200]);
      expect((await poll(g2)).status).toBe(200); // released once those waits ended
    } finally {
      await Promise.all([g1, g2, h1, h2].map((g) => g.close()));
    }
  });

  test('Redis down: SMS and Vlens limits answer 503 with Retry-After, the others count in each process; back up, shared again', async ({
    stack: s,
  }) => {
    const [g1, g2] = await twoGateways(s, true);
    try {
      const { seeded } = await s.startActivation();
      const status = await s.waitForState(seeded.requestId, 'awaiting_otp');
      await redis.stop();

      const otp = await api(g1, 'POST', `/v1/activations/${seeded.requestId}/otp`, {
        code: '000000',
        device: deviceAt(),
      });
      expect({ status: otp.status, code: otp.body?.error?.code }).toEqual({ status: 503, code: 'limits_unavailable' });
      expect(otp.headers.get('retry-after')).toBe('5');
      const resend = await api(g2, 'POST', `/v1/activations/${seeded.requestId}/otp/resend`, { device: deviceAt() });
      expect(resend.status).toBe(503);
      // A start that would create a run (a valid body, a fresh requestId): the count is needed, so 503.
      const start = await api(g1, 'POST', '/v1/activations', { requestId: randomUUID(), device: deviceAt() });
      expect({ status: start.status, code: start.body?.error?.code }).toEqual({
        status: 503,
        code: 'limits_unavailable',
      });
      const liveness = await api(g2, 'POST', `/v1/activations/${seeded.requestId}/liveness`, {});
      expect(liveness.status).toBe(503);

      // Reads, long polls and junk webhooks go on, counted per process.
      expect((await api(g1, 'GET', `/v1/activations/${seeded.requestId}`)).body.state).toBe('awaiting_otp');
      const poll = await api(
        g2,
        'GET',
        `/v1/activations/${seeded.requestId}?waitForChange=${status.version}&timeout=1s`,
      );
      expect(poll.status).toBe(200);
      expect((await http(`${g1.url}/v1/webhooks/kashier`, 'POST', { junk: true })).status).toBe(401);
      // The OTP itself was never sent to the workflow.
      expect((await api(g1, 'GET', `/v1/activations/${seeded.requestId}`)).body.version).toBe(status.version);

      await redis.start();
      let after: HttpAnswer | undefined;
      for (let i = 0; i < 50; i++) {
        after = await api(g1, 'POST', `/v1/activations/${randomUUID()}/otp`, { code: '000000', device: deviceAt() });
        if (after.status !== 503) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(after?.status).toBe(404);
    } finally {
      await redis.start().catch(() => undefined);
      await Promise.all([g1, g2].map((g) => g.close()));
    }
  });

  test("the dedup record's connection errors are 503 dedup_unavailable with Retry-After, not 500", async ({
    stack: s,
  }) => {
    // A real PostgreSQL client pointed at a port where nothing listens: every query fails to connect.
    const pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
      connectionTimeoutMillis: 1_000,
    });
    const gateway = await startGateway({
      activations: s.activations,
      port: 0,
      logLevel: 'silent',
      dedupStore: new PostgresDedupStore(pool),
    });
    try {
      const event = kashierEvent(randomUUID());
      const webhook = await http(`${gateway.url}/v1/webhooks/kashier`, 'POST', event.body, {
        'x-kashier-signature': event.signature,
      });
      expect({ status: webhook.status, code: webhook.body?.error?.code }).toEqual({
        status: 503,
        code: 'dedup_unavailable',
      });
      expect(webhook.headers.get('retry-after')).toBe('5');
      const { seeded } = await s.startActivation();
      await s.waitForState(seeded.requestId, 'awaiting_otp');
      const keyed = await api(
        gateway,
        'POST',
        `/v1/activations/${seeded.requestId}/otp`,
        { code: '000000', device: deviceAt() },
        { 'idempotency-key': `otp-${randomUUID()}` },
      );
      expect({ status: keyed.status, code: keyed.body?.error?.code }).toEqual({
        status: 503,
        code: 'dedup_unavailable',
      });
    } finally {
      await gateway.close();
      await pool.end().catch(() => undefined);
    }
  });
});
