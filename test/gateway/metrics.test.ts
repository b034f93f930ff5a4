// The gateway's Prometheus endpoint over real HTTP: request counts and latency by route pattern (never a
// raw URL or a requestId), method and status; webhook outcomes by provider; /metrics needs no API key by
// default and can be put behind one or switched off.
import { createHmac, randomUUID } from 'node:crypto';
import queryString from 'query-string';
import { describe, expect } from 'vitest';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway } from '../../gateway/server';
import { CAIRO, deviceAt } from '../temporal/harness';
import { gatewayTest, oncePerStack } from '../temporal/fixtures';
import { API_KEY, http, type GatewayStack, type HttpAnswer } from './stack';

/** Sums the samples of one metric whose labels include every given pair. */
function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** A Kashier webhook signed as Kashier's reference code does: sorted signatureKeys, query-string's stringify. */
function kashierEvent(requestId: string, secret = 'kashier-dev-secret') {
  const data: Record<string, string> = {
    merchantOrderId: requestId,
    transactionId: `TX-${randomUUID().slice(0, 12)}`,
    status: 'SUCCESS',
    amount: '250.00',
    currency: 'EGP',
  };
  const signatureKeys = Object.keys(data).sort();
  const signature = createHmac('sha256', secret)
    .update(queryString.stringify(Object.fromEntries(signatureKeys.map((key) => [key, data[key]]))))
    .digest('hex');
  return { body: { event: 'pay', data: { ...data, signatureKeys } }, signature };
}

/** An activation waiting for its OTP, started once for the describe block's tests to count requests on. */
const awaitingOtp = oncePerStack(async (s: GatewayStack) => {
  const { seeded, answer } = await s.startActivation();
  expect(answer.status).toBe(202);
  await s.waitForState(seeded.requestId, 'awaiting_otp');
  return seeded.requestId;
});

const test = gatewayTest.extend<{
  requestId: string;
  scrape: (url?: string, headers?: Record<string, string>) => Promise<string>;
  webhook: (provider: string, body: unknown, headers?: Record<string, string>) => Promise<HttpAnswer>;
}>({
  requestId: async ({ stack }, use) => use(await awaitingOtp(stack)),
  scrape: async ({ stack }, use) =>
    use(async (url = stack.gateway.url, headers = {}) => {
      const answer = await http(`${url}/metrics`, 'GET', undefined, headers);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      return answer.body as string;
    }),
  webhook: async ({ stack }, use) =>
    use((provider, body, headers = {}) => http(`${stack.gateway.url}/v1/webhooks/${provider}`, 'POST', body, headers)),
});

describe('gateway /metrics', () => {
  test('counts requests by route pattern, method and status, with latency, and no API key to scrape', async ({
    stack: s,
    requestId,
    scrape,
  }) => {
    const before = await scrape();
    const route = '/v1/activations/:requestId';
    const count = (text: string, labels: Record<string, string>) =>
      sampleSum(text, 'vlens_gateway_http_requests_total', labels);

    for (let i = 0; i < 3; i++) expect((await s.api('GET', `/v1/activations/${requestId}`)).status).toBe(200);
    expect((await s.api('GET', `/v1/activations/${randomUUID()}`)).status).toBe(404);
    expect((await http(`${s.gateway.url}/v1/activations/${requestId}`, 'GET')).status).toBe(401);
    expect((await s.api('GET', `/no/such/route/${requestId}`)).status).toBe(404);
    const wrong = await s.api('POST', `/v1/activations/${requestId}/otp`, {
      code: '00000000',
      device: deviceAt(CAIRO),
    });
    expect(wrong.status).toBe(200);
    expect(
      (await s.api('POST', `/v1/activations/${requestId}/otp`, { code: 'x', device: deviceAt(CAIRO) })).status,
    ).toBe(422);

    const after = await scrape();
    const delta = (labels: Record<string, string>) => count(after, labels) - count(before, labels);
    expect(delta({ method: 'GET', route, status_code: '200' })).toBe(3);
    expect(delta({ method: 'GET', route, status_code: '404' })).toBe(1);
    expect(delta({ method: 'GET', route, status_code: '401' })).toBe(1);
    expect(delta({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(delta({ method: 'POST', route: `${route}/otp`, status_code: '200' })).toBe(1);
    expect(delta({ method: 'POST', route: `${route}/otp`, status_code: '422' })).toBe(1);
    // The first scrape is counted by the second.
    expect(delta({ method: 'GET', route: '/metrics', status_code: '200' })).toBe(1);

    const histogram = (text: string, suffix: string) =>
      sampleSum(text, `vlens_gateway_http_request_duration_seconds_${suffix}`, {
        method: 'GET',
        route,
        status_code: '200',
      });
    expect(histogram(after, 'count') - histogram(before, 'count')).toBe(3);
    expect(histogram(after, 'sum')).toBeGreaterThan(histogram(before, 'sum'));
    expect(
      sampleSum(after, 'vlens_gateway_http_request_duration_seconds_bucket', { route, le: '+Inf', status_code: '200' }),
    ).toBe(histogram(after, 'count'));

    // Route patterns only: no requestId and no raw URL ever becomes a label.
    expect(after).not.toContain(requestId);
    expect(after).not.toContain('/no/such/route');
    // Default process metrics are there too.
    expect(after).toMatch(/^process_cpu_user_seconds_total /m);
  });

  test('webhook outcomes by provider: verified, duplicate, bad_signature, unknown_activation, ignored', async ({
    requestId,
    scrape,
    webhook,
  }) => {
    const outcomes = (text: string, provider: string, outcome: string) =>
      sampleSum(text, 'vlens_gateway_webhooks_total', { provider, outcome });
    const before = await scrape();

    const event = kashierEvent(requestId);
    expect((await webhook('kashier', event.body, { 'x-kashier-signature': event.signature })).status).toBe(200);
    expect((await webhook('kashier', event.body, { 'x-kashier-signature': event.signature })).body).toMatchObject({
      duplicate: true,
    });
    expect((await webhook('kashier', event.body, { 'x-kashier-signature': '0'.repeat(64) })).status).toBe(401);
    const stranger = kashierEvent(randomUUID());
    expect((await webhook('kashier', stranger.body, { 'x-kashier-signature': stranger.signature })).status).toBe(202);
    expect(
      (await webhook('fawry', { fawryRefNumber: '1', merchantRefNumber: requestId, messageSignature: 'nope' })).status,
    ).toBe(400);
    const ignored = {
      Id: randomUUID(),
      WebhookEvent: 'App.BusinessRequestStatusChange',
      Data: { Id: requestId, NewStatus: 'Approved' },
    };
    expect((await webhook('vlens', ignored)).status).toBe(200);

    const after = await scrape();
    const delta = (provider: string, outcome: string) =>
      outcomes(after, provider, outcome) - outcomes(before, provider, outcome);
    expect(delta('kashier', 'verified')).toBe(1);
    expect(delta('kashier', 'duplicate')).toBe(1);
    expect(delta('kashier', 'bad_signature')).toBe(1);
    expect(delta('kashier', 'unknown_activation')).toBe(1);
    expect(delta('fawry', 'bad_request') + delta('fawry', 'bad_signature')).toBe(1);
    expect(delta('vlens', 'ignored')).toBe(1);
    expect(
      sampleSum(after, 'vlens_gateway_http_requests_total', { route: '/v1/webhooks/kashier', method: 'POST' }),
    ).toBeGreaterThanOrEqual(4);
  });

  test('GATEWAY_METRICS: api-key puts /metrics behind the API keys; off removes it', async ({ stack: s, scrape }) => {
    const guarded = await startGateway({
      activations: s.activations,
      port: 0,
      dedupStore: new MemoryDedupStore(),
      metrics: 'api-key',
      logLevel: 'silent',
    });
    const off = await startGateway({
      activations: s.activations,
      port: 0,
      dedupStore: new MemoryDedupStore(),
      metrics: 'off',
      logLevel: 'silent',
    });
    try {
      expect((await http(`${guarded.url}/metrics`, 'GET')).status).toBe(401);
      expect(await scrape(guarded.url, { authorization: `Bearer ${API_KEY}` })).toMatch(
        /vlens_gateway_http_requests_total/,
      );
      const gone = await http(`${off.url}/metrics`, 'GET');
      expect(gone.status).toBe(404);
      // Still counted, for whoever reads the registry in-process.
      expect(await off.metrics.registry.metrics()).toMatch(/route="unmatched",status_code="404"/);
    } finally {
      await guarded.close();
      await off.close();
    }
  });
});
