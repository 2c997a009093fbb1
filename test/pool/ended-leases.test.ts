import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { EndedLeases, MAX_REMEMBERED, REPORTED_RETENTION_MS, expiredRetentionMs } from "../../src/pool/ended-leases.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

const origin = { provider: "openai", keyId: "k1", owner: "" };

describe("EndedLeases", () => {
  it("remembers a reported lease for two minutes, an expired one for its TTL again (at least two minutes)", () => {
    const ended = new EndedLeases();
    ended.add("r", { ...origin, how: "reported" }, 0, 600_000);
    ended.add("e", { ...origin, how: "expired" }, 0, 600_000);
    ended.add("short", { ...origin, how: "expired" }, 0, 5_000);
    expect(REPORTED_RETENTION_MS).toBe(120_000);
    expect(ended.get("r", 119_999)).toMatchObject({ how: "reported", keyId: "k1" });
    expect(ended.get("r", 120_000)).toBeUndefined();
    expect(ended.get("short", 119_999)).toMatchObject({ how: "expired" });
    expect(ended.get("short", 120_000)).toBeUndefined();
    expect(expiredRetentionMs(600_000)).toBe(600_000);
    expect(ended.get("e", 599_999)).toMatchObject({ how: "expired" });
    expect(ended.get("e", 600_000)).toBeUndefined();
    expect(ended.get("never", 0)).toBeUndefined();
  });

  it("holds a steady number of records under steady traffic: calls per second times the retention", () => {
    const ended = new EndedLeases();
    // 100 reports a second for 20 minutes, and one expiry (TTL 10 minutes) every 10 seconds.
    const sizes: number[] = [];
    for (let ms = 0; ms < 20 * 60_000; ms += 10) {
      ended.add(`r${ms}`, { ...origin, how: "reported" }, ms, 600_000);
      if (ms % 10_000 === 0) ended.add(`e${ms}`, { ...origin, how: "expired" }, ms, 600_000);
      if (ms % 60_000 === 0) sizes.push(ended.size);
    }
    // From the third minute on: 12,000 reported (2 min × 100/s) and at most 60 expired (10 min × 1/10 s) plus one.
    for (const size of sizes.slice(3)) expect(size).toBeLessThanOrEqual(12_000 + 61);
    expect(Math.min(...sizes.slice(3))).toBeGreaterThanOrEqual(12_000);
  });

  it("never holds more than the cap, forgetting first those due to be forgotten first", () => {
    const ended = new EndedLeases();
    ended.add("long", { ...origin, how: "expired" }, 0, 3_600_000);
    for (let i = 0; i < MAX_REMEMBERED + 10; i++) ended.add(`r${i}`, { ...origin, how: "reported" }, 1, 0);
    expect(ended.size).toBe(MAX_REMEMBERED);
    // The reported ones are due long before the expired one, so they went first.
    expect(ended.get("long", 2)).toBeDefined();
    expect(ended.get("r0", 2)).toBeUndefined();
    expect(ended.get(`r${MAX_REMEMBERED + 9}`, 2)).toBeDefined();
  });
});

describe("MemoryLeasePool: reports of ended leases", () => {
  it("answers a repeated report already_reported for two minutes, then NOT_FOUND", async () => {
    const clock = new ManualClock();
    const pool = new MemoryLeasePool({ clock });
    pool.applyConfig(poolConfig({ openai: fakeKeys(1) }));
    const lease = await pool.acquire({ provider: "openai" });
    await pool.report(lease.leaseId, { outcome: "success" });
    clock.advance(119_999);
    expect((await pool.report(lease.leaseId, { outcome: "success" })).alreadyReported).toBe(true);
    clock.advance(1);
    await expect(pool.report(lease.leaseId, { outcome: "success" })).rejects.toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    pool.close();
  });

  it("answers a late report of an expired lease already_reported for as long again as its TTL, changing nothing", async () => {
    const clock = new ManualClock();
    const pool = new MemoryLeasePool({ clock });
    pool.applyConfig(poolConfig({ openai: fakeKeys(1) }, { leaseTtlMs: 300_000 }));
    const lease = await pool.acquire({ provider: "openai" });
    clock.advance(300_000);
    expect(pool.openLeaseCount()).toBe(0);
    clock.advance(299_999);
    const res = await pool.report(lease.leaseId, { outcome: "unauthorized" });
    expect(res).toMatchObject({ alreadyReported: true, keyState: "active" });
    clock.advance(1);
    await expect(pool.report(lease.leaseId, { outcome: "success" })).rejects.toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    pool.close();
  });
});
