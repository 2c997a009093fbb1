import { afterAll, beforeAll, describe, expect } from "vitest";
import { it } from "../support/keypool-fixture.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Servers embedded with a configuration object (no file, no environment
 * keys) share a store: an announcement from one makes the other compare and
 * report, never re-read sources that did not make its configuration.
 */

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.close();
});

async function fleetConfig(adminAddress: string | undefined): Promise<{ in_step: boolean; differences: string[] }> {
  const res = await fetch(`http://${adminAddress}/v1/stats`);
  return ((await res.json()) as { fleet: { config: { in_step: boolean; differences: string[] } } }).fleet.config;
}

describe("an embedded server in a fleet", () => {
  it("keeps its configuration object when another server announces another, and names the difference", async ({ keypool }) => {
    const prefix = freshPrefix();
    const common = { store: redis.url, storePrefix: prefix, adminListen: "127.0.0.1:0", env: {} };
    const a = await keypool.start({ ...common, config: poolConfig({ openai: fakeKeys(2) }) });
    const b = await keypool.start({ ...common, config: poolConfig({ openai: fakeKeys(3) }) });
    // b announced last, with a key a lacks; a compares without re-reading anything.
    await waitUntil(async () => !(await fleetConfig(a.adminAddress)).in_step, "a to see that it differs");
    expect((await fleetConfig(a.adminAddress)).differences).toEqual(["provider openai: keys only there: k3"]);
    expect([...a.pool.keys()].map((k) => k.key.id).sort()).toEqual(["k1", "k2"]);
    expect(a.pool.configGeneration).toBe(1);
    expect((await fleetConfig(b.adminAddress)).in_step).toBe(true);
  });
});
