import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { durationFromMs, timestampToMs } from "../../src/protocol/duration.js";
import { KeyState, Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer, type KeypoolServerOptions } from "../../src/keypool-server.js";
import { ManualClock } from "../support/manual-clock.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig, type TestKey } from "../support/pool-config.js";
import { StatsReader } from "../support/stats-stream.js";

let server: KeypoolServer | undefined;
const clients: TestClient[] = [];

async function start(providers: Record<string, TestKey[]>, options: Partial<KeypoolServerOptions> = {}) {
  server = await startKeypoolServer({ listen: "127.0.0.1:0", config: poolConfig(providers), log: silentLogger(), ...options });
  return client();
}

function client(): TestClient {
  const c = new TestClient(server!.grpcAddress);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.stop(1_000);
  server = undefined;
});

describe("StreamStats", () => {
  it("sends a full snapshot at once, then one per interval, each dated and with the configuration generation", async () => {
    const c = await start({ openai: fakeKeys(3) });
    const t0 = Date.now();
    const reader = new StatsReader(c, { intervalMs: 200 });
    const first = await reader.waitFor(1);
    const firstAt = Date.now() - t0;
    expect(firstAt).toBeLessThan(150);
    expect(first.configGeneration).toBe(1);
    expect(first.providers.map((p) => [p.provider, p.keys.map((k) => k.keyId)])).toEqual([["openai", ["k1", "k2", "k3"]]]);
    expect(first.providers[0]?.keys[0]).toMatchObject({ state: KeyState.KEY_STATE_ACTIVE, maskedKey: "…0001", weight: 1 });
    expect(Math.abs((timestampToMs(first.generatedAt) ?? 0) - Date.now())).toBeLessThan(1_000);
    await reader.waitFor(4);
    // Three intervals of 200 ms after the first.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(Date.now() - t0).toBeLessThan(1_500);
    reader.cancel();
  });

  it("ten acquisitions over five keys show a balance ratio of exactly 1.0 and the counts per key", async () => {
    const c = await start({ openai: fakeKeys(5) });
    for (let i = 0; i < 10; i++) {
      const l = await c.acquire({ provider: "openai" });
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 7, completionTokens: 3 });
    }
    const reader = new StatsReader(c, {});
    const s = await reader.waitFor(1);
    const p = s.providers[0]!;
    expect(p.balanceRatio).toBe(1);
    expect(p.balanceRatioTotal).toBe(1);
    expect(p).toMatchObject({ requestsTotal: 10, successesTotal: 10, promptTokensTotal: 70, completionTokensTotal: 30, inFlight: 0 });
    expect(p.keys.map((k) => k.requestsInWindow)).toEqual([2, 2, 2, 2, 2]);
    reader.cancel();
  });

  it("a 429 shows the key COOLING_DOWN with its reason and cooldown_until in the next snapshot, and ACTIVE after it", async () => {
    const clock = new ManualClock();
    const c = await start({ openai: fakeKeys(2) }, { clock });
    const reader = new StatsReader(c, { intervalMs: 100 });
    await reader.waitFor(1);
    const lease = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: lease.leaseId, httpStatus: 429, retryAfter: durationFromMs(30_000), errorMessage: "slow down" });
    const cooling = (await reader.next()).providers[0]?.keys.find((k) => k.keyId === lease.keyId);
    expect(cooling).toMatchObject({ state: KeyState.KEY_STATE_COOLING_DOWN, stateReason: "rate limited (429): slow down", rateLimitedTotal: 1 });
    expect(timestampToMs(cooling?.cooldownUntil)).toBe(clock.now() + 30_000);
    clock.advance(30_000);
    const back = (await reader.next()).providers[0]?.keys.find((k) => k.keyId === lease.keyId);
    expect(back).toMatchObject({ state: KeyState.KEY_STATE_ACTIVE, stateReason: "", cooldownUntil: undefined });
    reader.cancel();
  });

  it("filters providers, refuses unknown ones and intervals outside 100 ms..60 s", async () => {
    const c = await start({ openai: fakeKeys(1), google: [{ id: "g1", secret: "AIzaSyTest-000000000000000000001" }] });
    const google = new StatsReader(c, { providers: ["Google"], intervalMs: 100 });
    expect((await google.waitFor(1)).providers.map((p) => p.provider)).toEqual(["google"]);
    google.cancel();
    const all = new StatsReader(c, {});
    expect((await all.waitFor(1)).providers.map((p) => p.provider)).toEqual(["openai", "google"]);
    all.cancel();
    const cases: [StatsReader, number, RegExp][] = [
      [new StatsReader(c, { providers: ["nope"] }), status.NOT_FOUND, /providers\[0\]: not configured/],
      [new StatsReader(c, { intervalMs: 50 }), status.INVALID_ARGUMENT, /interval: expected between 100ms and 60s/],
      [new StatsReader(c, { intervalMs: 61_000 }), status.INVALID_ARGUMENT, /interval/],
    ];
    for (const [reader, code, message] of cases) {
      await reader.closed();
      expect(reader.messages).toHaveLength(0);
      expect(reader.error?.code).toBe(code);
      expect(reader.error?.message).toMatch(message);
    }
  });

  it("bounds the number of concurrent streams; a cancelled stream frees its place and stops being counted", async () => {
    const c = await start({ openai: fakeKeys(1) }, { maxStatsStreams: 2 });
    const a = new StatsReader(c, {});
    const b = new StatsReader(c, {});
    await Promise.all([a.waitFor(1), b.waitFor(1)]);
    const refused = new StatsReader(c, {});
    await refused.closed();
    expect(refused.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(server!.statsStreams.count()).toBe(2);
    a.cancel();
    await waitUntil(() => server!.statsStreams.count() === 1);
    const again = new StatsReader(c, {});
    await again.waitFor(1);
    expect(server!.statsStreams.count()).toBe(2);
    b.cancel();
    again.cancel();
    await waitUntil(() => server!.statsStreams.count() === 0);
  });

  it("on shutdown, open streams end with OK at once instead of holding the grace period", async () => {
    const c = await start({ openai: fakeKeys(1) });
    const reader = new StatsReader(c, { intervalMs: 100 });
    await reader.waitFor(2);
    const t0 = Date.now();
    await server!.stop(10_000);
    server = undefined;
    await reader.closed();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(reader.ended).toBe(true);
    expect(reader.error).toBeUndefined();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
