import { afterEach, describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

// Limits scaled down so that a run takes seconds: 6 requests per 2 s per key,
// enforced the same way by keypool and by the provider stand-in.
const WINDOW_MS = 2_000;
const PER_KEY = 6;
const KEYS = 5;

let server: KeypoolServer | undefined;
let sim: Simulator | undefined;
let client: TestClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.stop(1_000);
  await sim?.close();
});

async function setup() {
  const keys = fakeKeys(KEYS, { windows: [{ kind: "requests", limit: PER_KEY, perMs: WINDOW_MS }] });
  sim = await startSimulator({
    keys: Object.fromEntries(keys.map((k) => [k.secret, { rpm: PER_KEY, label: k.id as string }])),
    windowMs: WINDOW_MS,
    latency: { baseMs: 5, jitterMs: 20 },
  });
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    // The margin covers the time from lease to the provider's count. Scaled with the window it would be 100 ms,
    // which a busy test machine can exceed between two lines of this file; 250 ms keeps the test about the
    // balancer rather than about the scheduler (in production the margin is 1 s on a 60 s window).
    config: poolConfig({ openai: keys.map((k) => ({ ...k, baseUrl: `${sim!.url}/v1` })) }, { windowMarginRatio: 0.125, windowMarginMaxMs: 250 }),
    log: silentLogger(),
  });
  client = new TestClient(server.grpcAddress);
  return { keys, sim, client };
}

/** Sends `load` times the pool's capacity for `seconds`, open loop; returns the provider's answers. */
async function drive(c: TestClient, load: number, seconds: number): Promise<number[]> {
  const capacityPerSecond = (KEYS * PER_KEY * 1000) / WINDOW_MS;
  const intervalMs = 1000 / (load * capacityPerSecond);
  const total = Math.round(load * capacityPerSecond * seconds);
  const statuses: number[] = [];
  const calls: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    // Open loop: requests start on schedule, whatever earlier ones are doing.
    const due = started + i * intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    calls.push(
      (async () => {
        const lease = await c.acquire({ provider: "openai", estimatedTokens: 50, maxWait: durationFromMs(30_000) }, 40_000);
        const t0 = Date.now();
        const res = await fetch(`${lease.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }),
        });
        const body = (await res.json()) as { usage?: { prompt_tokens: number; completion_tokens: number } };
        statuses.push(res.status);
        await c.report({
          leaseId: lease.leaseId,
          httpStatus: res.status,
          promptTokens: body.usage?.prompt_tokens ?? 0,
          completionTokens: body.usage?.completion_tokens ?? 0,
          latency: durationFromMs(Date.now() - t0),
        });
      })(),
    );
  }
  await Promise.all(calls);
  expect(statuses).toHaveLength(total);
  return statuses;
}

describe("traffic against a provider stand-in enforcing the same per-key limits", () => {
  it("at 90% of the pool's capacity never meets a 429, and every key serves", async () => {
    const { keys, sim: s, client: c } = await setup();
    const statuses = await drive(c, 0.9, 5);
    expect(s.stats().totals.rateLimited).toBe(0);
    expect(statuses.every((st) => st === 200)).toBe(true);
    for (const k of keys) {
      const ks = s.keyStats(k.id as string);
      expect(ks?.successes).toBeGreaterThan(0);
      expect(ks?.peakRequestsPerWindow).toBeLessThanOrEqual(PER_KEY);
    }
  });

  it("at 150% of capacity holds the excess back with max_wait: every call succeeds, still no 429", async () => {
    const { sim: s, client: c } = await setup();
    const statuses = await drive(c, 1.5, 3);
    expect(s.stats().totals.rateLimited).toBe(0);
    expect(statuses.every((st) => st === 200)).toBe(true);
    // Some key was driven to its limit, which is what this scenario is for.
    expect(Math.max(...Object.values(s.stats().byLabel).map((k) => k.peakRequestsPerWindow))).toBe(PER_KEY);
  });
});
