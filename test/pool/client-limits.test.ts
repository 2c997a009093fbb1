import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

function setup(settings = {}) {
  const clock = new ManualClock();
  const events: PoolEvent[] = [];
  const pool = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
  pool.applyConfig(poolConfig({ openai: fakeKeys(2, { maxConcurrent: 1 }) }, settings));
  return { clock, pool, events };
}

describe("abuse limits and lease ownership", () => {
  it("only the client that opened a lease may report it", async () => {
    const { pool } = setup();
    const lease = await pool.acquire({ provider: "openai", owner: "alice" });
    await expect(pool.report(lease.leaseId, { outcome: "success" }, "mallory")).rejects.toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
    expect((await pool.report(lease.leaseId, { outcome: "success" }, "alice")).alreadyReported).toBe(false);
    // Even a finished lease does not tell another client anything.
    await expect(pool.report(lease.leaseId, { outcome: "success" }, "mallory")).rejects.toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));
  });

  it("caps open leases per client without touching other clients", async () => {
    const { pool, events } = setup({ maxOpenLeasesPerClient: 1 });
    const a = await pool.acquire({ provider: "openai", owner: "alice" });
    await expect(pool.acquire({ provider: "openai", owner: "alice" })).rejects.toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message: expect.stringContaining("alice holds 1 open leases"),
    });
    expect(events).toContainEqual(expect.objectContaining({ type: "refused", limit: "client_open_leases" }));
    await pool.acquire({ provider: "openai", owner: "bob" });
    await pool.report(a.leaseId, { outcome: "success" }, "alice");
    // Back under her cap: the key she freed is hers again.
    expect((await pool.acquire({ provider: "openai", owner: "alice" })).keyId).toBe(a.keyId);
  });

  it("limits the acquisition rate per client and says when to retry", async () => {
    const { pool, clock } = setup({ acquireRatePerClient: 2 });
    pool.applyConfig(poolConfig({ openai: fakeKeys(5) }, { acquireRatePerClient: 2 }));
    await pool.acquire({ provider: "openai", owner: "alice" });
    await pool.acquire({ provider: "openai", owner: "alice" });
    const err = await pool.acquire({ provider: "openai", owner: "alice" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RESOURCE_EXHAUSTED", retryAfterMs: 500 });
    await pool.acquire({ provider: "openai", owner: "bob" });
    clock.advance(500);
    await pool.acquire({ provider: "openai", owner: "alice" });
  });

  it("bounds the waiting acquisitions per provider", async () => {
    const { pool, events } = setup({ maxWaitingPerProvider: 2 });
    await pool.acquire({ provider: "openai" });
    await pool.acquire({ provider: "openai" });
    const waiting = [pool.acquire({ provider: "openai", maxWaitMs: 1_000 }), pool.acquire({ provider: "openai", maxWaitMs: 1_000 })];
    await expect(pool.acquire({ provider: "openai", maxWaitMs: 1_000 })).rejects.toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message: expect.stringContaining("2 acquisitions are already waiting"),
    });
    expect(events).toContainEqual(expect.objectContaining({ type: "refused", limit: "waiting_queue" }));
    expect(pool.waitingCount("openai")).toBe(2);
    pool.close();
    await Promise.allSettled(waiting);
  });
});
