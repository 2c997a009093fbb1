import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix, redisPool, waiterWokenByReport } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * What travels between sidecars besides the state: a report that frees
 * capacity wakes the waiters of every sidecar at once (pub/sub), without
 * waiting for their own poll; and a store that goes away mid-run is a clear
 * UNAVAILABLE, not a hang.
 */

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

describe("between sidecars", () => {
  it("a waiter on one sidecar gets the key as soon as another sidecar's report frees it, with time standing still", async () => {
    const clock = new ManualClock();
    const prefix = freshPrefix();
    const config = poolConfig({ openai: fakeKeys(1, { maxConcurrent: 1 }) });
    const a = await redisPool(server, clock, config, { prefix });
    const b = await redisPool(server, clock, config, { prefix });
    expect(await waiterWokenByReport(a, b, "openai")).toEqual({ before: undefined, after: "k1" });
    await a.quit();
    await b.quit();
  });

  it("a Redis gone mid-run: acquisitions and reports fail at once with UNAVAILABLE naming the store, and work again when it is back", async () => {
    const own = await startRedisServer();
    const clock = new ManualClock();
    const p = await redisPool(own, clock, poolConfig({ openai: fakeKeys(2) }));
    const lease = await p.acquire({ provider: "openai" });
    await own.stop();
    const err = await p.acquire({ provider: "openai" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNAVAILABLE" });
    expect((err as Error).message).toMatch(new RegExp(`^the shared store at redis://127\\.0\\.0\\.1:${own.port} did not answer: `));
    await expect(p.report(lease.leaseId, { outcome: "success" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await own.start();
    let last: unknown;
    await waitUntil(async () => await p.acquire({ provider: "openai" }).then(() => true, (e: unknown) => ((last = e), false)), "the store to be back", 10_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; last: ${String(last)}`);
    });
    await p.quit();
    await own.close();
  });
});
