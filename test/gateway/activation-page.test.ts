// The hosted activation page (issue 26) in real Chromium against the real stack (Temporal dev server,
// worker, sandbox over HTTP, gateway): a customer opens the link a start answered, types the OTP from the
// sandbox's SMS inbox, pays on the sandbox's payment page, comes back and sees the contract activated; the
// far branch takes selfies with Chromium's fake camera; wrong and locked codes and a resend; the journey
// in Arabic; bad links; every state passes axe-core (activation-page-driver.ts).
import type { Browser, Page, Request, Response } from 'playwright-core';
import { describe, expect } from 'vitest';
import { launchChromium } from '../chromium';
import { ActivationClient } from '../../client/activation-client';
import { EXIT, runCli } from '../../client/cli';
import { createClientSecrets, DEV_CLIENT_SECRET_KEY } from '../../contract/client-secret';
import { gatewayTest } from '../temporal/fixtures';
import { ALEXANDRIA, CAIRO, deviceAt } from '../temporal/harness';
import type { GatewayStack } from './stack';
import { checkState, expectTitle, phone } from './activation-page-driver';
import { en } from '../../page/messages/en';
import { ar } from '../../page/messages/ar';

const ACME = { displayName: 'Acme Finance', accentColor: '#0b5c3b' };
const OTHER = { displayName: 'Other Bank', accentColor: '#5b1a8a' };

const test = gatewayTest.extend<{ browser: Browser }>({
  browser: [
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from its destructuring
    async ({}, use) => {
      // A fake front camera (a moving test pattern) that is allowed without a prompt.
      const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
      await use(browser);
      await browser.close();
    },
    { scope: 'file' },
  ],
});

test.scoped({
  stackOptions: {
    activationPage: true,
    gateway: { pageBranding: { default: ACME, other: OTHER } },
    // Vlens locks a code after two wrong tries, before the workflow's own five are used up.
    harness: { sandbox: { maxOtpAttempts: 2 } },
  },
});

async function open(
  s: GatewayStack,
  page: Page,
  input: Record<string, unknown> = {},
  seed: Record<string, unknown> = {},
) {
  const { seeded, answer } = await s.startActivation(seed, input);
  expect(answer.status).toBe(202);
  const url: string = answer.body.activationUrl;
  expect(url).toBe(`${s.gateway.url}/activate/${seeded.requestId}#cs=${encodeURIComponent(answer.body.clientSecret)}`);
  await page.goto(url);
  return { seeded, secret: answer.body.clientSecret as string };
}

/** Types the inbox's code with the keyboard alone and sends it with Enter. */
async function typeOtp(page: Page, code: string): Promise<void> {
  await page.focus('#otp');
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

/** The sandbox payment page, its Pay button, and the merchant's return link back to the activation page. */
async function payAndComeBack(page: Page): Promise<void> {
  await page.focus('#pay');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/sandbox\/pay\//);
  await page.click('#pay');
  await page.waitForSelector('#return:not([hidden])', { timeout: 10_000 });
  await page.click('#return');
  await page.waitForURL(/\/activate\//);
}

/** The page's event stream: every request it makes for it, and every answer (headers) it got. */
function watchStream(page: Page): { requests: Request[]; answers: Response[] } {
  const seen = { requests: [] as Request[], answers: [] as Response[] };
  const isStream = (url: string) => new URL(url).pathname.endsWith('/events');
  page.on('request', (request) => void (isStream(request.url()) && seen.requests.push(request)));
  page.on('response', (response) => void (isStream(response.url()) && seen.answers.push(response)));
  return seen;
}

function expectNoSecretInLogs(s: GatewayStack, secret: string): void {
  const signature = secret.split('.').pop()!;
  expect(s.logs.some((line) => line.includes(signature))).toBe(false);
}

describe('hosted activation page in a real browser', () => {
  test('full journey: OTP from the inbox, pay on the sandbox page, come back, activated', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    const thirdParty: string[] = [];
    // What leaves the browser: the URL without its fragment (#cs=… is never sent; the page reads it).
    const sentUrls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:')
        thirdParty.push(request.url());
      sentUrls.push(request.url().split('#')[0]!);
    });
    const stream = watchStream(page);
    try {
      const { seeded, secret } = await open(s, page);
      await expectTitle(page, en.otpTitle);
      // The secret was read from the fragment and removed from the address bar.
      expect(page.url()).toBe(`${s.gateway.url}/activate/${seeded.requestId}`);
      expect(await page.getAttribute('html', 'dir')).toBe('ltr');
      expect(await page.textContent('#brand-name')).toBe(ACME.displayName);
      const input = page.locator('#otp');
      expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
      expect(await input.getAttribute('inputmode')).toBe('numeric');
      expect(await page.textContent('#attempts-left')).toBe('5 attempts left');
      expect(await page.textContent('#expires')).toMatch(/^The code expires in [45]:\d\d\.$/);
      await checkState(page, 'otp');

      const { code } = await s.h.latestOtp(seeded.requestId);
      await typeOtp(page, code);
      await expectTitle(page, en.payTitle);
      await checkState(page, 'pay');

      await payAndComeBack(page);
      await expectTitle(page, en.activatedTitle);
      await checkState(page, 'activated');
      expect((await s.waitForState(seeded.requestId, 'activated')).payment?.paidAt).toBeTruthy();
      expect(thirdParty).toEqual([]);
      expectNoSecretInLogs(s, secret);
      // The secret is in no URL any request carried (a proxy in front of the gateway logs URLs): the event
      // stream too sends it in Authorization (page/events.ts), and the gateway would refuse it in a URL.
      const signature = secret.split('.').pop()!;
      expect(sentUrls.length).toBeGreaterThan(5);
      expect(sentUrls.filter((url) => url.includes(signature) || /access_token/i.test(url))).toEqual([]);
      expect(stream.requests.length).toBeGreaterThan(0);
      for (const request of stream.requests)
        expect((await request.allHeaders()).authorization).toBe(`Bearer ${secret}`);
    } finally {
      await context.close();
    }
  });

  test('far branch: selfies from the fake front camera, then OTP, payment, activated', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: ALEXANDRIA });
    const page = await context.newPage();
    try {
      const { seeded } = await open(s, page, { device: deviceAt(ALEXANDRIA) });
      await expectTitle(page, en.livenessTitle);
      await checkState(page, 'liveness');
      await page.click('#camera-on');
      await page.waitForFunction(() => {
        const video = (globalThis as any).document.querySelector('video');
        return video !== null && video.readyState >= 2 && video.videoWidth > 0;
      });
      await page.click('#capture');
      await page.waitForSelector('#send-selfies');
      expect(await page.locator('.shots img').count()).toBe(4);
      await checkState(page, 'liveness-review');
      await page.click('#send-selfies');

      await expectTitle(page, en.otpTitle, 30_000);
      const { code } = await s.h.latestOtp(seeded.requestId);
      await typeOtp(page, code);
      await expectTitle(page, en.payTitle);
      await payAndComeBack(page);
      await expectTitle(page, en.activatedTitle);
      await s.waitForState(seeded.requestId, 'activated');
      // One liveness call, accepted by the sandbox: four distinct frames under its size limit.
      const liveness = (await s.h.calls(seeded.requestId)).filter((c) => c.path.endsWith('StepReValidateLiveness'));
      expect(liveness.map((call) => call.errorCode)).toEqual([0]);
    } finally {
      await context.close();
    }
  });

  test('a wrong code, then a locked one, then a new code after the cooldown', async ({ stack: s, browser }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    try {
      const { seeded } = await open(s, page, { policy: { resendCooldown: '4s' } });
      await expectTitle(page, en.otpTitle);
      const { code } = await s.h.latestOtp(seeded.requestId);
      const wrong = code === '000000' ? '111111' : '000000';
      expect(await page.isDisabled('#resend')).toBe(true);
      expect(await page.textContent('#resend-wait')).toMatch(/^You can ask for a new code in 0:0\d\.$/);

      await typeOtp(page, wrong);
      await expect.poll(() => page.textContent('#notice')).toBe('That code is not right. You have 4 attempts left.');
      expect(await page.getAttribute('#otp', 'aria-invalid')).toBe('true');
      await checkState(page, 'otp-wrong');
      // The sandbox locks the code on the second wrong try; the next submission is told so.
      await typeOtp(page, wrong);
      await expect.poll(() => page.textContent('#notice')).toBe('That code is not right. You have 3 attempts left.');
      await typeOtp(page, code);
      await expect.poll(() => page.textContent('#notice')).toBe(en.otpLocked);
      await checkState(page, 'otp-locked');

      await page.waitForSelector('#resend:not([disabled])', { timeout: 10_000 });
      await page.focus('#resend');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('#notice')).toBe(en.resendSent);
      await expect.poll(async () => (await s.h.latestOtp(seeded.requestId)).code).not.toBe(code);
      const fresh = await s.h.latestOtp(seeded.requestId);
      await typeOtp(page, fresh.code);
      await expectTitle(page, en.payTitle);
    } finally {
      await context.close();
    }
  });

  test('digits typed survive a redraw of the OTP screen; an answered code or a resend empties the field', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    const field = () =>
      page.evaluate(() => {
        const document = (globalThis as any).document;
        const input = document.getElementById('otp');
        return {
          value: input.value as string,
          focused: document.activeElement === input,
          caret: input.selectionStart as number,
          // Set on the field before the redraw: gone if the field was drawn anew.
          sameElement: input.dataset.marked === 'yes',
        };
      });
    try {
      const { seeded } = await open(s, page, { policy: { resendCooldown: '3s' } });
      await expectTitle(page, en.otpTitle);
      const { code } = await s.h.latestOtp(seeded.requestId);
      const wrong = code === '000000' ? '111111' : '000000';
      expect(await page.isDisabled('#resend')).toBe(true);
      await page.focus('#otp');
      await page.keyboard.type(wrong.slice(0, 3));
      await page.keyboard.press('ArrowLeft');
      await page.evaluate(() => ((globalThis as any).document.getElementById('otp').dataset.marked = 'yes'));
      // The cooldown ends: the page redraws the OTP screen, its resend button now enabled (page/main.ts, tick).
      await page.waitForSelector('#resend:not([disabled])', { timeout: 10_000 });
      expect(await field()).toEqual({ value: wrong.slice(0, 3), focused: true, caret: 2, sameElement: false });

      await page.keyboard.press('End');
      await page.keyboard.type(wrong.slice(3));
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('#notice')).toBe('That code is not right. You have 4 attempts left.');
      // Answered: the field is empty for the next try, and has the focus.
      expect(await field()).toMatchObject({ value: '', focused: true });

      await page.keyboard.type(code.slice(0, 2));
      await page.focus('#resend');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('#notice')).toBe(en.resendSent);
      // A new code is on its way: what was typed for the old one is gone.
      expect(await field()).toMatchObject({ value: '', focused: true });
    } finally {
      await context.close();
    }
  });

  test('the whole journey in Arabic: right to left, translated, Arabic digits', async ({ stack: s, browser }) => {
    const context = await phone(browser, { geolocation: CAIRO, locale: 'ar-EG' });
    const page = await context.newPage();
    try {
      const { seeded } = await open(s, page);
      await expectTitle(page, ar.otpTitle);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      expect(await page.getAttribute('html', 'lang')).toBe('ar');
      expect(await page.textContent('#attempts-left')).toBe('٥ محاولات متبقية');
      expect(await page.textContent('label[for=otp]')).toBe(ar.otpLabel);
      expect(await page.textContent('#lang-switch')).toBe('English');
      const { code } = await s.h.latestOtp(seeded.requestId);
      await typeOtp(page, code);
      await expectTitle(page, ar.payTitle);
      expect(await page.textContent('#pay')).toBe(ar.payButton);
      await payAndComeBack(page);
      await expectTitle(page, ar.activatedTitle);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      // The switch: English, left to right, and back.
      await page.click('#lang-switch');
      await expectTitle(page, en.activatedTitle);
      expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    } finally {
      await context.close();
    }
  });

  test('failed and cancelled activations say what happened and what to do next, also after the stream dropped', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    try {
      // One attempt only: a wrong code ends the activation.
      const { seeded } = await open(s, page, { policy: { maxOtpAttempts: 1 } });
      await expectTitle(page, en.otpTitle);
      const { code } = await s.h.latestOtp(seeded.requestId);
      await typeOtp(page, code === '000000' ? '111111' : '000000');
      await expectTitle(page, en.failedTitle);
      expect(await page.textContent('main')).toContain(en.reasons.otp_attempts_exhausted);
      await checkState(page, 'failed');

      const stream = watchStream(page);
      const second = await open(s, page);
      await expectTitle(page, en.otpTitle);
      // The gateway restarts (a deploy): the stream drops, and the page opens it again by itself, from the
      // version it has shown; only that stream can bring the cancel that follows.
      await expect.poll(() => stream.answers.map((answer) => answer.status())).toEqual([200]);
      await s.gateway.close();
      await s.restartGateway();
      const cancel = await s.api('POST', `/v1/activations/${second.seeded.requestId}/cancel`, {
        reason: 'customer asked',
      });
      expect(cancel.status).toBe(202);
      await expectTitle(page, en.cancelledTitle);
      const opened = stream.answers.filter((answer) => answer.status() === 200);
      expect(opened.length).toBeGreaterThanOrEqual(2);
      expect(await opened.at(-1)!.request().headerValue('last-event-id')).toMatch(/^\d+$/);
      await checkState(page, 'cancelled');
    } finally {
      await context.close();
    }
  });

  test('an expired or foreign client secret shows the plain error page and never reaches the log', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    try {
      const { seeded } = await s.startActivation();
      const secrets = createClientSecrets([DEV_CLIENT_SECRET_KEY]);
      const expired = secrets.issue(seeded.requestId, 'default', 60_000, Date.now() - 120_000).clientSecret;
      // Validly signed, but for another tenant: it must not open this tenant's activation, nor show its branding.
      const foreign = secrets.issue(seeded.requestId, 'other', 3_600_000).clientSecret;
      const { answer: otherAnswer } = await s.startActivation();
      const anotherActivations = otherAnswer.body.clientSecret as string;
      for (const secret of [expired, foreign, anotherActivations]) {
        await page.goto(`${s.gateway.url}/activate/${seeded.requestId}#cs=${encodeURIComponent(secret)}`);
        await expectTitle(page, en.errorTitle);
        // Only the fragment changed: the page reloads itself (page/main.ts, hashchange), which may come after
        // the title is read (the previous secret's error page).
        await expect.poll(() => page.url()).toBe(`${s.gateway.url}/activate/${seeded.requestId}`);
        const text = await page.textContent('body');
        expect(text).not.toContain(OTHER.displayName);
        expect(text).not.toContain(ACME.displayName);
        expect(text).not.toContain(seeded.requestId);
        expectNoSecretInLogs(s, secret);
      }
      await checkState(page, 'error');
      // No secret at all (a link cut short) is the same page.
      await page.goto(`${s.gateway.url}/activate/${seeded.requestId}`);
      await page.evaluate(() => (globalThis as any).sessionStorage.clear());
      await page.reload();
      await expectTitle(page, en.errorTitle);
    } finally {
      await context.close();
    }
  });

  test('waiting while Vlens activates, and held for an operator: nothing for the customer to do', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: CAIRO });
    const page = await context.newPage();
    try {
      const { seeded } = await open(s, page);
      await expectTitle(page, en.otpTitle);
      // Vlens takes its time to confirm the payment: the page shows the activation under way.
      const slow = await s.h.sandbox('POST', '/sandbox/faults', {
        path: '/api/BusinessRequest/CustomerSign/StepValidatePayment',
        delayMs: 8_000,
        times: 1,
      });
      expect(slow.status).toBeLessThan(300);
      await typeOtp(page, (await s.h.latestOtp(seeded.requestId)).code);
      await expectTitle(page, en.payTitle);
      await payAndComeBack(page);
      await expectTitle(page, en.waitingTitle);
      expect(await page.textContent('main')).toContain(en.activating);
      await checkState(page, 'waiting');
      await expectTitle(page, en.activatedTitle, 30_000);

      // An answer to StepRequestOtp that nobody can read holds the activation for an operator.
      const unreadable = await s.h.sandbox('POST', '/sandbox/faults', {
        path: '/api/BusinessRequest/CustomerSign/StepRequestOtp',
        answer: { status: 200, body: '{}' },
        times: 1,
      });
      expect(unreadable.status).toBeLessThan(300);
      await open(s, page);
      await expectTitle(page, en.heldTitle);
      await checkState(page, 'held');
    } finally {
      await s.h.sandbox('DELETE', '/sandbox/faults');
      await context.close();
    }
  });

  test('without a camera, photos from the file input (capture="user") are sent instead', async ({
    stack: s,
    browser,
  }) => {
    const context = await phone(browser, { geolocation: ALEXANDRIA });
    // A browser without getUserMedia (an old WebView): the page falls back to the file input.
    await context.addInitScript(() => {
      const media = (globalThis as any).navigator.mediaDevices;
      if (media) media.getUserMedia = undefined;
    });
    const page = await context.newPage();
    try {
      const { seeded } = await open(s, page, { device: deviceAt(ALEXANDRIA) });
      await expectTitle(page, en.livenessTitle);
      await page.click('#camera-on');
      const input = page.locator('#selfie-file');
      expect(await input.getAttribute('capture')).toBe('user');
      // Four different photos, as a phone's camera app would hand them over.
      const photos: string[] = await page.evaluate(() =>
        [0, 1, 2, 3].map((n) => {
          const canvas = (globalThis as any).document.createElement('canvas');
          canvas.width = 64;
          canvas.height = 64;
          const g = canvas.getContext('2d');
          g.fillStyle = `hsl(${n * 80}, 60%, 50%)`;
          g.fillRect(0, 0, 64, 64);
          return canvas.toDataURL('image/png').split(',')[1];
        }),
      );
      for (const [n, photo] of photos.entries()) {
        if (n === 1) await checkState(page, 'liveness-files');
        await page.locator('#selfie-file').setInputFiles({
          name: `selfie-${n}.png`,
          mimeType: 'image/png',
          buffer: Buffer.from(photo, 'base64'),
        });
        if (n < 3) await expect.poll(() => page.textContent('main')).toContain(`${n + 1} of 4 photos taken`);
      }
      await page.waitForSelector('#send-selfies');
      await page.click('#send-selfies');
      await expectTitle(page, en.otpTitle, 30_000);
      const liveness = (await s.h.calls(seeded.requestId)).filter((c) => c.path.endsWith('StepReValidateLiveness'));
      expect(liveness.map((call) => call.errorCode)).toEqual([0]);
    } finally {
      await context.close();
    }
  });

  test("the CLI's start prints the link, and the page opens it", async ({ stack: s, browser }) => {
    const seeded = await s.h.seed();
    let stdout = '';
    const code = await runCli(
      ['start', seeded.requestId, '--lat', String(CAIRO.latitude), '--lon', String(CAIRO.longitude)],
      {
        io: { stdout: (t) => void (stdout += t), stderr: () => undefined },
        createClient: () => new ActivationClient({ client: s.h.client, taskQueue: s.h.taskQueue }),
        env: { ACTIVATION_PAGE_BASE_URL: `${s.gateway.url}/` },
      },
    );
    expect(code).toBe(EXIT.ok);
    const link = /Activation page for the customer: (\S+)/.exec(stdout)?.[1];
    expect(link).toMatch(new RegExp(`^${s.gateway.url}/activate/${seeded.requestId}#cs=vcs1\\.default\\.`));
    const context = await phone(browser, { geolocation: CAIRO });
    try {
      const page = await context.newPage();
      await page.goto(link!);
      await expectTitle(page, en.otpTitle);
    } finally {
      await context.close();
    }
  });

  test('the page is served with a strict CSP, no inline script, and gzipped assets', async ({ stack: s }) => {
    const shell = await fetch(`${s.gateway.url}/activate/${crypto.randomUUID()}`, {
      headers: { 'accept-language': 'ar-EG,ar;q=0.9,en;q=0.5' },
    });
    expect(shell.status).toBe(200);
    const csp = shell.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(shell.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await shell.text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    const script = await fetch(`${s.gateway.url}/activate/assets/page.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('one-time-code');
  });
});
