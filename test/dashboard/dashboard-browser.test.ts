import { describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { saveScreenshot } from "../support/browser.js";
import type { TestClient } from "../support/grpc-client.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";
import { leaseOf, logIn, openPage, row, skipBrowser, start, tokensFile, useDashboardHarness, waitForState } from "./dashboard-harness.js";
import { SseReader } from "../support/sse.js";

/*
 * The dashboard end to end: a real sidecar, traffic through the generated
 * gRPC client, and the real page in Debian's Chromium (headless). Screenshots
 * go to test-output/ for a person to look at.
 */

const secret = (n: number) => `sk-test-dashboard-secret-${String(n).padStart(4, "0")}`;
/** Every secret these tests configure; none may reach the page. */
const SECRETS = Array.from({ length: 9 }, (_, i) => secret(i + 1));
const keys = (ids: string[], extra: Partial<TestKey> = {}): TestKey[] =>
  ids.map((id) => ({ ...extra, id, secret: secret(Number(id.replace(/\D/g, ""))) }));

useDashboardHarness();

async function traffic(client: TestClient, provider: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const lease = await client.acquire({ provider, estimatedTokens: 300 });
    await client.report({
      leaseId: lease.leaseId,
      outcome: Outcome.OUTCOME_SUCCESS,
      promptTokens: 200 + 37 * i,
      completionTokens: 50 + 11 * i,
      latency: durationFromMs(150 + 40 * (i % 7)),
    });
  }
}

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) expect(text, where).not.toContain(s);
  // Not even a long piece: masked keys show the last four characters at most.
  expect(text, where).not.toContain("sk-test-dashboard-secret");
}

describe.skipIf(skipBrowser)("dashboard in Chromium", () => {
  it("shows every configured key with its id, masked key and state, and no secret in the page or its events", async () => {
    const config = poolConfig(
      {
        openai: [...keys(["k1", "k2", "k3"], { rpm: 60, tpm: 40_000, maxConcurrent: 4 }), { id: "k4", secret: secret(4), enabled: false }],
        google: keys(["g5", "g6"], { rpm: 15, windows: [{ kind: "requests", limit: 5, perMs: 10_000 }] }),
      },
      {},
    );
    const { base, client } = await start(config);
    await traffic(client, "openai", 9);
    await traffic(client, "google", 4);
    const { page, errors } = await openPage(base);
    for (const [provider, ids] of [["openai", ["k1", "k2", "k3", "k4"]], ["google", ["g5", "g6"]]] as const) {
      await expect.poll(() => page.locator(`section[data-provider="${provider}"] tr[data-key-id]`).count(), { timeout: 5_000 }).toBe(ids.length);
      for (const id of ids) {
        const text = await row(page, provider, id).innerText();
        expect(text).toContain(id);
        expect(text).toContain(`…${secret(Number(id.replace(/\D/g, ""))).slice(-4)}`);
      }
    }
    expect(await page.locator("#conn").getAttribute("data-state")).toBe("live");
    expect(await row(page, "openai", "k1").getAttribute("data-state")).toBe("active");
    expect(await row(page, "openai", "k4").getAttribute("data-state")).toBe("disabled");
    expect(await row(page, "openai", "k4").locator(".badge").innerText()).toBe("disabled");
    // Three active keys, nine requests: three each, a perfect balance; the numbers are there.
    expect(await page.locator('section[data-provider="openai"] .tile-balance .big').innerText()).toBe("1.00");
    expect(await row(page, "openai", "k2").locator(".rpm-value").innerText()).toBe("3");
    expect(await row(page, "openai", "k2").locator(".c-util").innerText()).toMatch(/rpm\s+3 \/ 60/);
    // A custom window's use is not in the snapshot: the key's utilization stands for it.
    expect(await row(page, "google", "g5").locator(".c-util").innerText()).toMatch(/5\/10 s\s+\d+%/);
    await page.waitForTimeout(1_500);
    await saveScreenshot(page, "dashboard-light.png");

    expectNoSecret(await page.content(), "page HTML");
    expectNoSecret(await page.evaluate(() => document.body.innerText), "page text");
    // What the page reads: the same events, from the same endpoint.
    const res = await fetch(`${base}/v1/stats/stream?interval=1s`);
    const sse = new SseReader(res.body!);
    await sse.waitFor(2);
    await sse.cancel();
    expectNoSecret(sse.events.map((e) => e.data).join("\n"), "stats events");
    expect(sse.events[0]!.data).toContain('"masked_key":"…0001"');
    expect(errors).toEqual([]);
  });

  it("a 429 turns the key's badge to cooling down within two seconds, with a countdown, and back after the cooldown", async () => {
    const { base, client } = await start(poolConfig({ openai: keys(["k1", "k2"]) }));
    const { page, errors } = await openPage(base);
    await waitForState(page, "openai", "k2", "active", 5_000);
    const lease = await leaseOf(client, "openai", "k2");
    await client.report({
      leaseId: lease.leaseId,
      outcome: Outcome.OUTCOME_RATE_LIMITED,
      httpStatus: 429,
      retryAfter: durationFromMs(2_000),
      errorMessage: "Retry-After 2s",
    });
    const reportedAt = Date.now();
    await waitForState(page, "openai", "k2", "cooling_down", 2_000);
    expect(Date.now() - reportedAt).toBeLessThan(2_000);
    const k2 = row(page, "openai", "k2");
    expect(await k2.locator(".badge").innerText()).toBe("cooling down");
    expect(await k2.locator(".countdown").innerText()).toMatch(/^back in [0-2]\.\d s$/);
    expect(await k2.locator(".reason").innerText()).toContain("Retry-After 2s");
    expect(await k2.locator(".c-429").innerText()).toBe("1");
    expect(await row(page, "openai", "k1").getAttribute("data-state")).toBe("active");
    await waitForState(page, "openai", "k2", "active", 4_000);
    expect(Date.now() - reportedAt).toBeGreaterThanOrEqual(1_900);
    expect(await k2.locator(".badge").innerText()).toBe("active");
    expect(await k2.locator(".countdown").isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it("a reload that adds a key adds its row, and one that removes an idle key drops it, without reloading the page", async () => {
    const { server, base } = await start(poolConfig({ openai: keys(["k1", "k2"]) }));
    const { page, errors } = await openPage(base);
    await waitForState(page, "openai", "k2", "active", 5_000);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const document = (ids: string[]) =>
      JSON.stringify({ openai: { keys: ids.map((id) => ({ key: secret(Number(id.slice(1))), id })) }, anthropic: { keys: [{ key: secret(9), id: "a9" }] } });
    const diff = await server.reloader.applyDocument(document(["k2", "k3"]), "api");
    expect(diff.added).toEqual(expect.arrayContaining(["openai/k3", "anthropic/a9"]));
    await waitForState(page, "openai", "k3", "active", 3_000);
    await waitForState(page, "anthropic", "a9", "active", 3_000);
    await expect.poll(() => row(page, "openai", "k1").count(), { timeout: 3_000 }).toBe(0);
    expect(await page.locator('section[data-provider="openai"] tr[data-key-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key-id")))).toEqual(["k2", "k3"]);
    expect(await page.locator("section[data-provider]").evaluateAll((s) => s.map((e) => e.getAttribute("data-provider")))).toEqual(["openai", "anthropic"]);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator("#generation").innerText()).toBe("config generation 2");
    expect(errors).toEqual([]);
  });

  it("shows that it is disconnected when the sidecar stops, and recovers by itself when it is back", async () => {
    const config = () => poolConfig({ openai: keys(["k1", "k2"]) });
    const first = await start(config());
    const { page, errors } = await openPage(first.base);
    await waitForState(page, "openai", "k1", "active", 5_000);
    await first.server.stop(1_000);
    await page.waitForSelector('#conn[data-state="disconnected"]', { timeout: 5_000 });
    expect(await page.locator("#banner").isVisible()).toBe(true);
    expect(await page.locator("#banner").innerText()).toMatch(/Disconnected from keypool at 127\.0\.0\.1:\d+/);
    expect(await page.locator("#conn-text").innerText()).toMatch(/^disconnected/);
    // The last numbers stay, dimmed.
    expect(await row(page, "openai", "k1").count()).toBe(1);
    await saveScreenshot(page, "dashboard-disconnected.png");

    const again = await start(config(), { adminListen: first.server.adminAddress });
    await again.client.acquire({ provider: "openai" });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });
    expect(await page.locator("#banner").isVisible()).toBe(false);
    await expect.poll(() => row(page, "openai", "k1").locator(".c-inflight").innerText(), { timeout: 3_000 }).not.toBe("0");
    expect(errors).toEqual([]);
  });

  it("keeps draining and disabled keys visibly apart, in dark mode and at phone width, without sideways scrolling", async () => {
    const { server, base, client } = await start(
      poolConfig({
        openai: [
          ...keys(["k1", "k2", "k3"], { rpm: 60, tpm: 30_000, maxConcurrent: 3 }),
          { id: "k4", secret: secret(4), rpm: 60 },
          { id: "k5", secret: secret(5), label: "old organisation", rpm: 60 },
        ],
      }),
    );
    await traffic(client, "openai", 12);
    const held = await leaseOf(client, "openai", "k5");
    const disabled = await leaseOf(client, "openai", "k4");
    await client.report({ leaseId: disabled.leaseId, outcome: Outcome.OUTCOME_UNAUTHORIZED, httpStatus: 401, errorMessage: "invalid api key" });
    const cooling = await leaseOf(client, "openai", "k3");
    await client.report({ leaseId: cooling.leaseId, outcome: Outcome.OUTCOME_RATE_LIMITED, httpStatus: 429, retryAfter: durationFromMs(60_000) });
    await server.reloader.applyDocument(
      JSON.stringify({ openai: { rpm: 60, keys: [1, 2, 3, 4].map((n) => ({ key: secret(n), id: `k${n}`, ...(n <= 3 ? { tpm: 30_000, max_concurrent: 3 } : {}) })) } }),
      "api",
    );
    const { page, errors } = await openPage(base);
    await waitForState(page, "openai", "k5", "draining", 5_000);
    await waitForState(page, "openai", "k4", "disabled", 1_000);
    await waitForState(page, "openai", "k3", "cooling_down", 1_000);
    expect(await row(page, "openai", "k5").locator(".reason").innerText()).toContain("removed from the configuration");
    expect(await row(page, "openai", "k4").locator(".countdown").innerText()).toMatch(/^probe in \d+ min/);

    const look = (id: string) =>
      row(page, "openai", id).evaluate((tr) => {
        const s = getComputedStyle(tr);
        const badge = getComputedStyle(tr.querySelector(".badge")!);
        return `${s.backgroundColor} ${s.backgroundImage} | ${badge.backgroundColor} ${badge.borderStyle} ${badge.color}`;
      });
    const looks = await Promise.all(["k1", "k3", "k4", "k5"].map(look));
    expect(new Set(looks).size).toBe(4);

    const light = await look("k5");
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await look("k5")).not.toBe(light);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe("rgb(244, 246, 248)");
    await page.waitForTimeout(1_200);
    await saveScreenshot(page, "dashboard-dark.png");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // One card per key: the header row is gone, each cell names itself.
    expect(await page.locator("table.keys thead").first().isVisible()).toBe(false);
    expect(await row(page, "openai", "k1").locator(".c-tpm").evaluate((td) => getComputedStyle(td, "::before").content)).toBe('"Tok / min"');
    await page.screenshot({ path: "test-output/dashboard-phone.png" });
    await saveScreenshot(page, "dashboard-phone-full.png");
    await client.report({ leaseId: held.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    expect(errors).toEqual([]);
  });

  it("with client tokens, asks for an admin token, refuses a caller's, then shows the pool and keeps the token for the tab", async () => {
    const admin = "kp-test-dashboard-admin-0001";
    const caller = "kp-test-dashboard-caller-0001";
    const { base } = await start(poolConfig({ openai: keys(["k1", "k2"]) }), { tokensFile: tokensFile(admin, caller) });
    const { page, errors } = await openPage(base);
    await page.waitForSelector("#login", { state: "visible", timeout: 5_000 });
    expect(await page.locator("#conn").getAttribute("data-state")).toBe("auth");
    expect(await page.locator("tr[data-key-id]").count()).toBe(0);
    await saveScreenshot(page, "dashboard-login.png");

    await logIn(page, caller);
    await expect.poll(() => page.locator("#login-message").innerText(), { timeout: 5_000 }).toContain("not an administrator");
    expect(await page.locator("#login").isVisible()).toBe(true);

    await logIn(page, admin);
    await waitForState(page, "openai", "k2", "active", 5_000);
    expect(await page.locator("#login").isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem("keypool.admin-token"))).toBe(admin);
    // The token is never written into the page.
    expect(await page.content()).not.toContain(admin);

    await page.reload();
    await waitForState(page, "openai", "k1", "active", 5_000);
    expect(await page.locator("#login").isVisible()).toBe(false);
    expect(await page.locator("#forget-token").isVisible()).toBe(true);
    await page.click("#forget-token");
    await page.waitForSelector("#login", { state: "visible", timeout: 5_000 });
    expect(await page.evaluate(() => sessionStorage.getItem("keypool.admin-token"))).toBeNull();
    expect(errors).toEqual([]);
  });
});
