// What the activation page's browser tests share: a phone-sized browser context, the axe-core check every
// state must pass, and screenshots for docs/images/ (only when PAGE_SCREENSHOTS=1, so a normal test run
// leaves the tree as it was: `PAGE_SCREENSHOTS=1 npx vitest run test/gateway/activation-page.test.ts`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const IMAGES = path.resolve(import.meta.dirname, '../../docs/images');
const SAVE_SCREENSHOTS = process.env.PAGE_SCREENSHOTS === '1';

export const PHONE = { width: 360, height: 740 };

export interface PhoneOptions {
  locale?: string;
  geolocation: { latitude: number; longitude: number };
}

/** A 360 px wide context whose location is allowed and set (Vlens compares it with the last one). */
export async function phone(browser: Browser, options: PhoneOptions): Promise<BrowserContext> {
  return browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 1,
    locale: options.locale ?? 'en-US',
    geolocation: options.geolocation,
    permissions: ['geolocation', 'camera'],
    reducedMotion: 'reduce',
  });
}

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page (WCAG 2.0-2.2 A and AA rules and best practices): no violation. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations as AxeViolation[];
  });
  const summary = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(summary, `axe-core violations in state "${state}"`).toEqual([]);
}

/** The page's heading once it reads `text` (each state has its own). */
export async function expectTitle(page: Page, text: string | RegExp, timeout = 20_000): Promise<void> {
  await expect
    .poll(async () => (await page.locator('h1').textContent())?.trim(), { timeout, interval: 100 })
    .toMatch(typeof text === 'string' ? new RegExp(`^${escapeRegExp(text)}$`) : text);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The state is checked with axe-core in both languages (the switch on the page), and saved as
 * docs/images/page-<state>-<lang>.png when asked. Leaves the page in the language it found.
 */
export async function checkState(page: Page, state: string): Promise<void> {
  const first = (await page.getAttribute('html', 'lang')) ?? 'en';
  for (const _ of [0, 1]) {
    const lang = (await page.getAttribute('html', 'lang')) ?? 'en';
    await expectAccessible(page, `${state} (${lang})`);
    if (SAVE_SCREENSHOTS) {
      await page.screenshot({ path: path.join(IMAGES, `page-${state}-${lang}.png`), fullPage: true });
    }
    await page.click('#lang-switch');
    await expect.poll(() => page.getAttribute('html', 'lang')).not.toBe(lang);
  }
  expect(await page.getAttribute('html', 'lang')).toBe(first);
}
