import { describe, expect, it, onTestFinished } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import type { PoolConfig } from "../../src/config/types.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import { saveScreenshot } from "../support/browser.js";
import { TestClient } from "../support/grpc-client.js";
import { leaseOf, logIn, openPage, row, skipBrowser, start, tokensFile, useDashboardHarness } from "./dashboard-harness.js";

/*
 * A key's limits on the page, end to end: a sidecar whose configuration has
 * a quota scope and limits per model, keys that learn the provider's limits
 * from OpenAI's x-ratelimit-* headers reported through the generated gRPC
 * client, and the real page in Chromium showing each of them under the key.
 */

useDashboardHarness();

const secret = (n: number) => `sk-test-limits-secret-${String(n).padStart(4, "0")}`;
const ADMIN = "kp-test-dashboard-admin-03";
const CALLER = "kp-test-dashboard-caller-03";
/** Reads the statistics, no admin: its page shows no action, so each key's card keeps the phone layout's own columns. */
const WATCHER = "kp-test-dashboard-watcher-03";

function config(): PoolConfig {
  const parsed = parseConfigDocument(
    JSON.stringify({
      openai: {
        scopes: { "org-main": { rpm: 500, tpm: 200_000, models: { "gpt-4o": { rpm: 100 } } } },
        keys: [
          { key: secret(1), id: "k1", scope: "org-main", models: { "gpt-4o-mini": { rpm: 5, rpd: 100 } } },
          { key: secret(2), id: "k2", rpm: 60 },
          { key: secret(3), id: "k3", rpm: 60 },
        ],
      },
    }),
    {},
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.config;
}

/** Leases `keyId` for gpt-4o and reports a success with the rate-limit headers an OpenAI answer carries. */
async function answerWith(client: TestClient, keyId: string, headers: Record<string, string>): Promise<void> {
  const lease = await leaseOf(client, "openai", keyId, "gpt-4o");
  await client.report({
    leaseId: lease.leaseId,
    outcome: Outcome.OUTCOME_SUCCESS,
    httpStatus: 200,
    promptTokens: 300,
    completionTokens: 40,
    latency: durationFromMs(180),
    responseHeaders: headers,
  });
}

const openaiHeaders = (limitRequests: number, remainingRequests: number, limitTokens: number, remainingTokens: number) => ({
  "x-ratelimit-limit-requests": String(limitRequests),
  "x-ratelimit-remaining-requests": String(remainingRequests),
  "x-ratelimit-reset-requests": "10s",
  "x-ratelimit-limit-tokens": String(limitTokens),
  "x-ratelimit-remaining-tokens": String(remainingTokens),
  "x-ratelimit-reset-tokens": "2s",
});

/** The text of a key's limit lines of one kind, in page order. */
const lines = (page: Awaited<ReturnType<typeof openPage>>["page"], keyId: string, kind: string) =>
  row(page, "openai", keyId).locator(`.key-limits[data-kind="${kind}"]`).allInnerTexts();

describe.skipIf(skipBrowser)("a key's limits on the dashboard in Chromium", () => {
  it("shows the scope, the per-model limits and the learned limits with what is left, live, and fits a phone", async () => {
    const { server, base } = await start(config(), { tokensFile: tokensFile(ADMIN, CALLER, WATCHER) });
    const client = new TestClient(server.grpcAddress, CALLER);
    onTestFinished(() => client.close());
    // k1 shares the organization's quota: what OpenAI says is the scope's. k2 is its own scope.
    await answerWith(client, "k1", openaiHeaders(5_000, 4_990, 800_000, 799_000));
    await answerWith(client, "k2", openaiHeaders(60, 12, 150_000, 149_500));
    const { page, errors } = await openPage(base);
    await logIn(page, WATCHER);
    await page.waitForSelector('body[data-admin="false"]', { timeout: 5_000 });
    await page.waitForSelector('section[data-provider="openai"] tr[data-key-id="k1"] .key-limits[data-kind="learned"]', { timeout: 5_000 });

    expect(await lines(page, "k1", "model")).toEqual(["gpt-4o-mini 5 rpm · 100 rpd"]);
    expect(await lines(page, "k1", "scope")).toEqual(["scope org-main 500 rpm · 200k tpm; gpt-4o 100 rpm"]);
    expect(await lines(page, "k1", "learned")).toEqual(["learned gpt-4o 5k rpm (4.9k left, scope) · 800k tpm (799k left, scope)"]);
    expect(await lines(page, "k1", "configured")).toEqual([]);
    expect(await lines(page, "k2", "configured")).toEqual(["limits 60 rpm"]);
    expect(await lines(page, "k2", "learned")).toEqual(["learned gpt-4o 60 rpm (12 left) · 150k tpm (149k left)"]);
    expect(await lines(page, "k2", "scope")).toEqual([]);
    // Without limits of its own, k1 is still bounded: by its scope, a model's and the learned limits.
    expect(await row(page, "openai", "k1").locator(".c-util").innerText()).toBe("none of its own");
    // A key that has heard nothing from the provider shows its configured limits alone.
    expect(await row(page, "openai", "k3").locator(".key-limits").allInnerTexts()).toEqual(["limits 60 rpm"]);
    expect(await row(page, "openai", "k1").locator('.key-limits[data-kind="learned"]').getAttribute("title")).toContain(
      "requests per minute for gpt-4o, learned for the scope org-main from openai-headers: limit 5000, 4990 left when last answered",
    );
    // The stamp above the table moves with every snapshot; the lines follow the next answer without a reload.
    await answerWith(client, "k2", openaiHeaders(60, 7, 150_000, 140_000));
    await expect.poll(() => lines(page, "k2", "learned"), { timeout: 5_000 }).toEqual(["learned gpt-4o 60 rpm (7 left) · 150k tpm (140k left)"]);
    await saveScreenshot(page, "dashboard-limits.png");
    // On a desktop the table holds its nine columns without scrolling sideways, the key's lines wrapping between limits.
    expect(await page.locator("table.keys").evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth)).toBe(true);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // With scope and learned lines, the key takes the card's whole width; with its own limits alone, a third of it.
    const width = (id: string) => row(page, "openai", id).locator("td.c-key").evaluate((td) => td.getBoundingClientRect().width);
    const card = await row(page, "openai", "k1").evaluate((tr) => tr.getBoundingClientRect().width);
    expect(await width("k1")).toBeGreaterThan(card * 0.8);
    expect(await width("k3")).toBeLessThan(card * 0.5);
    for (const id of ["k1", "k2"]) {
      const overflow = await row(page, "openai", id)
        .locator(".key-limits")
        .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      expect(overflow, id).toEqual([]);
    }
    await saveScreenshot(page, "dashboard-limits-phone.png");

    const text = await page.evaluate(() => document.body.innerText);
    expect(text).not.toContain("sk-test-limits-secret");
    expect(await page.content()).not.toContain(WATCHER);
    expect(errors).toEqual([]);
  });
});
