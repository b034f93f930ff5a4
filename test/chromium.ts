// Debian's Chromium through playwright-core, headless, for the browser tests (never a downloaded browser).
// A missing browser is a broken machine, not a reason to skip: `npm test` runs scripts/ensure-chromium.sh
// first, which finds the browser the same way (CHROMIUM_PATH, else `chromium` on PATH) or installs it.
import { chromium, type Browser } from 'playwright-core';
import { findOnPath, isExecutable } from '../scripts/go-tools';

/** The browser the tests drive: CHROMIUM_PATH, else `chromium` on PATH; throws with the fix when neither exists. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`);
    return configured;
  }
  const onPath = findOnPath('chromium');
  if (!onPath) {
    throw new Error("headless Chromium is missing: run 'bash scripts/ensure-chromium.sh' (npm test runs it first)");
  }
  return onPath;
}

/**
 * Playwright gives the browser a fresh temporary profile and removes it on close. `extraArgs`: e.g. the
 * fake camera of the activation page's tests (test/gateway/activation-page.test.ts).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
