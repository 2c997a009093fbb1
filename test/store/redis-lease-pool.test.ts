import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/pool/types.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix, redisPool } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * The Redis store against a real redis-server, on a manual clock: every
 * limit holds, the balance rule picks as the memory store does, outcomes
 * move the key, leases end once, and a second pool on the same store and
 * prefix (another sidecar) sees all of it.
 */

const MINUTE = 60_000;
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

describe("RedisLeasePool limits", () => {
  it("rpm holds across two sidecars, and a refusal consumes nothing and says when to retry", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(2, { rpm: 3 }) });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    const granted: string[] = [];
    for (let i = 0; i < 6; i++) granted.push((await (i % 2 === 0 ? a : b).acquire({ provider: "openai" })).keyId);
    expect(granted.sort()).toEqual(["k1", "k1", "k1", "k2", "k2", "k2"]);
    const before = a.roundTrips;
    const refused = await a.acquire({ provider: "openai" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "RESOURCE_EXHAUSTED", reason: "POOL_BUSY" });
    // The minute plus its margin (1 s) after the first request.
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBe(MINUTE + 1_000);
    expect(a.roundTrips - before).toBe(1);
    await expect(b.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await a.refreshViews();
    expect(a.snapshot().providers[0]!.keys.map((k) => k.requestsInWindow)).toEqual([3, 3]);
    clock.advance(MINUTE + 1_000);
    expect((await b.acquire({ provider: "openai" })).keyId).toMatch(/^k[12]$/);
    await a.quit();
    await b.quit();
  });

  it("tpm reserves the estimate at acquisition and settles the real count at report", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(1, { tpm: 1_000 }) }));
    const l1 = await p.acquire({ provider: "openai", estimatedTokens: 600 });
    await expect(p.acquire({ provider: "openai", estimatedTokens: 500 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await p.report(l1.leaseId, { outcome: "success", promptTokens: 100, completionTokens: 100 });
    const l2 = await p.acquire({ provider: "openai", estimatedTokens: 700 });
    expect(p.snapshot().providers[0]!.keys[0]!.tokensInWindow).toBe(900);
    await p.report(l2.leaseId, { outcome: "success" }); // no counts: the estimate stays
    await expect(p.acquire({ provider: "openai", estimatedTokens: 101 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await expect(p.acquire({ provider: "openai", estimatedTokens: 2_000 })).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "NO_KEY_CAN_SERVE" });
    await p.quit();
  });

  it("rpd and max_concurrent hold; an open lease ended by its report frees its slot", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(1, { rpd: 4, maxConcurrent: 2 }) }));
    const l1 = await p.acquire({ provider: "openai" });
    await p.acquire({ provider: "openai" });
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED", retryAfterMs: 1_000 });
    await p.report(l1.leaseId, { outcome: "success" });
    const l3 = await p.acquire({ provider: "openai" });
    await p.report(l3.leaseId, { outcome: "success" });
    await p.acquire({ provider: "openai" });
    clock.advance(2 * 60 * MINUTE);
    // Four in the day: a fifth waits for the day window (plus its margin) to let the first go.
    const refused = (await p.acquire({ provider: "openai" }).catch((e: unknown) => e)) as { retryAfterMs: number };
    expect(refused.retryAfterMs).toBe(24 * 60 * MINUTE + 1_000 - 2 * 60 * MINUTE);
    await p.quit();
  });
});

describe("RedisLeasePool balance and outcomes", () => {
  it("five keys and ten sequential acquisitions give two each; weight 2 takes twice the share", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(5) }));
    const counts = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const l = await p.acquire({ provider: "openai" });
      counts.set(l.keyId, (counts.get(l.keyId) ?? 0) + 1);
      await p.report(l.leaseId, { outcome: "success" });
    }
    expect([...counts.values()]).toEqual([2, 2, 2, 2, 2]);
    await p.quit();
    const w = await redisPool(server, clock, poolConfig({ openai: [{ id: "light", secret: "sk-test-light-0001" }, { id: "heavy", secret: "sk-test-heavy-0001", weight: 2 }] }));
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await w.acquire({ provider: "openai" })).keyId);
    expect(ids.filter((id) => id === "heavy")).toHaveLength(6);
    await w.quit();
  });

  it("one round trip per acquisition and one per report in the common case", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(5, { rpm: 10_000, tpm: 1_000_000 }) }));
    const before = p.roundTrips;
    const pairs = 200;
    const started = performance.now();
    for (let i = 0; i < pairs; i++) {
      const l = await p.acquire({ provider: "openai", estimatedTokens: 20 });
      await p.report(l.leaseId, { outcome: "success", promptTokens: 10, completionTokens: 5 });
      clock.advance(1);
    }
    const ms = performance.now() - started;
    expect(p.roundTrips - before).toBe(2 * pairs);
    console.log(`redis store: ${pairs} acquire + report pairs, ${p.roundTrips - before} round trips, ${((ms * 1000) / pairs).toFixed(0)} µs per pair on loopback`);
    await p.quit();
  });

  it("a 429 reported through one sidecar stops the other from leasing that key at once, for the Retry-After", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(2) });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    const l = await a.acquire({ provider: "openai" });
    const r = await a.report(l.leaseId, { outcome: "rate_limited", retryAfterMs: 30_000 });
    expect(r).toMatchObject({ keyState: "cooling_down" });
    for (let i = 0; i < 4; i++) expect((await b.acquire({ provider: "openai" })).keyId).not.toBe(l.keyId);
    clock.advance(30_000);
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) ids.add((await b.acquire({ provider: "openai" })).keyId);
    expect(ids.has(l.keyId)).toBe(true);
    await a.quit();
    await b.quit();
  });

  it("a 401 disables the key with its reason; the other key serves; with none left the refusal says why", async () => {
    const clock = new ManualClock();
    const events: PoolEvent[] = [];
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(2) }), { events });
    const l1 = await p.acquire({ provider: "openai" });
    await expect(p.report(l1.leaseId, { httpStatus: 401, errorMessage: "bad key sk-test-0001" })).resolves.toMatchObject({ keyState: "disabled" });
    const snap = p.snapshot().providers[0]!.keys.find((k) => k.keyId === l1.keyId)!;
    expect(snap.state).toBe("disabled");
    expect(snap.stateReason).toMatch(/^unauthorized \(401\/403\)/);
    expect(snap.stateReason).not.toContain("sk-test-0001");
    expect(events).toContainEqual(expect.objectContaining({ type: "key_state", keyId: l1.keyId, from: "active", to: "disabled" }));
    const l2 = await p.acquire({ provider: "openai" });
    expect(l2.keyId).not.toBe(l1.keyId);
    await p.report(l2.leaseId, { httpStatus: 403 });
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "ALL_KEYS_DISABLED" });
    await p.quit();
  });

  it("a lease past its TTL ends as expired exactly once; its late report and a second report change nothing", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { maxConcurrent: 1 }) });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    const l = await a.acquire({ provider: "openai", leaseTtlMs: 5_000, estimatedTokens: 40 });
    await expect(b.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    clock.advance(5_000);
    // Both sidecars sweep; the lease is counted expired once.
    await Promise.all([a.refreshViews(), b.refreshViews()]);
    const key = () => a.snapshot().providers[0]!.keys[0]!;
    expect(key()).toMatchObject({ inFlight: 0, expiredLeasesTotal: 1, tokensInWindow: 40 });
    await expect(a.report(l.leaseId, { outcome: "success", promptTokens: 5 })).resolves.toMatchObject({ alreadyReported: true });
    const l2 = await b.acquire({ provider: "openai" });
    await b.report(l2.leaseId, { outcome: "success", promptTokens: 7 });
    await expect(b.report(l2.leaseId, { outcome: "rate_limited" })).resolves.toMatchObject({ alreadyReported: true, keyState: "active" });
    await a.refreshViews();
    expect(key()).toMatchObject({ inFlight: 0, expiredLeasesTotal: 1, requestsTotal: 2, successesTotal: 1, rateLimitedTotal: 0, promptTokensTotal: 7 });
    await expect(a.report("ls_nosuchlease", { outcome: "success" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await a.quit();
    await b.quit();
  });

  it("a lease reported by another client is refused; one granted by another sidecar can be reported here", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(2) });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    const l = await a.acquire({ provider: "openai", owner: "app1" });
    await expect(b.report(l.leaseId, { outcome: "success" }, "app2")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(b.report(l.leaseId, { outcome: "rate_limited" }, "app1")).resolves.toMatchObject({ keyId: l.keyId, keyState: "cooling_down", alreadyReported: false });
    await a.quit();
    await b.quit();
  });
});

describe("RedisLeasePool key actions and reloads", () => {
  it("disable, drain, probe, enable and clear_cooldown act fleet-wide, attributed", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(2) });
    const events: PoolEvent[] = [];
    const a = await redisPool(server, clock, config, { prefix, events });
    const b = await redisPool(server, clock, config, { prefix });
    await expect(a.setKeyState("openai", "k1", "disable", "rotating", "ops")).resolves.toMatchObject({ from: "active", to: "disabled", changed: true, stateReason: "disabled by operator ops: rotating" });
    expect(events.at(-1)).toEqual({ type: "key_state", provider: "openai", keyId: "k1", from: "active", to: "disabled", reason: "operator disable: rotating", by: "ops" });
    for (let i = 0; i < 3; i++) expect((await b.acquire({ provider: "openai" })).keyId).toBe("k2");
    await b.refreshViews();
    // b's view is stale until its read; its action is checked against the store's version all the same.
    await expect(b.setKeyState("openai", "k1", "enable", "", "ops2")).resolves.toMatchObject({ from: "disabled", to: "active", changed: true });
    const l = await a.acquire({ provider: "openai" });
    expect(l.keyId).toBe("k1");
    await a.report(l.leaseId, { outcome: "rate_limited", retryAfterMs: 60_000 });
    await expect(b.setKeyState("openai", "k1", "clear_cooldown", "", "ops")).resolves.toMatchObject({ from: "cooling_down", to: "active", changed: true });
    await expect(a.setKeyState("openai", "k2", "drain", "", "ops")).resolves.toMatchObject({ to: "draining" });
    for (let i = 0; i < 2; i++) expect((await b.acquire({ provider: "openai" })).keyId).toBe("k1");
    await expect(a.setKeyState("openai", "nope", "disable", "", "ops")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(a.setKeyState("openai", "k1", "disable", "x".repeat(300), "ops")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: "reason: at most 200 characters" });
    await a.quit();
    await b.quit();
  });

  it("a key with probe: true that a 401 disabled is never a caller's probe; one sidecar's valid recheck brings it back for all", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: [{ id: "p", secret: "sk-test-probe-0001", probe: true }] }, { unauthorizedRecheckMs: 60_000 });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    const l = await a.acquire({ provider: "openai" });
    await a.report(l.leaseId, { httpStatus: 401 });
    clock.advance(60_000);
    await expect(b.acquire({ provider: "openai" })).rejects.toMatchObject({ reason: "ALL_KEYS_DISABLED" });
    await expect(b.recheckKey("openai", "p", "invalid", "still refused for sk-test-probe-0001")).resolves.toMatchObject({ from: "disabled", to: "disabled", changed: true });
    await b.refreshViews();
    expect(b.snapshot().providers[0]!.keys[0]!.stateReason).not.toContain("sk-test-probe-0001");
    await expect(a.recheckKey("openai", "p", "valid", "")).resolves.toMatchObject({ from: "disabled", to: "active", changed: true });
    expect((await b.acquire({ provider: "openai" })).keyId).toBe("p");
    await a.quit();
    await b.quit();
  });

  it("a reload keeps the windows and state of keys that stay, drains removed ones, and refuses scopes and per-model limits", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(2, { rpm: 2 }) }));
    for (let i = 0; i < 4; i++) await p.acquire({ provider: "openai" });
    await p.setKeyState("openai", "k2", "disable", "", "ops");
    const diff = p.applyConfig(poolConfig({ openai: fakeKeys(3, { rpm: 3 }) }));
    await p.ready();
    expect(diff).toMatchObject({ added: ["openai/k3"], updated: ["openai/k1", "openai/k2"], removed: [] });
    await p.refreshViews();
    expect(p.snapshot().providers[0]!.keys.map((k) => [k.keyId, k.state, k.requestsInWindow])).toEqual([
      ["k1", "active", 2],
      ["k2", "disabled", 2],
      ["k3", "active", 0],
    ]);
    expect((await p.acquire({ provider: "openai" })).keyId).toBe("k3");
    expect(() => p.applyConfig(poolConfig({ openai: [{ id: "m", secret: "sk-test-model-0001", modelLimits: { "gpt-4o": { rpm: 1, tpm: undefined, rpd: undefined } } }] }))).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", reason: "INVALID_CONFIG", details: ["openai.keys[0].models: per-model limit objects are not supported with a Redis store yet (a list of model names is)"] }),
    );
    const shrunk = p.applyConfig(poolConfig({ openai: fakeKeys(1, { rpm: 3 }) }));
    await p.ready();
    expect(shrunk.removed).toEqual(["openai/k2", "openai/k3"]);
    expect((await p.acquire({ provider: "openai" })).keyId).toBe("k1");
    await p.quit();
  });
});

describe("RedisLeasePool shutdown", () => {
  it("close ends the waits but keeps the store, so reports during a graceful stop still end their leases; quit closes it", async () => {
    const clock = new ManualClock();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(1, { maxConcurrent: 1 }) }));
    const open = await p.acquire({ provider: "openai" });
    const waiting = p.acquire({ provider: "openai", maxWaitMs: 30_000 }).catch((e: unknown) => e);
    await waitUntil(() => p.waitingCount("openai") === 1, "the acquisition to wait");
    p.close();
    await expect(waiting).resolves.toMatchObject({ code: "UNAVAILABLE", message: "keypool is shutting down" });
    await expect(p.report(open.leaseId, { outcome: "success" })).resolves.toMatchObject({ alreadyReported: false });
    await p.quit();
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });
});

describe("RedisLeasePool and secrets", () => {
  it("nothing the store holds carries a secret: key ids, fingerprints and masked forms only", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const p = await redisPool(server, clock, poolConfig({ openai: fakeKeys(3, { rpm: 5 }) }), { prefix });
    const l1 = await p.acquire({ provider: "openai", estimatedTokens: 10 });
    await p.report(l1.leaseId, { httpStatus: 401, errorMessage: "Incorrect API key provided: sk-test-0001" });
    const l2 = await p.acquire({ provider: "openai" });
    await p.report(l2.leaseId, { outcome: "rate_limited", errorMessage: "limit for sk-test-0002 reached" });
    await p.setKeyState("openai", "k3", "disable", "rotating", "ops");
    const client = new Redis({ port: server.port, lazyConnect: true });
    await client.connect();
    const names = await client.keys(`${prefix}*`);
    expect(names.length).toBeGreaterThan(5);
    let dump = names.join("\n");
    for (const name of names) {
      const type = await client.type(name);
      if (type === "string") dump += await client.get(name);
      else if (type === "hash") dump += JSON.stringify(await client.hgetall(name));
      else if (type === "zset") dump += (await client.zrange(name, 0, -1)).join(",");
      else if (type === "set") dump += (await client.smembers(name)).join(",");
    }
    client.disconnect();
    expect(dump).toContain("k1");
    // A provider's error text naming the key is redacted before it is kept.
    expect(dump).not.toContain("sk-test-0001");
    expect(dump).not.toContain("sk-test-0002");
    await p.quit();
  });
});
