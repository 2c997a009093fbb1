import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeasePool } from "../../src/pool/lease-pool.js";
import { RedisHistoryShelf } from "../../src/store/redis/redis-history-shelf.js";
import type { RedisLeasePool } from "../../src/store/redis/redis-lease-pool.js";
import { FleetHistoryWriter } from "../../src/telemetry/history/fleet-history-writer.js";
import { parseHistoryQuery, type RawHistoryQuery } from "../../src/telemetry/history/history-query.js";
import { recordName, unpack } from "../../src/telemetry/history/history-wire.js";
import { followPool, poolDirectory } from "../../src/telemetry/history/pool-history-feed.js";
import { shelfHistorySource } from "../../src/telemetry/history/shelf-history-source.js";
import { StatsHistory } from "../../src/telemetry/history/stats-history.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix, redisPool } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * The statistics history through a real redis-server: two sidecars' pools
 * share one prefix, each writes its history under it, and a query on either
 * sums both. Nothing of it holds a secret; the lease path keeps its one
 * script call each; a store gone at query time leaves the answer local and
 * says so; and what it costs is measured here.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const SECRETS = fakeKeys(3).map((k) => k.secret);

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

function sidecar(pool: RedisLeasePool, clock: ManualClock, name: string) {
  const shelf = pool.historyShelf();
  const history = new StatsHistory({ clock, sidecar: name, fleet: shelfHistorySource(shelf, recordName(name, clock.now()), clock) });
  followPool(pool, history);
  const writer = new FleetHistoryWriter(history, shelf, clock);
  const query = (q: RawHistoryQuery) => history.query(parseHistoryQuery({ provider: "openai", ...q }), poolDirectory(pool));
  return { pool, history, writer, query };
}

async function traffic(pool: LeasePool, n: number, model: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const lease = await pool.acquire({ provider: "openai", model });
    await pool.report(lease.leaseId, { outcome: i === 0 ? "rate_limited" : "success", promptTokens: 10, completionTokens: 2, latencyMs: 150 });
  }
}

const total = (buckets: readonly { requests: number }[]) => buckets.reduce((n, b) => n + b.requests, 0);

describe("statistics history in the Redis store", () => {
  it("traffic through either sidecar is in the history read from both, without a secret in the store and without another script call", async () => {
    const clock = new ManualClock(T0);
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(3) });
    const a = sidecar(await redisPool(server, clock, config, { prefix }), clock, "host-a/11");
    const b = sidecar(await redisPool(server, clock, config, { prefix }), clock, "host-b/22");
    await traffic(a.pool, 4, "gpt-4o");
    await traffic(b.pool, 3, "gpt-4o-mini");
    const scriptCalls = a.pool.roundTrips + b.pool.roundTrips;
    clock.advance(5_000);
    await Promise.all([a.writer.flush(), b.writer.flush()]);
    // Writing and reading the history runs no script: the lease path's calls are the same as without it.
    expect(a.pool.roundTrips + b.pool.roundTrips).toBe(scriptCalls);

    for (const s of [a, b]) {
      const res = await s.query({ rangeMs: 60_000 });
      expect(res.fleetUnavailable).toBe("");
      expect([...res.sidecars].sort()).toEqual(["host-a/11", "host-b/22"]);
      expect(total(res.buckets)).toBe(7);
      expect(res.buckets.reduce((n, x) => n + x.rateLimited, 0)).toBe(2);
      expect([...res.models].sort()).toEqual(["gpt-4o", "gpt-4o-mini"]);
      expect(total((await s.query({ rangeMs: 60_000, model: "gpt-4o-mini" })).buckets)).toBe(3);
      expect(res.markers.filter((m) => m.kind === "start").map((m) => m.sidecar).sort()).toEqual(["host-a/11", "host-b/22"]);
    }
    expect(a.pool.roundTrips + b.pool.roundTrips).toBe(scriptCalls);

    const redis = new Redis(server.port, "127.0.0.1");
    const keys = await redis.keys(`${prefix}history*`);
    expect(keys.sort()).toEqual([`${prefix}history-sidecars`, `${prefix}history:host-a/11@${T0}`, `${prefix}history:host-b/22@${T0}`]);
    const stored = JSON.stringify([
      await redis.zrange(`${prefix}history-sidecars`, 0, -1),
      ...(await Promise.all(keys.filter((k) => k.includes(":host-")).map((k) => redis.hgetall(k)))),
    ]);
    const unpacked = JSON.stringify(
      (await Promise.all(keys.filter((k) => k.includes(":host-")).map((k) => redis.hvals(k)))).flat().map((v) => unpack(v) || v),
    );
    expect(unpacked).toContain("gpt-4o-mini");
    for (const secret of SECRETS) for (const text of [stored, unpacked]) expect(text).not.toContain(secret);
    // A record outlives its sidecar by the day the history covers, and an hour.
    expect(await redis.pttl(`${prefix}history:host-a/11@${T0}`)).toBeGreaterThan(24 * 3_600_000);
    redis.disconnect();
    await a.pool.quit();
    await b.pool.quit();
  });

  it("a store unreachable at query time: the answer is this sidecar's history, and says why; the others are back with the store", async () => {
    const own = await startRedisServer();
    const clock = new ManualClock(T0);
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(3) });
    const a = sidecar(await redisPool(own, clock, config, { prefix }), clock, "a/1");
    const b = sidecar(await redisPool(own, clock, config, { prefix }), clock, "b/1");
    await traffic(a.pool, 2, "");
    await traffic(b.pool, 3, "");
    await b.writer.flush();
    expect(total((await a.query({ rangeMs: 60_000 })).buckets)).toBe(5);
    await own.stop();
    const alone = await a.query({ rangeMs: 60_000 });
    expect(alone.fleetUnavailable).toMatch(/^the other sidecars' history could not be read: /);
    expect(alone.sidecars).toEqual(["a/1"]);
    expect(total(alone.buckets)).toBe(2);
    const writeError = await a.writer.flush().catch((e: unknown) => e);
    expect(writeError).toBeInstanceOf(Error);
    await own.start();
    // The store came back empty: the next write of each sidecar puts its whole history back.
    await new Promise((r) => setTimeout(r, 2_500));
    await b.writer.flush();
    const again = await a.query({ rangeMs: 60_000 });
    expect(again.fleetUnavailable).toBe("");
    expect(total(again.buckets)).toBe(5);
    await a.pool.quit();
    await b.pool.quit();
    await own.close();
  });

  it("costs, for 100 keys with one model each, an hour of traffic in every 10 s bucket: measured", async () => {
    const clock = new ManualClock(T0);
    const prefix = freshPrefix();
    const redis = new Redis(server.port, "127.0.0.1");
    let largestWrite = 0;
    class MeasuredShelf extends RedisHistoryShelf {
      override write(record: string, fields: ReadonlyMap<string, string>, ttlMs: number, now: number): Promise<boolean> {
        largestWrite = Math.max(largestWrite, [...fields].reduce((n, [k, v]) => n + k.length + v.length, 0));
        return super.write(record, fields, ttlMs, now);
      }
    }
    const shelf = new MeasuredShelf(redis, prefix);
    const history = new StatsHistory({ clock, sidecar: "host/1" });
    const writer = new FleetHistoryWriter(history, shelf, clock);
    // Varied traffic (a fixed pseudo-random sequence), so that the packed size is not flattered by identical rows.
    let seed = 42;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const ids = Array.from({ length: 100 }, (_, k) => `k_${(0x1000000000 + k * 7_919_117).toString(16).slice(-10)}`);
    const outcomes = ["success", "success", "success", "success", "success", "success", "success", "rate_limited", "server_error"] as const;
    for (let t = 0; t < 3_600_000; t += 5_000) {
      for (const id of ids) {
        for (let i = random(4); i > 0; i--) {
          history.recordAcquired("openai", id, "gpt-4o", random(5) === 0 ? random(3_000) : 0);
          history.recordEnded("openai", id, "gpt-4o", outcomes[random(outcomes.length)] ?? "success", 200 + random(4_000), 20 + random(1_500), 150 + random(20_000));
        }
      }
      clock.advance(5_000);
      await writer.flush();
    }
    const key = `${prefix}history:host/1@${T0}`;
    const fields = await redis.hgetall(key);
    const serialized = Object.entries(fields).reduce((n, [k, v]) => n + k.length + v.length, 0);
    const memory = Number(await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
    const ofRing = (ring: string) => Object.entries(fields).reduce((n, [k, v]) => (k.startsWith(ring) ? n + k.length + v.length : n), 0);
    console.log(
      `history record for 100 keys × 1 h: ${Object.keys(fields).length} fields, ${serialized} bytes serialized ` +
        `(10 s ring ${ofRing("0:")}, 5 min ring ${ofRing("1:")}), ${memory} bytes in Redis, largest write ${largestWrite} bytes`,
    );
    expect(Object.keys(fields).length).toBe(2 + 360 + 12);
    expect(serialized).toBeLessThan(2_000_000);
    expect(largestWrite).toBeLessThan(50_000);
    redis.disconnect();
  });
});
