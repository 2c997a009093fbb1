import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { KeyPoolClient } from "../../clients/typescript/src/key-pool-client.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import { saveScreenshot } from "../support/browser.js";
import type { TestClient } from "../support/grpc-client.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolConfig } from "../support/pool-config.js";
import { leaseOf, openPage, row, skipBrowser, start, tokensFile, useDashboardHarness } from "./dashboard-harness.js";

/*
 * The dashboard as an operator's console, end to end: ten minutes of traffic
 * through the real server and the generated client on an injected clock
 * (moved 10 s at a time, no sleeping), then the real page in Chromium, which
 * must show that past on its charts, the 429 burst where it happened, the
 * per-model view, and the keys sorted and filtered.
 */

useDashboardHarness();

const secret = (n: number) => `sk-test-console-secret-${String(n).padStart(4, "0")}`;
const STEP_MS = 10_000;
const STEPS = 60;
const BURST_STEP = 42;
const DISABLE_STEP = 55;

async function succeed(client: TestClient, model: string, i: number): Promise<void> {
  const lease = await client.acquire({ provider: "openai", model, estimatedTokens: 300 });
  await client.report({
    leaseId: lease.leaseId,
    outcome: Outcome.OUTCOME_SUCCESS,
    promptTokens: 200 + (i % 5) * 40,
    completionTokens: 60,
    latency: durationFromMs(150 + (i % 7) * 50),
  });
}

/** The visible key rows of a provider, in page order. */
const visibleRows = (page: Page, provider: string) =>
  page.locator(`section[data-provider="${provider}"] tbody tr[data-key-id]:visible`).evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key-id")));

const chart = (page: Page, kind: string) => page.locator(`section[data-provider="openai"] figure[data-chart="${kind}"]`);

describe.skipIf(skipBrowser)("dashboard as an operator's console in Chromium", () => {
  it("shows ten minutes of past traffic on load, the 429 burst at its time, per-model use, and sorts and filters the keys", async () => {
    const clock = new ManualClock(Date.now() - STEPS * STEP_MS);
    const config = poolConfig({
      openai: [
        { id: "k1", secret: secret(1), models: ["gpt-4o"] },
        { id: "k2", secret: secret(2), models: ["gpt-4o"] },
        { id: "k3", secret: secret(3), models: ["gpt-4o-mini"] },
        { id: "k4", secret: secret(4), models: ["gpt-4o"] },
      ],
    });
    const { base, client } = await start(config, { clock });
    let burstAt = 0;
    for (let i = 0; i < STEPS; i++) {
      for (let n = 0; n < 3; n++) await succeed(client, "gpt-4o", i * 3 + n);
      await succeed(client, "gpt-4o-mini", i);
      if (i === BURST_STEP) {
        // Three leases open at once land on three keys; the provider answers all three with 429.
        burstAt = clock.now();
        const leases = await Promise.all([0, 1, 2].map(() => client.acquire({ provider: "openai", model: "gpt-4o" })));
        expect(new Set(leases.map((l) => l.keyId)).size).toBe(3);
        for (const l of leases) {
          await client.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_RATE_LIMITED, httpStatus: 429, retryAfter: durationFromMs(2_000) });
        }
      }
      if (i === DISABLE_STEP) {
        const lease = await leaseOf(client, "openai", "k4", "gpt-4o");
        await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_UNAUTHORIZED, httpStatus: 401, errorMessage: "invalid api key" });
      }
      clock.advance(STEP_MS);
    }

    const { page, errors } = await openPage(base);
    // The past is there at once: a point per 10 s bucket of the ten minutes, not an empty chart.
    await expect.poll(async () => Number(await chart(page, "requests").getAttribute("data-points")), { timeout: 10_000 }).toBeGreaterThanOrEqual(STEPS);
    expect(Number(await chart(page, "tokens").getAttribute("data-points"))).toBeGreaterThanOrEqual(STEPS);
    expect(Number(await chart(page, "latency").getAttribute("data-points"))).toBeGreaterThanOrEqual(STEPS);
    expect(await chart(page, "requests").locator("text.chart-unit").textContent()).toBe("req/min");
    expect(await chart(page, "requests").locator("text.chart-tick").count()).toBeGreaterThan(4);
    // The sidecar's start is marked.
    expect(await chart(page, "requests").locator('g.chart-marker[data-kind="start"]').count()).toBe(1);

    // The burst: three 429s in one 10 s bucket, 18 a minute, at the time they happened and nowhere higher.
    const burst = chart(page, "failures").locator('g[data-metric="rate_limited"]');
    expect(Number(await burst.getAttribute("data-peak-at"))).toBe(Math.floor(burstAt / STEP_MS) * STEP_MS);
    expect(Number(await burst.getAttribute("data-peak"))).toBe(18);
    expect(await burst.locator("title").textContent()).toMatch(/^429: highest 18 per min at \d\d:\d\d:\d\d$/);

    // Problems first: the disabled key, configured last, leads the table.
    expect(await row(page, "openai", "k4").getAttribute("data-state")).toBe("disabled");
    expect(await visibleRows(page, "openai")).toEqual(["k4", "k1", "k2", "k3"]);
    await page.selectOption("#sort", "id");
    expect(await visibleRows(page, "openai")).toEqual(["k1", "k2", "k3", "k4"]);

    // The per-model view, from the history's (key, model) series.
    const models = page.locator('section[data-provider="openai"] .models-table tbody tr');
    await expect.poll(() => models.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-model"))), { timeout: 10_000 }).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(await models.nth(1).locator(".m-keys").textContent()).toBe(`k3 ${STEPS}`);
    expect(await models.nth(0).locator(".m-keys").textContent()).toMatch(/^k\d \d+ · k\d \d+ · k4 \d+$/);

    // Filter to one model, then by text and to problems only.
    await page.selectOption("#filter-model", "gpt-4o-mini");
    expect(await visibleRows(page, "openai")).toEqual(["k3"]);
    expect(await page.locator('section[data-provider="openai"] .keys-shown').textContent()).toContain("1 of 4 keys match the filter");
    expect(await models.evaluateAll((rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute("data-model")))).toEqual(["gpt-4o-mini"]);
    await page.selectOption("#filter-model", "");
    await page.fill("#filter-text", "K2");
    expect(await visibleRows(page, "openai")).toEqual(["k2"]);
    await page.fill("#filter-text", "");
    await page.selectOption("#filter-state", "problems");
    expect(await visibleRows(page, "openai")).toEqual(["k4"]);
    await page.selectOption("#filter-state", "");

    // A shorter range still holds the ten minutes, and the per-model sums follow it.
    await page.selectOption("#range", "15m");
    await expect.poll(() => page.locator('section[data-provider="openai"] .models .models-note').textContent(), { timeout: 10_000 }).toBe(
      "Requests that named a model, over the last 15 min.",
    );
    expect(Number(await chart(page, "requests").getAttribute("data-points"))).toBeGreaterThanOrEqual(STEPS);

    // Live: the next bucket's traffic arrives through the stream and extends the chart.
    const before = Number(await chart(page, "requests").getAttribute("data-points"));
    clock.advance(STEP_MS);
    for (let n = 0; n < 5; n++) await succeed(client, "gpt-4o", n);
    await expect.poll(async () => Number(await chart(page, "requests").getAttribute("data-points")), { timeout: 5_000 }).toBe(before + 1);

    await saveScreenshot(page, "dashboard-history.png");
    expect(errors).toEqual([]);
  });

  it("shows who holds leases and who waits, per client, by name and declared id, never a token", async () => {
    const admin = "kp-test-console-admin-0001";
    const caller = "kp-test-console-caller-0001";
    const { server, base } = await start(poolConfig({ openai: [{ id: "k1", secret: secret(1), maxConcurrent: 2 }] }), { tokensFile: tokensFile(admin, caller) });
    const app = new KeyPoolClient(server.grpcAddress, { token: caller, clientId: "worker-1" });
    try {
      const first = await app.acquire("openai");
      const second = await app.acquire("openai");
      const third = app.acquire("openai", { maxWaitMs: 20_000 });

      const { page, errors } = await openPage(base);
      await page.waitForSelector("#login", { state: "visible", timeout: 5_000 });
      await page.fill("#token-input", admin);
      await page.click("#login-form button[type=submit]");
      const clients = page.locator('section[data-provider="openai"] .clients-table tbody tr');
      const table = () => clients.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
      await expect.poll(table, { timeout: 5_000 }).toEqual([["app", "worker-1", "2", "1"]]);

      // One lease ends: the waiter gets the key, and the page follows.
      await app.report(first, { outcome: "success" });
      const granted = await third;
      await expect.poll(table, { timeout: 5_000 }).toEqual([["app", "worker-1", "2", "0"]]);
      await app.report(second, { outcome: "success" });
      await app.report(granted, { outcome: "success" });
      await expect.poll(table, { timeout: 5_000 }).toEqual([]);
      expect(await page.locator('section[data-provider="openai"] .clients .models-note').textContent()).toBe("No open leases and no one waiting now.");
      const html = await page.content();
      expect(html).not.toContain(caller);
      expect(html).not.toContain(admin);
      expect(errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
