import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { freshPrefix, redisPool } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * The Redis store keeps each token window's count as a running sum, so that
 * a decision costs the same however many requests the window holds. The sum
 * must read as the full count would: for a sidecar whose clock is behind the
 * one that last moved the sum on, and after a report settles the tokens.
 */

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

// A minute's window with the default margin (1 s) counts an entry for 61 s.
const SPAN_MS = 61_000;
const T0 = Date.UTC(2026, 0, 1);

function tokensInWindow(p: Awaited<ReturnType<typeof redisPool>>): number | undefined {
  return p.snapshot().providers[0]?.keys[0]?.tokensInWindow;
}

describe("token windows in the Redis store", () => {
  it("a sidecar whose clock is behind still counts what left the window by another's clock", async () => {
    const ahead = new ManualClock(T0);
    const behind = new ManualClock(T0 - 300);
    // A five-minute window keeps the entries in the log after they leave the minute (the log is trimmed by the longest span).
    const config = poolConfig({ openai: fakeKeys(1, { tpm: 1_000, windows: [{ kind: "requests", limit: 1_000, perMs: 300_000 }] }) });
    const prefix = freshPrefix();
    const a = await redisPool(server, ahead, config, { prefix });
    const b = await redisPool(server, behind, config, { prefix });
    await a.report((await a.acquire({ provider: "openai", estimatedTokens: 600 })).leaseId, { outcome: "success", promptTokens: 600, completionTokens: 0 });
    ahead.advance(SPAN_MS + 100);
    behind.advance(SPAN_MS + 100);
    // By a's clock the 600 tokens have left; a's acquisition moves the sum on past them.
    const small = await a.acquire({ provider: "openai", estimatedTokens: 10 });
    await a.refreshViews();
    expect(tokensInWindow(a)).toBe(10);
    expect(await server.command("HGET", `${prefix}{openai}:key:k1`, "tsum")).toMatch(/:10:/);
    // By b's clock, 300 ms behind, they still count: 600 + 10 + 500 is over 1,000.
    await expect(b.acquire({ provider: "openai", estimatedTokens: 500 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await b.refreshViews();
    expect(tokensInWindow(b)).toBe(610);
    // Once b's clock is past them too, the room is there.
    behind.advance(300);
    ahead.advance(300);
    expect((await b.acquire({ provider: "openai", estimatedTokens: 500 })).keyId).toBe("k1");
    await a.report(small.leaseId, { outcome: "success", promptTokens: 4, completionTokens: 2 });
    await a.refreshViews();
    // The report settled 10 estimated tokens to 6.
    expect(tokensInWindow(a)).toBe(506);
    await a.quit();
    await b.quit();
  });

  it("a sum made before a restart of the configuration with other windows is rebuilt from the log", async () => {
    const clock = new ManualClock(T0);
    const prefix = freshPrefix();
    const a = await redisPool(server, clock, poolConfig({ openai: fakeKeys(1, { tpm: 1_000 }) }), { prefix });
    await a.acquire({ provider: "openai", estimatedTokens: 300 });
    clock.advance(5_000);
    await a.acquire({ provider: "openai", estimatedTokens: 200 });
    // A second token window of 3 s: the sums are rebuilt for the new spans, the minute's still 500.
    a.applyConfig(poolConfig({ openai: fakeKeys(1, { tpm: 1_000, windows: [{ kind: "tokens", limit: 250, perMs: 3_000 }] }) }));
    await a.ready();
    await expect(a.acquire({ provider: "openai", estimatedTokens: 100 })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    clock.advance(3_200);
    expect((await a.acquire({ provider: "openai", estimatedTokens: 100 })).keyId).toBe("k1");
    await a.refreshViews();
    expect(tokensInWindow(a)).toBe(600);
    await a.quit();
  });
});
