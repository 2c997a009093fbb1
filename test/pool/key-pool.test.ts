import { describe, expect, it } from "vitest";
import { KeypoolError } from "../../src/protocol/keypool-error.js";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { healthReason } from "../../src/pool/key-health.js";

function setup(keys = fakeKeys(5), settings = {}) {
  const clock = new ManualClock();
  const events: PoolEvent[] = [];
  const pool = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
  pool.applyConfig(poolConfig({ openai: keys }, settings));
  return { clock, pool, events };
}

async function refusal(p: Promise<unknown>): Promise<KeypoolError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KeypoolError);
    return err as KeypoolError;
  }
  throw new Error("expected a refusal");
}

function state(pool: MemoryLeasePool, keyId: string) {
  for (const k of pool.keys()) if (k.key.id === keyId) return k.state;
  return undefined;
}

describe("MemoryLeasePool choice", () => {
  it("ten sequential acquisitions over five fresh keys give two each", async () => {
    const { pool } = setup();
    const counts = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const lease = await pool.acquire({ provider: "openai" });
      counts.set(lease.keyId, (counts.get(lease.keyId) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ k1: 2, k2: 2, k3: 2, k4: 2, k5: 2 });
  });

  it("goes to the least used per unit of weight, then least recently used, then smallest id", async () => {
    const { pool } = setup([
      { id: "a", secret: "sk-test-a000", weight: 2 },
      { id: "b", secret: "sk-test-b000" },
    ]);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await pool.acquire({ provider: "openai" })).keyId);
    // After the tie at one request per unit of weight, b is the less recently used; a ends with twice b's share.
    expect(order).toEqual(["a", "b", "a", "b", "a", "a"]);
  });

  it("only leases keys that serve the requested model", async () => {
    const { pool } = setup([
      { id: "a", secret: "sk-test-a000", models: ["gpt-4o"] },
      { id: "b", secret: "sk-test-b000", models: ["gpt-4o-mini"] },
    ]);
    for (let i = 0; i < 3; i++) expect((await pool.acquire({ provider: "openai", model: "gpt-4o-mini" })).keyId).toBe("b");
    const err = await refusal(pool.acquire({ provider: "openai", model: "o3" }));
    expect(err.code).toBe("FAILED_PRECONDITION");
  });
});

describe("MemoryLeasePool limits", () => {
  it("refuses the eleventh request over five keys at rpm 2, with the delay until the first leaves the window", async () => {
    const { pool, clock } = setup(fakeKeys(5, { rpm: 2 }));
    for (let i = 0; i < 10; i++) {
      await pool.acquire({ provider: "openai" });
      clock.advance(1_000);
    }
    const err = await refusal(pool.acquire({ provider: "openai" }));
    expect(err.code).toBe("RESOURCE_EXHAUSTED");
    // The first request was at t=0 and stays counted for 60 s plus the 1 s margin; now is t=10 s.
    expect(err.retryAfterMs).toBe(51_000);
    clock.advance(50_999);
    expect((await refusal(pool.acquire({ provider: "openai" }))).retryAfterMs).toBe(1);
    clock.advance(1);
    expect((await pool.acquire({ provider: "openai" })).keyId).toBe("k1");
  });

  it("a waiting acquisition gets the first key that frees up", async () => {
    const { pool, clock } = setup(fakeKeys(5, { rpm: 2 }), { maxWaitMs: 120_000 });
    for (let i = 0; i < 10; i++) await pool.acquire({ provider: "openai" });
    let got: string | undefined;
    const waiting = pool.acquire({ provider: "openai", maxWaitMs: 62_000 }).then((l) => (got = l.keyId));
    clock.advance(60_999);
    await Promise.resolve();
    expect(got).toBeUndefined();
    clock.advance(1);
    await waiting;
    expect(got).toBe("k1");
  });

  it("waiters are served in arrival order and a wait that runs out is refused with a retry delay", async () => {
    const { pool, clock } = setup(fakeKeys(1, { maxConcurrent: 1 }));
    const first = await pool.acquire({ provider: "openai" });
    const order: string[] = [];
    const a = pool.acquire({ provider: "openai", maxWaitMs: 5_000, clientId: "a" }).then((l) => {
      order.push("a");
      return l;
    });
    const b = pool.acquire({ provider: "openai", maxWaitMs: 5_000, clientId: "b" }).then((l) => {
      order.push("b");
      return l;
    });
    await pool.report(first.leaseId, { outcome: "success" });
    const la = await a;
    expect(order).toEqual(["a"]);
    clock.advance(5_000);
    const err = await refusal(b);
    expect(err.code).toBe("RESOURCE_EXHAUSTED");
    expect(err.retryAfterMs).toBeGreaterThan(0);
    await pool.report(la.leaseId, { outcome: "success" });
    expect(pool.waitingCount("openai")).toBe(0);
  });

  it("an aborted wait leaves the queue and consumes nothing", async () => {
    const { pool, clock } = setup(fakeKeys(1, { maxConcurrent: 1 }));
    const held = await pool.acquire({ provider: "openai" });
    const ac = new AbortController();
    const waiting = pool.acquire({ provider: "openai", maxWaitMs: 10_000, signal: ac.signal });
    ac.abort();
    expect((await refusal(waiting)).code).toBe("CANCELLED");
    expect(pool.waitingCount("openai")).toBe(0);
    await pool.report(held.leaseId, { outcome: "success" });
    expect(pool.openLeaseCount()).toBe(0);
    // The wait's timer is gone at once; the held lease's deadline timer fires into nothing at its TTL.
    clock.advance(20_000);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(pool.settings.leaseTtlMs);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("reserves estimated tokens and settles the reported count", async () => {
    const { pool } = setup(fakeKeys(1, { tpm: 1_000 }));
    const a = await pool.acquire({ provider: "openai", estimatedTokens: 600 });
    expect((await refusal(pool.acquire({ provider: "openai", estimatedTokens: 600 }))).code).toBe("RESOURCE_EXHAUSTED");
    await pool.report(a.leaseId, { outcome: "success", promptTokens: 100, completionTokens: 100 });
    await pool.acquire({ provider: "openai", estimatedTokens: 800 });
    const err = await refusal(pool.acquire({ provider: "openai", estimatedTokens: 5_000 }));
    expect(err.code).toBe("FAILED_PRECONDITION");
  });

  it("respects max_concurrent and generic windows", async () => {
    const { pool, clock } = setup([
      { id: "a", secret: "sk-test-a000", maxConcurrent: 2, windows: [{ kind: "requests", limit: 3, perMs: 10_000 }] },
    ]);
    const l1 = await pool.acquire({ provider: "openai" });
    await pool.acquire({ provider: "openai" });
    expect((await refusal(pool.acquire({ provider: "openai" }))).code).toBe("RESOURCE_EXHAUSTED");
    await pool.report(l1.leaseId, { outcome: "success" });
    await pool.acquire({ provider: "openai" });
    await pool.report((await refusal(pool.acquire({ provider: "openai" })).then(() => l1)).leaseId, { outcome: "success" });
    clock.advance(10_500);
    // The 10 s window (plus its 0.5 s margin) has slid, but two leases are still open.
    expect((await refusal(pool.acquire({ provider: "openai" }))).code).toBe("RESOURCE_EXHAUSTED");
  });
});

describe("MemoryLeasePool outcomes", () => {
  it("cools a key down for retry_after on 429 while the others carry the load", async () => {
    const { pool, clock, events } = setup();
    const lease = await pool.acquire({ provider: "openai" });
    const res = await pool.report(lease.leaseId, { httpStatus: 429, retryAfterMs: 30_000 });
    expect(res).toMatchObject({ keyId: "k1", keyState: "cooling_down", outcome: "rate_limited" });
    expect(events).toContainEqual(expect.objectContaining({ type: "key_state", keyId: "k1", to: "cooling_down" }));
    for (let i = 0; i < 20; i++) {
      const l = await pool.acquire({ provider: "openai" });
      expect(l.keyId).not.toBe("k1");
      await pool.report(l.leaseId, { outcome: "success" });
      clock.advance(1_000);
    }
    clock.advance(10_000);
    expect(state(pool, "k1")).toBe("active");
  });

  it("backs off 1 s, 2 s, 4 s ... up to 60 s on 429s without retry_after, and resets on success", async () => {
    const { pool, clock } = setup(fakeKeys(1));
    const cooldowns: number[] = [];
    for (let i = 0; i < 8; i++) {
      const l = await pool.acquire({ provider: "openai" });
      await pool.report(l.leaseId, { outcome: "rate_limited" });
      const err = await refusal(pool.acquire({ provider: "openai" }));
      cooldowns.push(err.retryAfterMs ?? -1);
      clock.advance(err.retryAfterMs ?? 0);
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    const ok = await pool.acquire({ provider: "openai" });
    await pool.report(ok.leaseId, { outcome: "success" });
    const l = await pool.acquire({ provider: "openai" });
    await pool.report(l.leaseId, { outcome: "rate_limited" });
    expect((await refusal(pool.acquire({ provider: "openai" }))).retryAfterMs).toBe(1_000);
  });

  it("disables on 401 with the reason, allows one probe after the recheck interval, and re-enables on success", async () => {
    const { pool, clock } = setup(fakeKeys(2));
    const l = await pool.acquire({ provider: "openai" });
    await pool.report(l.leaseId, { httpStatus: 401, errorMessage: "Incorrect API key provided: sk-test-0001" });
    const k1 = [...pool.keys()].find((k) => k.key.id === "k1");
    expect(k1?.state).toBe("disabled");
    expect(healthReason(k1?.key.health, clock.now())).toBe("unauthorized (401/403): Incorrect API key provided: [redacted]");
    for (let i = 0; i < 4; i++) expect((await pool.acquire({ provider: "openai" })).keyId).toBe("k2");
    clock.advance(60_000);
    const l2 = await pool.acquire({ provider: "openai" });
    await pool.report(l2.leaseId, { outcome: "unauthorized" });
    const err = await refusal(pool.acquire({ provider: "openai" }));
    expect(err.code).toBe("FAILED_PRECONDITION");
    expect(err.message).toContain("disabled");
    clock.advance(29 * 60_000);
    const probe = await pool.acquire({ provider: "openai" });
    // Only one probe at a time.
    expect((await refusal(pool.acquire({ provider: "openai" }))).code).toBe("FAILED_PRECONDITION");
    expect((await pool.report(probe.leaseId, { outcome: "success" })).keyState).toBe("active");
  });

  it("marks a key exhausted for a long time on quota exhaustion", async () => {
    const { pool, clock } = setup(fakeKeys(1));
    const l = await pool.acquire({ provider: "openai" });
    expect((await pool.report(l.leaseId, { outcome: "quota_exhausted" })).keyState).toBe("exhausted");
    expect((await refusal(pool.acquire({ provider: "openai" }))).retryAfterMs).toBe(3_600_000);
    clock.advance(3_600_000);
    await pool.acquire({ provider: "openai" });
  });

  it("server errors cost nothing until five in a row, then a 30 s cooldown", async () => {
    const { pool } = setup(fakeKeys(1));
    for (let i = 0; i < 4; i++) {
      const l = await pool.acquire({ provider: "openai" });
      expect((await pool.report(l.leaseId, { httpStatus: 503 })).keyState).toBe("active");
    }
    const l = await pool.acquire({ provider: "openai" });
    expect((await pool.report(l.leaseId, { outcome: "timeout" })).keyState).toBe("cooling_down");
    expect((await refusal(pool.acquire({ provider: "openai" }))).retryAfterMs).toBe(30_000);
  });

  it("client errors and cancellations cost nothing", async () => {
    const { pool } = setup(fakeKeys(1));
    for (let i = 0; i < 10; i++) {
      const l = await pool.acquire({ provider: "openai" });
      expect((await pool.report(l.leaseId, { httpStatus: i % 2 ? 400 : 499 })).keyState).toBe("active");
    }
  });
});

describe("MemoryLeasePool leases", () => {
  it("a second report answers already_reported and changes nothing; an unknown lease is NOT_FOUND", async () => {
    const { pool } = setup(fakeKeys(1, { maxConcurrent: 1 }));
    const l = await pool.acquire({ provider: "openai" });
    expect((await pool.report(l.leaseId, { outcome: "success" })).alreadyReported).toBe(false);
    const second = await pool.report(l.leaseId, { outcome: "unauthorized" });
    expect(second).toMatchObject({ alreadyReported: true, keyState: "active" });
    await expect(pool.report("ls_nope", { outcome: "success" })).rejects.toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
  });

  it("an expired lease frees its slot, keeps its estimate and is counted", async () => {
    const { pool, clock } = setup(fakeKeys(1, { maxConcurrent: 1, tpm: 1_000 }));
    const l = await pool.acquire({ provider: "openai", estimatedTokens: 700, leaseTtlMs: 5_000 });
    clock.advance(5_000);
    expect(pool.openLeaseCount()).toBe(0);
    const k = [...pool.keys()][0]?.key;
    expect(k?.counters.expired).toBe(1);
    expect(k?.tokensThisMinute(clock.now())).toBe(700);
    expect((await pool.report(l.leaseId, { outcome: "success" })).alreadyReported).toBe(true);
  });

  it("rejects bad arguments with the field named", async () => {
    const { pool } = setup();
    await expect(pool.acquire({ provider: "" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: "provider: required" });
    await expect(pool.acquire({ provider: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(pool.acquire({ provider: "openai", estimatedTokens: -1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("estimated_tokens"),
    });
    await expect(pool.acquire({ provider: "openai", leaseTtlMs: 10 * 3_600_000 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const l = await pool.acquire({ provider: "openai" });
    await expect(pool.report(l.leaseId, { outcome: "success", promptTokens: -5 })).rejects.toThrow(/prompt_tokens/);
    await expect(pool.report(l.leaseId, {})).rejects.toThrow(/outcome/);
    await expect(pool.report(l.leaseId, { httpStatus: 1234 })).rejects.toThrow(/http_status/);
    // None of the refusals ended the lease.
    expect((await pool.report(l.leaseId, { outcome: "success" })).alreadyReported).toBe(false);
  });
});

describe("MemoryLeasePool configuration swap", () => {
  it("keeps the state of keys that stay, drains removed keys and starts new ones empty", async () => {
    const { pool, clock } = setup(fakeKeys(3));
    const l1 = await pool.acquire({ provider: "openai" });
    const l2 = await pool.acquire({ provider: "openai" });
    await pool.report(l2.leaseId, { outcome: "rate_limited", retryAfterMs: 30_000 });
    const diff = pool.applyConfig(poolConfig({ openai: [...fakeKeys(2), { id: "k9", secret: "sk-test-0009" }] }));
    expect(diff).toMatchObject({ generation: 2, added: ["openai/k9"], removed: ["openai/k3"], unchanged: ["openai/k1", "openai/k2"] });
    expect(state(pool, "k2")).toBe("cooling_down");
    // k3 left the configuration with no lease open: gone at once.
    expect(state(pool, "k3")).toBeUndefined();
    const d2 = pool.applyConfig(poolConfig({ openai: [{ id: "k9", secret: "sk-test-0009", rpm: 5 }] }));
    expect(d2).toMatchObject({ removed: ["openai/k1", "openai/k2"], updated: ["openai/k9"] });
    expect(state(pool, "k1")).toBe("draining");
    for (let i = 0; i < 5; i++) expect((await pool.acquire({ provider: "openai" })).keyId).toBe("k9");
    expect((await pool.report(l1.leaseId, { outcome: "success" })).alreadyReported).toBe(false);
    expect(state(pool, "k1")).toBeUndefined();
    const same = pool.applyConfig(poolConfig({ openai: [{ id: "k9", secret: "sk-test-0009", rpm: 5 }] }));
    expect(same.generation).toBe(d2.generation);
    clock.advance(1);
  });
});
