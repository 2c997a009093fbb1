import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { snapshotToJson } from "../../src/pool/stats-json.js";
import type { KeySnapshot } from "../../src/pool/stats-types.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { fakeKeys, poolConfig, type TestKey } from "../support/pool-config.js";

function setup(keys: TestKey[] = fakeKeys(5), more: Record<string, TestKey[]> = {}) {
  const clock = new ManualClock();
  const events: PoolEvent[] = [];
  const pool = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
  pool.applyConfig(poolConfig({ openai: keys, ...more }));
  return { clock, pool, events };
}

function key(pool: MemoryLeasePool, id: string, provider = "openai"): KeySnapshot {
  const k = pool.snapshot().providers.find((p) => p.provider === provider)?.keys.find((x) => x.keyId === id);
  if (k === undefined) throw new Error(`no key ${id}`);
  return k;
}

describe("pool snapshot", () => {
  it("ten acquisitions over five keys give balance 1.0; counters, tokens and windows add up", async () => {
    const { pool, clock } = setup();
    for (let i = 0; i < 10; i++) {
      const l = await pool.acquire({ provider: "openai", estimatedTokens: 50 });
      await pool.report(l.leaseId, { outcome: "success", promptTokens: 30, completionTokens: 10, latencyMs: 100 + i });
      clock.advance(10);
    }
    const s = pool.snapshot();
    expect(s.configGeneration).toBe(1);
    expect(s.generatedAt).toBe(clock.now());
    const p = s.providers[0]!;
    expect(p).toMatchObject({
      provider: "openai",
      balanceRatio: 1,
      balanceRatioTotal: 1,
      requestsTotal: 10,
      successesTotal: 10,
      promptTokensTotal: 300,
      completionTokensTotal: 100,
      inFlight: 0,
      waiting: 0,
    });
    expect(p.keys.map((k) => k.keyId)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect(p.keys[0]).toMatchObject({ requestsInWindow: 2, tokensInWindow: 80, requestsTotal: 2, lastUsedAt: clock.now() - 50 });
    expect(p.keys[0]?.latency).toMatchObject({ p50Ms: 100, p99Ms: 105, samples: 2 });
  });

  it("balance falls when one key carries more, and ignores keys that cannot be leased", async () => {
    const { pool } = setup(fakeKeys(2));
    const held = await pool.acquire({ provider: "openai" }); // k1
    await pool.acquire({ provider: "openai" }); // k2
    await pool.acquire({ provider: "openai" }); // k1 again (least recently used)
    expect(pool.snapshot().providers[0]?.balanceRatio).toBe(0.5);
    await pool.report(held.leaseId, { outcome: "unauthorized" });
    // k1 is disabled: only k2 is leasable, and one key is balanced with itself.
    expect(pool.snapshot().providers[0]?.balanceRatio).toBe(1);
    expect(pool.snapshot().providers[0]?.balanceRatioTotal).toBe(0.5);
  });

  it("a 429 shows COOLING_DOWN with its reason and cooldown end; when it ends the key is active again and an event says so", async () => {
    const { pool, clock, events } = setup(fakeKeys(2));
    const l = await pool.acquire({ provider: "openai" });
    const t0 = clock.now();
    await pool.report(l.leaseId, { httpStatus: 429, retryAfterMs: 30_000, errorMessage: "Rate limit reached for sk-test-0001" });
    expect(key(pool, "k1")).toMatchObject({
      state: "cooling_down",
      stateReason: "rate limited (429): Rate limit reached for [redacted]",
      cooldownUntil: t0 + 30_000,
      rateLimitedTotal: 1,
    });
    clock.advance(30_000);
    expect(key(pool, "k1")).toMatchObject({ state: "active", stateReason: "", cooldownUntil: undefined });
    expect(events.filter((e) => e.type === "key_state")).toEqual([
      expect.objectContaining({ keyId: "k1", from: "active", to: "cooling_down" }),
      expect.objectContaining({ keyId: "k1", from: "cooling_down", to: "active", reason: "cooldown over" }),
    ]);
    // The recovery timer has fired and the lease is reported: nothing is left pending.
    expect(clock.pendingTimers()).toBe(0);
  });

  it("utilization is the highest fraction of any limit; errors are split by outcome", async () => {
    const { pool } = setup([{ id: "a", secret: "sk-test-aaaa-0001", rpm: 10, tpm: 1_000, maxConcurrent: 4 }]);
    const open = await pool.acquire({ provider: "openai", estimatedTokens: 500 });
    expect(key(pool, "a").utilization).toBe(0.5); // 500 of 1000 tokens beats 1 of 10 requests and 1 of 4 leases
    await pool.report(open.leaseId, { outcome: "server_error", promptTokens: 100 });
    for (const outcome of ["timeout", "server_error", "client_error"] as const) {
      const l = await pool.acquire({ provider: "openai" });
      await pool.report(l.leaseId, { outcome });
    }
    const k = key(pool, "a");
    expect(k.utilization).toBe(0.4); // 4 of 10 requests
    expect(k.errorsTotal).toBe(4);
    expect(k.errorsByOutcome).toEqual({ server_error: 2, timeout: 1, client_error: 1 });
    expect(k.limits).toEqual({ rpm: 10, tpm: 1_000, rpd: undefined, maxConcurrent: 4, windows: [] });
  });

  it("counts expired leases; a removed key drains with a reason; lifetime balance compares only keys present since the start", async () => {
    const { pool, clock } = setup(fakeKeys(2));
    const l = await pool.acquire({ provider: "openai", leaseTtlMs: 1_000 });
    expect(l.keyId).toBe("k1");
    await pool.acquire({ provider: "openai" });
    clock.advance(1_000);
    expect(key(pool, "k1").expiredLeasesTotal).toBe(1);
    // An open lease keeps k1 draining after its removal.
    const open = await pool.acquire({ provider: "openai" });
    expect(open.keyId).toBe("k1");
    const k2 = await pool.acquire({ provider: "openai" });
    await pool.report(k2.leaseId, { outcome: "success" });
    // k3 joins later with no lifetime requests: it must not drag the lifetime ratio to 0.
    pool.applyConfig(poolConfig({ openai: [...fakeKeys(3)].slice(1) }));
    const p = pool.snapshot().providers[0]!;
    expect(p.keys.map((k) => [k.keyId, k.state])).toEqual([
      ["k1", "draining"],
      ["k2", "active"],
      ["k3", "active"],
    ]);
    expect(p.keys[0]?.stateReason).toMatch(/removed from the configuration/);
    expect(p.balanceRatioTotal).toBe(1);
    expect(p.balanceRatio).toBe(0); // k2 has requests in the window, k3 none yet
    await pool.report(open.leaseId, { outcome: "success" });
    expect(pool.snapshot().providers[0]?.keys.map((k) => k.keyId)).toEqual(["k2", "k3"]);
  });

  it("filters providers, and its JSON form carries no secret", async () => {
    const { pool } = setup(fakeKeys(2), { google: [{ id: "g1", secret: "AIzaSyTest-0000000000000000000001" }] });
    await pool.acquire({ provider: "google" });
    expect(pool.snapshot(["google"]).providers.map((p) => p.provider)).toEqual(["google"]);
    expect(pool.snapshot([]).providers.map((p) => p.provider)).toEqual(["openai", "google"]);
    const text = JSON.stringify(snapshotToJson(pool.snapshot()));
    for (const secret of ["sk-test-0001", "sk-test-0002", "AIzaSyTest-0000000000000000000001"]) expect(text).not.toContain(secret);
    expect(text).toContain('"masked_key":"…0001"');
  });
});
