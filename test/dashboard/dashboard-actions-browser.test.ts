import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { KeyAction, type SetKeyStateRequest } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { saveScreenshot } from "../support/browser.js";
import { TestClient } from "../support/grpc-client.js";
import { leasedKeyIds } from "../support/leased-keys.js";
import { poolConfig } from "../support/pool-config.js";
import { logIn, openPage, row, skipBrowser, start, tokensFile, useDashboardHarness, waitForState } from "./dashboard-harness.js";

/*
 * Actions on keys from the page, end to end: the real sidecar, the real page
 * in Chromium, and the generated gRPC client to see what the pool does next.
 */

const ADMIN = "kp-test-dashboard-admin-0002";
const CALLER = "kp-test-dashboard-caller-0002";
const WATCHER = "kp-test-dashboard-watcher-02";

const config = () =>
  poolConfig({
    openai: [
      { id: "k1", secret: "sk-test-dashboard-actions-0001" },
      { id: "k2", secret: "sk-test-dashboard-actions-0002" },
    ],
  });

useDashboardHarness();

const button = (page: Page, keyId: string, action: string) => row(page, "openai", keyId).locator(`.action-button[data-action="${action}"]`);

/** Clicks an action that asks for a reason, gives `reason`, confirms, and returns the answer the page shows. */
async function actWithReason(page: Page, keyId: string, action: string, reason: string): Promise<string> {
  const r = row(page, "openai", keyId);
  await button(page, keyId, action).click();
  await r.locator(".action-form").waitFor({ state: "visible", timeout: 2_000 });
  await r.locator(".action-reason").fill(reason);
  await r.locator(".action-confirm").click();
  await r.locator(".action-result").waitFor({ state: "visible", timeout: 5_000 });
  return r.locator(".action-result").innerText();
}

/** The action buttons a person can see on the page. */
const visibleButtons = (page: Page) => page.locator(".action-button").evaluateAll((buttons) => buttons.filter((b) => (b as HTMLElement).offsetParent !== null).length);

describe.skipIf(skipBrowser)("actions on keys from the dashboard", () => {
  it("without tokens, the local operator disables a key with a reason (same-origin, CSRF token): AcquireKey no longer gets it; enable brings it back", async () => {
    const { base, client } = await start(config());
    const { page, errors } = await openPage(base);
    await page.waitForSelector('body[data-admin="true"]', { timeout: 5_000 });
    await button(page, "k2", "disable").waitFor({ state: "visible", timeout: 5_000 });
    // An active key offers what changes it, nothing else.
    expect(await row(page, "openai", "k2").locator(".action-button:visible").evaluateAll((b) => b.map((e) => e.getAttribute("data-action")))).toEqual([
      "disable",
      "drain",
    ]);

    const answer = await actWithReason(page, "k2", "disable", "rotating");
    expect(answer).toBe("disable: active → disabled (disabled by operator anonymous: rotating)");
    await waitForState(page, "openai", "k2", "disabled", 3_000);
    expect(await row(page, "openai", "k2").locator(".reason").innerText()).toBe("disabled by operator anonymous: rotating");
    expect(await row(page, "openai", "k2").locator(".changed-by").innerText()).toBe("changed by anonymous");
    expect(await leasedKeyIds(client, "openai", 4)).toEqual(new Set(["k1"]));
    // Held by an operator: enable is all that is offered.
    await expect.poll(() => row(page, "openai", "k2").locator(".action-button:visible").count(), { timeout: 2_000 }).toBe(1);

    expect(await actWithReason(page, "k2", "enable", "rotated")).toBe("enable: disabled → active");
    await waitForState(page, "openai", "k2", "active", 3_000);
    // Back in the pool and the least used: the next lease is k2's.
    expect(await leasedKeyIds(client, "openai", 1)).toEqual(new Set(["k2"]));
    expect(errors).toEqual([]);
  });

  it("an admin signed in with a token disables a key: the reason and who did it show, and the next AcquireKey does not get it", async () => {
    const { server, base } = await start(config(), { tokensFile: tokensFile(ADMIN, CALLER) });
    const caller = new TestClient(server.grpcAddress, CALLER);
    try {
      const { page, errors } = await openPage(base);
      await logIn(page, ADMIN);
      await button(page, "k1", "disable").waitFor({ state: "visible", timeout: 5_000 });

      const answer = await actWithReason(page, "k1", "disable", "rotating");
      expect(answer).toBe("disable: active → disabled (disabled by operator ops: rotating)");
      const acquired = await caller.acquire({ provider: "openai" });
      expect(acquired.keyId).toBe("k2");
      await caller.report({ leaseId: acquired.leaseId, httpStatus: 200 });
      expect(await leasedKeyIds(caller, "openai", 3)).toEqual(new Set(["k2"]));
      await waitForState(page, "openai", "k1", "disabled", 3_000);
      expect(await row(page, "openai", "k1").locator(".reason").innerText()).toBe("disabled by operator ops: rotating");
      expect(await row(page, "openai", "k1").locator(".changed-by").innerText()).toBe("changed by ops");
      await saveScreenshot(page, "dashboard-actions.png");
      // Enabled elsewhere (a script with the admin token): the row follows, and the page's answer, now old, goes.
      const res = await fetch(`${base}/v1/keys/openai/k1/state`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ action: "enable", reason: "rotated" }),
      });
      expect(res.status).toBe(200);
      await waitForState(page, "openai", "k1", "active", 3_000);
      await expect.poll(() => row(page, "openai", "k1").locator(".action-result").isVisible(), { timeout: 3_000 }).toBe(false);
      expect(await row(page, "openai", "k1").locator(".changed-by").innerText()).toBe("changed by ops");
      // The admin token is never written into the page.
      expect(await page.content()).not.toContain(ADMIN);
      expect(errors).toEqual([]);
    } finally {
      caller.close();
    }
  });

  it("a client that may read the statistics but is no admin sees the keys and no action button, and SetKeyState refuses it", async () => {
    const { server, base } = await start(config(), { tokensFile: tokensFile(ADMIN, CALLER, WATCHER) });
    const { page, errors } = await openPage(base);
    await logIn(page, WATCHER);
    await waitForState(page, "openai", "k2", "active", 5_000);
    await page.waitForSelector('body[data-admin="false"]', { timeout: 5_000 });
    expect(await row(page, "openai", "k1").innerText()).toContain("k1");
    expect(await page.locator(".action-button").count()).toBeGreaterThan(0);
    expect(await visibleButtons(page)).toBe(0);
    expect(await page.locator(".key-actions").evaluateAll((slots) => slots.every((s) => (s as HTMLElement).hidden))).toBe(true);

    // Not only hidden: the server refuses the watcher's action, by gRPC and by HTTP.
    const watcher = new TestClient(server.grpcAddress, WATCHER);
    try {
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${WATCHER}`);
      const req: SetKeyStateRequest = { provider: "openai", keyId: "k1", action: KeyAction.KEY_ACTION_DISABLE, reason: "not mine to do" };
      const err = await new Promise<ServiceError | null>((resolve) =>
        watcher.raw.setKeyState(req, metadata, { deadline: Date.now() + 5_000 }, (e) => resolve(e)),
      );
      expect(err?.code).toBe(status.PERMISSION_DENIED);
    } finally {
      watcher.close();
    }
    const res = await fetch(`${base}/v1/keys/openai/k1/state`, {
      method: "POST",
      headers: { authorization: `Bearer ${WATCHER}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "disable" }),
    });
    expect(res.status).toBe(403);
    await waitForState(page, "openai", "k1", "active", 2_000);
    expect(errors).toEqual([]);
  });
});
