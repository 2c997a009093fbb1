import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoolConfig } from "../../src/config/types.js";
import { parseStoreLocation } from "../../src/config/store-location.js";
import { snapshotToJson } from "../../src/pool/stats-json.js";
import type { Lease } from "../../src/pool/types.js";
import { FailoverLeasePool } from "../../src/store/failover/failover-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix, redisPool } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Two sidecars (a FailoverLeasePool each) over a real redis-server that is
 * stopped and started again under them: alone they keep the fleet within
 * every limit, they say they are degraded, and they rejoin with what they
 * granted counted in the shared windows. The store has a password, which
 * no error or status may show.
 */

const PASSWORD = "pw-failover-secret-9931";
let persisted: RedisServer;
let volatile: RedisServer;
const open: FailoverLeasePool[] = [];

beforeAll(async () => {
  persisted = await startRedisServer({ password: PASSWORD, persist: true });
  volatile = await startRedisServer({ password: PASSWORD });
});
afterAll(async () => {
  for (const p of open) await p.quit().catch(() => {});
  await persisted.close();
  await volatile.close();
});

async function sidecar(server: RedisServer, clock: ManualClock, config: PoolConfig, prefix: string, mode: "local" | "closed" = "local"): Promise<FailoverLeasePool> {
  const shared = await redisPool(server, clock, config, { prefix });
  const location = parseStoreLocation(server.url);
  const pool = new FailoverLeasePool({ shared, location: location.kind === "redis" ? location.masked : "", mode, clock });
  pool.applyConfig(config);
  await pool.start();
  open.push(pool);
  return pool;
}

/** Acquires until refused; the leases granted. */
async function drain(pool: FailoverLeasePool): Promise<Lease[]> {
  const out: Lease[] = [];
  for (;;) {
    try {
      out.push(await pool.acquire({ provider: "openai" }));
    } catch (err) {
      expect(err).toMatchObject({ code: "RESOURCE_EXHAUSTED" });
      return out;
    }
  }
}

async function rejoined(pool: FailoverLeasePool): Promise<void> {
  await waitUntil(async () => {
    await pool.beat();
    return !pool.degraded;
  }, "the sidecar to rejoin the store", 15_000);
}

function noSecret(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(PASSWORD);
}

describe("when the shared store fails", () => {
  it("local: each sidecar serves alone with 1/N of every limit from its last view, then rejoins with its grants counted", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { rpm: 10, maxConcurrent: 8 }) });
    const a = await sidecar(persisted, clock, config, prefix);
    const b = await sidecar(persisted, clock, config, prefix);
    await a.beat();
    expect([a.status().sidecarsAlive, b.status().sidecarsAlive]).toEqual([2, 2]);
    expect(a.status()).toMatchObject({ degraded: false, failureMode: "local", limitsDividedBy: undefined });

    const before = [await a.acquire({ provider: "openai" }), await a.acquire({ provider: "openai" }), await b.acquire({ provider: "openai" })];
    await b.report(before[2]!.leaseId, { outcome: "success", promptTokens: 5 });
    await b.acquire({ provider: "openai" });

    await persisted.stop();
    // a saw 2 requests and 2 open leases, b saw 4 and 3: each may add ⌊10/2⌋ minus what it saw.
    const aloneA = await drain(a);
    const aloneB = await drain(b);
    expect([aloneA.length, aloneB.length]).toEqual([3, 1]);
    expect(before.length + 1 + aloneA.length + aloneB.length).toBeLessThanOrEqual(10);
    const s = a.status();
    expect(s).toMatchObject({ degraded: true, limitsDividedBy: 2, sidecarsAlive: 2 });
    expect(s.reason).toMatch(/did not answer/);
    const json = snapshotToJson(a.snapshot()) as { store: Record<string, unknown>; providers: { keys: { limits: { rpm: number } }[] }[] };
    expect(json.store).toMatchObject({ kind: "redis", degraded: true, failure_mode: "local", limits_divided_by: 2, sidecars_alive: 2 });
    expect(json.store["degraded_since"]).toEqual(new Date(clock.now()).toISOString());
    // Statistics show the share enforced now.
    expect(json.providers[0]!.keys[0]!.limits.rpm).toBe(5);
    noSecret(json);
    const action = await a.setKeyState("openai", "k1", "disable", "", "alice").catch((e: unknown) => e);
    expect(action).toMatchObject({ code: "UNAVAILABLE" });
    noSecret((action as Error).message);
    const report = await a.report(before[0]!.leaseId, { outcome: "success" }).catch((e: unknown) => e);
    expect(report).toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/ends at its TTL/) });
    // A lease granted alone is reported alone.
    await a.report(aloneA[0]!.leaseId, { outcome: "success", promptTokens: 7 });

    await persisted.start();
    await rejoined(a);
    // b may still be serving alone: a holds b's share (5) for it, and takes nothing more meanwhile.
    await expect(a.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await rejoined(b);
    // b replayed its own and released its share; a's next heartbeat releases the share b held for it.
    await a.beat();
    expect(a.status()).toMatchObject({ degraded: false, degradedSince: undefined, reason: "", limitsDividedBy: undefined });
    // a released last: its view, read after that, holds both sidecars' grants and no share held.
    const key = a.snapshot().providers[0]!.keys[0]!;
    // Every request granted alone is in the shared window; the leases still open are open there.
    expect(key.requestsInWindow).toBe(before.length + 1 + aloneA.length + aloneB.length);
    expect(key.inFlight).toBe(before.length + 1 - 1 + aloneA.length - 1 + aloneB.length);
    expect(key.limits.rpm).toBe(10);
    // A lease granted alone and still open ends in the store.
    expect(await b.report(aloneA[1]!.leaseId, { outcome: "success" })).toMatchObject({ alreadyReported: false, keyId: "k1" });
    // The fleet goes on from there: 10 in the minute, not one more.
    const after = await drain(b);
    expect(before.length + 1 + aloneA.length + aloneB.length + after.length).toBe(10);
  });

  it("tokens and concurrency are shared out too, and what settles alone or after re-joining counts in the store", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { tpm: 1_000, maxConcurrent: 4 }) });
    const a = await sidecar(persisted, clock, config, prefix);
    const b = await sidecar(persisted, clock, config, prefix);
    await a.beat();
    await a.acquire({ provider: "openai", estimatedTokens: 100 });
    const fromB = await b.acquire({ provider: "openai", estimatedTokens: 100 });
    await b.report(fromB.leaseId, { outcome: "success", promptTokens: 30, completionTokens: 20 });

    await persisted.stop();
    // a saw 100 tokens and 1 open lease: alone it has ⌊1000/2⌋ tokens and ⌊(4 − 1)/2⌋ = 1 lease at once.
    const first = await a.acquire({ provider: "openai", estimatedTokens: 300 });
    await expect(a.acquire({ provider: "openai", estimatedTokens: 10 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await a.report(first.leaseId, { outcome: "success", promptTokens: 15, completionTokens: 5 });
    await expect(a.acquire({ provider: "openai", estimatedTokens: 381 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    const second = await a.acquire({ provider: "openai", estimatedTokens: 380 });

    await persisted.start();
    await rejoined(a);
    // b never served alone: its heartbeat releases what a held for it.
    await b.beat();
    await a.beat();
    const key = b.snapshot().providers[0]!.keys[0]!;
    expect(key.tokensInWindow).toBe(100 + 50 + 20 + 380);
    expect(key.inFlight).toBe(2);
    // The lease granted alone and still open settles in the store.
    await a.report(second.leaseId, { outcome: "success", promptTokens: 60, completionTokens: 40 });
    const settled = await b.acquire({ provider: "openai", estimatedTokens: 1 });
    expect(b.snapshot().providers[0]!.keys[0]!.tokensInWindow).toBe(100 + 50 + 20 + 100 + 1);
    await b.report(settled.leaseId, { outcome: "success", promptTokens: 1 });
  });

  it("closed: refuses with UNAVAILABLE while the store is away, says so, and serves again once it is back", async () => {
    const clock = new ManualClock();
    const config = poolConfig({ openai: fakeKeys(2, { rpm: 100 }) });
    const pool = await sidecar(persisted, clock, config, freshPrefix(), "closed");
    await pool.acquire({ provider: "openai" });
    await persisted.stop();
    await pool.beat();
    expect(pool.status()).toMatchObject({ degraded: true, failureMode: "closed", limitsDividedBy: undefined });
    const err = await pool.acquire({ provider: "openai" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/^the shared store at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is unreachable: .*--store-failure closed/) });
    noSecret([(err as Error).message, pool.status()]);
    await persisted.start();
    await rejoined(pool);
    expect((await pool.acquire({ provider: "openai" })).provider).toBe("openai");
  });

  it("a store that comes back empty starts from the sidecars' last counts, never above the limits", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { rpm: 10 }) });
    const a = await sidecar(volatile, clock, config, prefix);
    const b = await sidecar(volatile, clock, config, prefix);
    await a.beat();
    for (let i = 0; i < 3; i++) await a.acquire({ provider: "openai" });
    await volatile.stop();
    await a.beat();
    expect(a.degraded).toBe(true);
    const alone = await drain(a);
    expect(alone.length).toBe(2); // ⌊10/2⌋ − 3
    await volatile.start();
    await rejoined(a);
    // The store lost the 3 counted before; a wrote them back with the 2 it granted alone. b never
    // served alone: its heartbeat releases the share a held for it.
    await b.beat();
    const more = await drain(b);
    expect(more.length).toBe(10 - 3 - alone.length);
  });

  it("an empty store noticed by the heartbeat alone gets this sidecar's last counts again", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { rpm: 10 }) });
    const a = await sidecar(volatile, clock, config, prefix);
    for (let i = 0; i < 4; i++) await a.acquire({ provider: "openai" });
    await volatile.stop();
    await volatile.start();
    await waitUntil(async () => {
      await a.beat();
      return (await volatile.command("EXISTS", `${prefix}schema`)).startsWith(":1");
    }, "the heartbeat to write the store again", 15_000);
    expect(a.degraded).toBe(false);
    const b = await sidecar(volatile, clock, config, prefix);
    expect((await drain(b)).length).toBe(6);
  });
});
