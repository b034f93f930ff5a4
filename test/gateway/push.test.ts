// Push, not poll, over the gateway on a real server: the first answer is actionable (update-with-start),
// a long poll returns when the status version moves, and the event stream delivers each change.
import { describe, expect } from 'vitest';
import { deviceAt } from '../temporal/harness';
import { API_KEY } from './stack';
import { gatewayTest as test } from '../temporal/fixtures';

describe('push, not poll', () => {
  test.scoped({ stackOptions: { gateway: { maxWaitingPerCaller: 2 } } });

  test('the first answer already says the OTP is out', async ({ stack: s }) => {
    const { answer } = await s.startActivation();
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ state: 'awaiting_otp', nextAction: { type: 'submit_otp' } });
    expect(answer.body.otp.expiresAt).toBeTruthy();
    expect(answer.body.version).toBeGreaterThan(0);
  });

  test('a long poll answers at once when behind, waits for the next change otherwise, and times out with the same version', async ({
    stack: s,
  }) => {
    const { seeded, answer } = await s.startActivation();
    const id = seeded.requestId;
    const behind = await s.api('GET', `/v1/activations/${id}?waitForChange=0&timeout=10s`);
    expect(behind.body.version).toBe(answer.body.version);

    const quiet = await s.api('GET', `/v1/activations/${id}?waitForChange=${answer.body.version}&timeout=300ms`);
    expect(quiet.status).toBe(200);
    expect(quiet.body.version).toBe(answer.body.version);

    const waiting = s.api('GET', `/v1/activations/${id}?waitForChange=${answer.body.version}&timeout=20s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { code } = await s.h.latestOtp(id);
    await s.api('POST', `/v1/activations/${id}/otp`, { code, device: deviceAt() });
    const changed = await waiting;
    expect(changed.body.version).toBeGreaterThan(answer.body.version);
    expect(changed.body.state).toBe('awaiting_payment');

    const bad = await s.api('GET', `/v1/activations/${id}?waitForChange=-1`);
    expect(bad.status).toBe(422);
  });

  test('an event stream sends each change; a caller cannot hold more than its share open', async ({ stack: s }) => {
    const { seeded } = await s.startActivation();
    const id = seeded.requestId;
    const controller = new AbortController();
    const response = await fetch(`${s.gateway.url}/v1/activations/${id}/events`, {
      headers: { authorization: `Bearer ${API_KEY}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const states: string[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: status') && data) states.push(JSON.parse(data.slice(6)).state);
        }
      }
    })().catch(() => undefined);

    // Two open per caller in this stack (the stream is one): a third is refused (429), not queued.
    const { version } = (await s.api('GET', `/v1/activations/${id}`)).body;
    const second = s.api('GET', `/v1/activations/${id}?waitForChange=${version}&timeout=2s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = await s.api('GET', `/v1/activations/${id}?waitForChange=${version}&timeout=2s`);
    expect(third.status).toBe(429);
    expect((await second).status).toBe(200);

    const { code } = await s.h.latestOtp(id);
    await s.api('POST', `/v1/activations/${id}/otp`, { code, device: deviceAt() });
    const until = Date.now() + 15_000;
    while (!states.includes('awaiting_payment') && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await reading;
    expect(states[0]).toBe('awaiting_otp');
    expect(states).toContain('awaiting_payment');
  });
});
