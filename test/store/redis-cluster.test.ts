import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStoreLocation } from "../../src/config/store-location.js";
import { openRedisPool } from "../../src/store/redis/open-redis-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.js";
import { freshPrefix, redisPool, waiterWokenByReport } from "../support/redis-pool.js";

/**
 * The Redis store on a real Redis Cluster of three masters, given the URL
 * of one node as a seed: each provider's state lives on the node that owns
 * its hash tag's slot, every script runs there in one round trip, and two
 * sidecars keep the same limits and wake each other as on one server.
 */

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

// Slots of the hash tags: {openai} 10228 and {anthropic} 13844, owned by different masters of an even spread.
const config = poolConfig({ openai: fakeKeys(2, { rpm: 3 }), anthropic: fakeKeys(1, { maxConcurrent: 1 }) });

describe("the Redis store on a Redis Cluster", () => {
  it("two sidecars share every limit; each provider's state lives on the node owning its slot", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const a = await redisPool(cluster, clock, config, { prefix });
    const b = await redisPool(cluster, clock, config, { prefix });
    const granted: string[] = [];
    for (let i = 0; i < 4; i++) for (const p of [a, b]) granted.push(await p.acquire({ provider: "openai" }).then((l) => l.keyId, () => "refused"));
    // Two keys of 3 requests a minute: six leases for the fleet, not six per sidecar.
    expect(granted.filter((g) => g !== "refused")).toHaveLength(6);
    expect(granted.slice(6)).toEqual(["refused", "refused"]);
    await a.acquire({ provider: "anthropic" });
    const openaiNode = await cluster.nodeFor(`${prefix}{openai}:leases`);
    const anthropicNode = await cluster.nodeFor(`${prefix}{anthropic}:leases`);
    expect(openaiNode.port).not.toBe(anthropicNode.port);
    expect(openaiNode.port).not.toBe(cluster.nodes[0]!.port);
    expect(await openaiNode.command("EXISTS", `${prefix}{openai}:key:k1`)).toBe(":1\r\n");
    expect(await anthropicNode.command("EXISTS", `${prefix}{anthropic}:key:k1`)).toBe(":1\r\n");
    // Two script calls per pair at most: acquisitions and reports are one round trip each on a cluster too.
    const before = a.roundTrips;
    const lease = await a.acquire({ provider: "anthropic" }).catch(() => undefined);
    expect(lease).toBeUndefined();
    expect(a.roundTrips - before).toBe(1);
    await a.quit();
    await b.quit();
  });

  it("a waiter on one sidecar wakes on another's report, the message crossing the cluster", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const a = await redisPool(cluster, clock, config, { prefix });
    const b = await redisPool(cluster, clock, config, { prefix });
    expect(await waiterWokenByReport(a, b, "anthropic")).toEqual({ before: undefined, after: "k1" });
    await a.quit();
    await b.quit();
  });

  it("a database number with a cluster is refused, naming it", async () => {
    const location = parseStoreLocation(`${cluster.url}/2`);
    if (location.kind !== "redis") throw new Error("not a redis URL");
    const err = await openRedisPool({ location, prefix: freshPrefix(), clock: new ManualClock() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((err as Error).message).toMatch(/is a node of a Redis Cluster, which has database 0 only; remove \/2 from the URL/);
  });
});
