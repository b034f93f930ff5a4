// End to end as a user would: the activation is driven through the gateway's HTTP API, then the payment
// link opens in headless Chromium and the Pay button is clicked; the sandbox sends its signed webhook to
// the gateway, and the activation reaches `activated`. Uses the system Chromium (never a downloaded one).
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium';
import { describe, expect } from 'vitest';
import { deviceAt } from '../temporal/harness';
import { gatewayTest } from '../temporal/fixtures';

const test = gatewayTest.extend<{ browser: Browser }>({
  browser: [
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from its destructuring
    async ({}, use) => {
      const browser = await launchChromium();
      await use(browser);
      await browser.close();
    },
    { scope: 'file' },
  ],
});

describe('payment page in a real browser', () => {
  test('open the payment link, click Pay, the activation is activated', async ({ stack: s, browser }) => {
    const { seeded, answer } = await s.startActivation();
    expect(answer.status).toBe(202);
    await s.waitForState(seeded.requestId, 'awaiting_otp');
    const { code } = await s.h.latestOtp(seeded.requestId);
    const otp = await s.api('POST', `/v1/activations/${seeded.requestId}/otp`, { code, device: deviceAt() });
    expect(otp.body.outcome).toBe('accepted');
    const link: string = otp.body.status.nextAction.paymentLink;

    const page = await browser.newPage();
    try {
      await page.goto(link);
      expect(await page.textContent('#status')).toBe('pending');
      await page.click('#pay');
      await page.waitForSelector('#status:text-is("paid")', { timeout: 10_000 });
      expect(await page.textContent('#result')).toMatch(/Payment successful/);
    } finally {
      await page.close();
    }

    const final = await s.waitForState(seeded.requestId, 'activated');
    expect(final.payment?.paidAt).toBeTruthy();
    expect(s.logs.some((line) => line.includes('payment webhook signalled') && line.includes(seeded.requestId))).toBe(
      true,
    );
  });

  test("an app's EventSource with the client secret in ?access_token= is refused: 401, and the browser stops", async ({
    stack: s,
    browser,
  }) => {
    // The old way for a browser app (EventSource cannot send headers): the secret in the URL, which every
    // proxy in front of the gateway logs. The gateway refuses it (gateway/auth.ts); apps read the stream
    // with fetch and Authorization, as the activation page does (docs/gateway.md, page/events.ts).
    const { seeded, answer } = await s.startActivation();
    const clientSecret: string = answer.body.clientSecret;
    const page = await browser.newPage();
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/events')) answers.push(response.status());
    });
    try {
      // Same origin as the gateway, as an app's web view served next to it would be.
      await page.goto(`${s.gateway.url}/healthz`);
      await page.evaluate(
        ([requestId, secret]) => {
          // Runs in the page (no DOM types in this project's tsconfig).
          const w = globalThis as any;
          w.states = [];
          w.source = new w.EventSource(
            `/v1/activations/${requestId}/events?access_token=${encodeURIComponent(secret!)}`,
          );
          w.source.addEventListener('status', (event: { data: string }) => w.states.push(JSON.parse(event.data).state));
        },
        [seeded.requestId, clientSecret],
      );
      // CLOSED: a refusal is final for EventSource (no retry storm from apps not yet moved to fetch).
      await page.waitForFunction(() => (globalThis as any).source.readyState === 2, null, { timeout: 15_000 });
      expect(answers).toEqual([401]);
      expect(await page.evaluate(() => (globalThis as any).states)).toEqual([]);
      expect(s.logs.some((line) => line.includes(clientSecret))).toBe(false);
    } finally {
      await page.close();
    }
  });
});
