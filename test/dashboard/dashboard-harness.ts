import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, onTestFinished } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { PoolConfig } from "../../src/config/types.js";
import type { KeypoolServer, KeypoolServerOptions } from "../../src/keypool-server.js";
import { CHROMIUM_INSTALL, chromiumMissing, launchChromium, type TestBrowser } from "../support/browser.js";
import { TestClient } from "../support/grpc-client.js";
import { startServerForTest } from "../support/keypool-fixture.js";

/*
 * What the dashboard's Chromium tests share: one browser per file, real
 * sidecars on ephemeral ports (the shared test fixture's, stopped when the
 * test ends), the generated gRPC client, and the page's selectors.
 */

const ci = Boolean(process.env.CI);
const missing = chromiumMissing();
/** Locally a missing browser skips with what to install; CI must have it. */
export const skipBrowser = missing !== undefined && !ci;
if (skipBrowser) console.warn(`skipping the dashboard browser tests: ${missing}; install it with: ${CHROMIUM_INSTALL}`);

let browser: TestBrowser | undefined;
/** Folders a test made; removed after it. */
export const dirs: string[] = [];

/** Registers the browser and the per-test clean-up in the calling test file. */
export function useDashboardHarness(): void {
  beforeAll(async () => {
    if (!skipBrowser) browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
}

export async function start(config: PoolConfig, options: Partial<KeypoolServerOptions> = {}): Promise<{ server: KeypoolServer; base: string; client: TestClient }> {
  const server = await startServerForTest({ adminListen: "127.0.0.1:0", config, watch: false, ...options });
  const client = new TestClient(server.grpcAddress);
  // Registered after the server's stop, so it runs first: a server without callers stops at once.
  onTestFinished(() => client.close());
  return { server, base: `http://${server.adminAddress}`, client };
}

export async function openPage(base: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await browser!.newPage();
  await opened.page.goto(`${base}/`);
  return opened;
}

/** The row of a key; `data-state` carries its state. */
export const row = (page: Page, provider: string, keyId: string) => page.locator(`section[data-provider="${provider}"] tr[data-key-id="${keyId}"]`);

export async function waitForState(page: Page, provider: string, keyId: string, state: string, timeoutMs: number): Promise<void> {
  await page.waitForSelector(`section[data-provider="${provider}"] tr[data-key-id="${keyId}"][data-state="${state}"]`, { timeout: timeoutMs });
}

/** Acquires until `keyId` is leased (reporting the others as successes). */
export async function leaseOf(client: TestClient, provider: string, keyId: string, model = ""): Promise<AcquireKeyResponse> {
  for (let i = 0; i < 20; i++) {
    const lease = await client.acquire({ provider, model, estimatedTokens: 100 });
    if (lease.keyId === keyId) return lease;
    await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 80, completionTokens: 20, latency: durationFromMs(120) });
  }
  throw new Error(`${provider}/${keyId} was never leased`);
}

/**
 * A tokens file with an admin client "ops", a caller "app" (openai only) and,
 * when given, a "watcher" that may read the statistics but is no admin; in a
 * folder removed after the test.
 */
export function tokensFile(admin: string, caller: string, watcher?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "keypool-dashboard-"));
  dirs.push(dir);
  const file = join(dir, "tokens.json");
  const clients: object[] = [{ name: "ops", token: admin, providers: ["*"], admin: true }, { name: "app", token: caller, providers: ["openai"] }];
  if (watcher !== undefined) clients.push({ name: "watcher", token: watcher, providers: ["*"], stats: true });
  writeFileSync(file, JSON.stringify({ clients }), { mode: 0o600 });
  return file;
}

/** Answers the page's token form with `token`. */
export async function logIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector("#login", { state: "visible", timeout: 5_000 });
  await page.fill("#token-input", token);
  await page.click("#login-form button[type=submit]");
}
