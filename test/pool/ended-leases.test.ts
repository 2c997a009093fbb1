import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { MAX_REMEMBERED, REPORTED_RETENTION_MS, expiredRetentionMs } from "../../src/pool/ended-leases.js";
import { LeaseRecords } from "../../src/pool/lease-records.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

const origin = { provider: "openai", keyId: "k1", owner: "" };

/** Opens a lease and ends it at once: its id. */
function ended(records: LeaseRecords<object>, how: "reported" | "expired", now: number, ttlMs: number): string {
  const id = records.open({});
  records.end(id, { ...origin, how }, now, ttlMs);
  return id;
}

describe("LeaseRecords", () => {
  it("remembers a reported lease for two minutes, an expired one for its TTL again (at least two minutes)", () => {
    const records = new LeaseRecords<object>();
    const r = ended(records, "reported", 0, 600_000);
    const e = ended(records, "expired", 0, 600_000);
    const short = ended(records, "expired", 0, 5_000);
    expect(REPORTED_RETENTION_MS).toBe(120_000);
    expect(records.ended(r, 119_999)).toMatchObject({ how: "reported", keyId: "k1" });
    expect(records.ended(r, 120_000)).toBeUndefined();
    expect(records.ended(short, 119_999)).toMatchObject({ how: "expired" });
    expect(records.ended(short, 120_000)).toBeUndefined();
    expect(expiredRetentionMs(600_000)).toBe(600_000);
    expect(records.ended(e, 599_999)).toMatchObject({ how: "expired" });
    expect(records.ended(e, 600_000)).toBeUndefined();
    expect(records.ended("never", 0)).toBeUndefined();
  });

  it("lists exactly the open leases, through growth, reused slots and ends in any order", () => {
    const records = new LeaseRecords<{ n: number }>();
    const open = new Map<string, number>();
    // A fixed sequence that opens more than the tables' first size and ends leases out of order.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let n = 0; n < 5_000; n++) {
      if (open.size > 0 && next() % 3 === 0) {
        const ids = [...open.keys()];
        const id = ids[next() % ids.length] as string;
        records.end(id, { ...origin, how: "reported" }, n, 600_000);
        open.delete(id);
      } else {
        open.set(records.open({ n }), n);
      }
      if (n % 997 === 0 || n === 4_999) {
        expect(records.openSize).toBe(open.size);
        expect([...records.openRecords()].map((r) => r.n).sort((a, b) => a - b)).toEqual([...open.values()].sort((a, b) => a - b));
      }
    }
    expect(open.size).toBeGreaterThan(1_024);
  });

  it("finds an open lease by its id, and neither an ended one nor a forged id that names its slot", () => {
    const records = new LeaseRecords<{ n: number }>();
    const a = records.open({ n: 1 });
    expect(records.openLease(a)).toEqual({ n: 1 });
    expect(records.ended(a, 0)).toBeUndefined();
    // Same slot, other random part.
    const forged = `ls_${"A".repeat(20)}${a.slice(-5)}`;
    expect(records.openLease(forged)).toBeUndefined();
    records.end(a, { ...origin, how: "reported" }, 0, 1_000);
    expect(records.openLease(a)).toBeUndefined();
    expect(records.openSize).toBe(0);
    // Ending twice changes nothing.
    records.end(a, { ...origin, how: "expired" }, 0, 1_000);
    expect(records.ended(a, 1)).toMatchObject({ how: "reported" });
    expect(records.endedSize).toBe(1);
  });

  it("gives a forgotten lease's slot to a new lease, and the old id then finds nothing", () => {
    const records = new LeaseRecords<object>();
    const old = ended(records, "reported", 0, 1_000);
    // The next end after the retention forgets it; the lease after that reuses its slot.
    ended(records, "reported", REPORTED_RETENTION_MS, 1_000);
    const next = records.open({});
    expect(next.slice(-5)).toBe(old.slice(-5));
    expect(records.ended(old, REPORTED_RETENTION_MS)).toBeUndefined();
    expect(records.openLease(old)).toBeUndefined();
    expect(records.openLease(next)).toBeDefined();
  });

  it("holds a steady number of records under steady traffic: calls per second times the retention", () => {
    const records = new LeaseRecords<object>();
    // 100 reports a second for 20 minutes, and one expiry (TTL 10 minutes) every 10 seconds.
    const sizes: number[] = [];
    for (let ms = 0; ms < 20 * 60_000; ms += 10) {
      ended(records, "reported", ms, 600_000);
      if (ms % 10_000 === 0) ended(records, "expired", ms, 600_000);
      if (ms % 60_000 === 0) sizes.push(records.endedSize);
    }
    // From the third minute on: 12,000 reported (2 min × 100/s) and at most 60 expired (10 min × 1/10 s) plus one.
    for (const size of sizes.slice(3)) expect(size).toBeLessThanOrEqual(12_000 + 61);
    expect(Math.min(...sizes.slice(3))).toBeGreaterThanOrEqual(12_000);
  });

  it("never holds more than the cap, forgetting first those due to be forgotten first", () => {
    const records = new LeaseRecords<object>();
    const long = ended(records, "expired", 0, 3_600_000);
    const ids: string[] = [];
    for (let i = 0; i < MAX_REMEMBERED + 10; i++) ids.push(ended(records, "reported", 1, 0));
    expect(records.endedSize).toBe(MAX_REMEMBERED);
    // The reported ones are due long before the expired one, so they went first.
    expect(records.ended(long, 2)).toBeDefined();
    expect(records.ended(ids[0] as string, 2)).toBeUndefined();
    expect(records.ended(ids[MAX_REMEMBERED + 9] as string, 2)).toBeDefined();
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
