import type { PoolEvent } from "../../src/pool/types.js";
import { describe, expect, it } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import type { PoolConfig } from "../../src/config/types.js";
import type { KeypoolError } from "../../src/protocol/keypool-error.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

function setup(config: PoolConfig) {
  const clock = new ManualClock();
  const pool = new MemoryLeasePool({ clock });
  pool.applyConfig(config);
  return { clock, pool };
}

const openaiHeaders = (limit: number, remaining: number, reset: string) => ({
  "x-ratelimit-limit-requests": String(limit),
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": reset,
});

async function refused(p: Promise<unknown>): Promise<KeypoolError> {
  try {
    await p;
  } catch (err) {
    return err as KeypoolError;
  }
  throw new Error("expected a refusal");
}

describe("limits learned from answers, at the pool", () => {
  it("remaining 0 holds the key until the reset, whatever keypool itself counted", async () => {
    const { clock, pool } = setup(poolConfig({ openai: fakeKeys(1) }));
    const lease = await pool.acquire({ provider: "openai" });
    await pool.report(lease.leaseId, { httpStatus: 200, answer: { headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20s" } } });
    const err = await refused(pool.acquire({ provider: "openai" }));
    expect(err.code).toBe("RESOURCE_EXHAUSTED");
    expect(err.retryAfterMs).toBe(20_000);
    clock.advance(20_000);
    await pool.acquire({ provider: "openai" });
  });

  it("a learned limit is a window next to the configured ones; others' use counts against it; it expires when no longer sent", async () => {
    const { clock, pool } = setup(poolConfig({ openai: fakeKeys(1) }));
    const lease = await pool.acquire({ provider: "openai" });
    // Limit 4, 2 left after keypool's one request: someone else used one.
    await pool.report(lease.leaseId, { httpStatus: 200, answer: { headers: openaiHeaders(4, 2, "15s") } });
    await pool.acquire({ provider: "openai" });
    await pool.acquire({ provider: "openai" });
    const err = await refused(pool.acquire({ provider: "openai" }));
    // The window (3 for keypool, one of 4 being others') frees when keypool's first request leaves it: 60 s and the 1 s margin.
    expect(err.retryAfterMs).toBe(61_000);
    expect(pool.snapshot().providers[0]?.keys[0]?.learnedLimits).toEqual([
      expect.objectContaining({ holder: "key", dimension: "requests", windowMs: 60_000, limit: 4, remaining: 2, others: 1, source: "openai-headers" }),
    ]);
    // Two windows without a fresh answer: the provider stopped saying it, keypool stops holding to it.
    clock.advance(120_000);
    for (let i = 0; i < 6; i++) await pool.acquire({ provider: "openai" });
    expect(pool.snapshot().providers[0]?.keys[0]?.learnedLimits).toEqual([]);
  });

  it("the effective limit is the smaller of configured and learned", async () => {
    const { pool } = setup(poolConfig({ openai: fakeKeys(1, { rpm: 2 }) }));
    const lease = await pool.acquire({ provider: "openai" });
    await pool.report(lease.leaseId, { httpStatus: 200, answer: { headers: openaiHeaders(100, 99, "1s") } });
    await pool.acquire({ provider: "openai" });
    expect((await refused(pool.acquire({ provider: "openai" }))).code).toBe("RESOURCE_EXHAUSTED");
  });

  it("an Anthropic spend-limit 429 and an OpenRouter 402 exhaust the key until spend_recheck, whatever else they say", async () => {
    const { clock, pool } = setup(poolConfig({ anthropic: fakeKeys(1), openrouter: fakeKeys(1) }, { spendRecheckMs: 30 * 60_000 }));
    const a = await pool.acquire({ provider: "anthropic" });
    const ra = await pool.report(a.leaseId, { httpStatus: 429, answer: { headers: {}, errorBody: '{"type":"error","error":{"type":"rate_limit_error"}}' } });
    expect(ra.keyState).toBe("exhausted");
    const o = await pool.acquire({ provider: "openrouter" });
    const ro = await pool.report(o.leaseId, { httpStatus: 402, answer: { headers: {} } });
    expect(ro.keyState).toBe("exhausted");
    const keys = pool.snapshot().providers.flatMap((p) => p.keys);
    expect(keys.map((k) => k.stateReason)).toEqual(["spend limit reached; rechecked later", "payment required (402); rechecked later"]);
    expect((await refused(pool.acquire({ provider: "openrouter" }))).retryAfterMs).toBe(30 * 60_000);
    clock.advance(30 * 60_000);
    await pool.acquire({ provider: "openrouter" });
  });

  it("a 429 the provider attributes to the scope cools the scope; a key outside it carries on", async () => {
    const r = parseConfigDocument(
      JSON.stringify({ openai: { scopes: { org: {} }, keys: [{ key: "sk-test-learn-s-0001", id: "s1", scope: "org" }, { key: "sk-test-learn-s-0002", id: "s2", scope: "org" }, { key: "sk-test-learn-s-0003", id: "x" }] } }),
      {},
    );
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const { clock, pool } = setup(r.config);
    const events: PoolEvent[] = [];
    pool.subscribe((e) => events.push(e));
    const leases = [await pool.acquire({ provider: "openai" }), await pool.acquire({ provider: "openai" }), await pool.acquire({ provider: "openai" })];
    const s1 = leases.find((l) => l.keyId === "s1");
    await pool.report(s1!.leaseId, { httpStatus: 429, retryAfterMs: 10_000, answer: { headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "10s", "retry-after": "10" } } });
    // s2 shares the organization's limit: neither serves, x does.
    for (let i = 0; i < 3; i++) expect((await pool.acquire({ provider: "openai" })).keyId).toBe("x");
    const scopeOf = (id: string) => pool.snapshot().providers[0]?.keys.find((k) => k.keyId === id);
    expect(scopeOf("s2")?.scope).toMatchObject({ name: "org", state: "cooling_down" });
    expect(scopeOf("x")?.scope).toBeUndefined();
    // One event says so, for the log: which scope, until when, through which key and whose report.
    expect(events.filter((e) => e.type === "scope_state")).toEqual([
      { type: "scope_state", provider: "openai", scope: "org", state: "cooling_down", reason: expect.stringContaining("scope org: rate limited (429)"), until: clock.now() + 10_000, keyId: "s1", by: "anonymous" },
    ]);
    clock.advance(10_000);
    const next = await Promise.all([pool.acquire({ provider: "openai" }), pool.acquire({ provider: "openai" })]);
    expect(next.map((l) => l.keyId).sort()).toEqual(["s1", "s2"]);
  });
});
