import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_INSTALL, CHROMIUM_PATH } from "../../scripts/chromium.mjs";

export { CHROMIUM_INSTALL };

/** Screenshots for a person to look at; the folder is ignored by git. */
export const TEST_OUTPUT = "test-output";

/** Why the browser tests cannot run on this machine, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} not found`;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab that records uncaught page errors and console errors. */
  newPage(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile, removed again by close(). */
export async function launchChromium(): Promise<TestBrowser> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw new Error(`${missing}; the dashboard tests need it: ${CHROMIUM_INSTALL}`);
  const profile = mkdtempSync(join(tmpdir(), "keypool-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
      page.on("console", (msg) => {
        // Chromium logs every failed request (a 401, a refused connection) to the console: expected here.
        if (msg.type() === "error" && !/Failed to load resource|net::ERR_/.test(msg.text())) errors.push(`console: ${msg.text()}`);
      });
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test-output/. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  await page.screenshot({ path: join(TEST_OUTPUT, name), fullPage: true });
}
