// Issue 7, item 7: the Temporal UI as an operator uses it. Headless Chromium (Debian's, never a
// downloaded one) opens the UI of a private local stack (its own dev server with the web UI, pointed at
// an in-process codec server with `--ui-codec-endpoint`), filters the workflow list by the
// ActivationState search attribute, opens the activation and reads its input decoded through the codec
// server; a screenshot goes to <data folder>/screenshots. Then the codec server is stopped and the same
// page shows only the encrypted payload.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENCODING_ENCRYPTED } from '../../codec';
import { ROOT } from '../../scripts/local-stack';
import { testCodecKeys } from '../temporal/harness';
import { startUiStack, type StartedActivation, type UiStack } from './ui-stack';

const SCREENSHOT_DIR = path.join(path.resolve(ROOT, process.env.DATA_DIR ?? '.data'), 'screenshots');
/** How the UI prints the encoding metadata of a payload it could not decode (metadata values are base64). */
const ENCRYPTED_MARKER_B64 = Buffer.from(ENCODING_ENCRYPTED).toString('base64');
const UI_TIMEOUT = 30_000;
const VIEWPORT = { width: 1440, height: 1100 };

/** The "Input" panel of the workflow page: the parent of its "Input" heading, inside input-and-result. */
function inputPanel(page: Page): Locator {
  return page.getByTestId('input-and-result').getByRole('heading', { name: 'Input', exact: true }).locator('xpath=..');
}

interface CodecCall {
  url: string;
  status: number;
  allowOrigin: string | null;
}

describe('Temporal UI shows activations decoded through the codec server', () => {
  let stack: UiStack | undefined;
  let browser: Browser | undefined;
  let activated: StartedActivation;
  let waiting: StartedActivation;

  beforeAll(async () => {
    stack = await startUiStack(testCodecKeys('ui-test').keys);
    activated = await stack.activate('activated');
    waiting = await stack.activate('awaiting_payment');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('filter by ActivationState, open the activation, read the decoded input; without the codec server it stays encrypted', async () => {
    const s = stack!;
    const settings = (await (await fetch(`${s.uiUrl}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(s.codecUrl);

    // One browser context (own cookies, cache and connection pool) per phase.
    const decodedContext = await browser!.newContext({ viewport: VIEWPORT });
    const page = await decodedContext.newPage();
    const codecCalls: CodecCall[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${s.codecUrl}/`) && response.request().method() === 'POST') {
        codecCalls.push({
          url: response.url(),
          status: response.status(),
          allowOrigin: response.headers()['access-control-allow-origin'] ?? null,
        });
      }
    });

    // 1. The list, filtered by the search attribute: the activated one is listed, the one still
    //    awaiting payment is not (and is listed under its own state).
    await page.goto(
      `${s.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('ActivationState="awaiting_payment"')}`,
    );
    await page.getByRole('link', { name: waiting.workflowId, exact: true }).first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('link', { name: activated.workflowId, exact: true }).count()).toBe(0);

    await page.goto(
      `${s.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('ActivationState="activated"')}`,
    );
    const row = page.getByRole('link', { name: activated.workflowId, exact: true }).first();
    await row.waitFor({ timeout: UI_TIMEOUT });
    const listText = await page.locator('body').innerText();
    expect(listText).toContain('ActivationState');
    expect(listText).toContain('"activated"');
    expect(await page.getByRole('link', { name: waiting.workflowId, exact: true }).count()).toBe(0);

    // 2. Open it: the input is shown decoded (the UI has no key; only the codec server can decrypt it).
    await row.click();
    await page.waitForURL((url) => url.pathname.includes(`/workflows/${activated.workflowId}/`), {
      timeout: UI_TIMEOUT,
    });
    const input = inputPanel(page);
    await input.filter({ hasText: '"userDeviceUtcTime"' }).waitFor({ timeout: UI_TIMEOUT });
    const decoded = await input.innerText();
    expect(decoded).toContain(`"requestId": "${activated.requestId}"`);
    expect(decoded).toContain(`"transactionId": "${activated.input.transactionId}"`);
    expect(decoded).toContain('"userDeviceUtcTime"');
    expect(decoded).toContain('"geoLocation"');
    expect(decoded).not.toContain(ENCODING_ENCRYPTED);
    expect(decoded).not.toContain(ENCRYPTED_MARKER_B64);
    expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
    // The browser asked our codec server, from the UI's origin, and CORS let exactly that origin read it.
    const decodes = codecCalls.filter((call) => call.url.endsWith('/decode'));
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((call) => call.status === 200 && call.allowOrigin === s.uiUrl)).toBe(true);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const screenshot = path.join(SCREENSHOT_DIR, 'temporal-ui-activation.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);

    const detailUrl = page.url();
    // Closing the context closes its sockets to the codec server: Chromium keeps a preconnected socket that
    // has sent no request yet, and such a socket holds the codec server's close() open (see ui-stack.ts).
    await decodedContext.close();

    // 3. Negative: the codec server is gone, so the same page can only show the encrypted payload.
    await s.stopCodecServer();
    const encryptedContext = await browser!.newContext({ viewport: VIEWPORT });
    const encryptedPage = await encryptedContext.newPage();
    await encryptedPage.goto(detailUrl);
    await inputPanel(encryptedPage).filter({ hasText: ENCRYPTED_MARKER_B64 }).waitFor({ timeout: UI_TIMEOUT });
    const encrypted = await inputPanel(encryptedPage).innerText();
    // The UI's own warning (rendered in the page header, in a collapsed tooltip-like element).
    expect(await encryptedPage.getByText('Codec Server could not connect').count()).toBeGreaterThan(0);
    expect(encrypted).toContain('"metadata"');
    expect(encrypted).toContain(`"encoding": "${ENCRYPTED_MARKER_B64}"`);
    expect(encrypted).not.toContain(activated.requestId);
    expect(encrypted).not.toContain('userDeviceUtcTime');
    expect(encrypted).not.toContain('geoLocation');
    await encryptedPage.screenshot({
      path: path.join(SCREENSHOT_DIR, 'temporal-ui-activation-no-codec.png'),
      fullPage: true,
    });
    await encryptedContext.close();
  });
});
