import { afterEach, describe, expect } from "vitest";
import { durationFromMs, timestampToMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import type { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

// Limits scaled down so that a run takes seconds: 6 requests per 2 s per key,
// enforced the same way by keypool and by the provider stand-in.
const WINDOW_MS = 2_000;
const PER_KEY = 6;
const KEYS = 5;
// How long a lease stays counted beyond the window: keypool's guarantee holds for every request that reaches the
// provider within this time of its lease (the provider counts on arrival). Scaled with the window it would be 100 ms,
// which a busy test machine can exceed; 250 ms keeps the test about the balancer rather than about the scheduler
// (in production the margin is 1 s on a 60 s window).
const MARGIN_MS = 250;
// Asked for explicitly, so that the grant time can be read back from the lease's expiry.
const LEASE_TTL_MS = 60_000;

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
});

async function setup(keypool: Keypools) {
  const keys = fakeKeys(KEYS, { windows: [{ kind: "requests", limit: PER_KEY, perMs: WINDOW_MS }] });
  sim = await startSimulator({
    keys: Object.fromEntries(keys.map((k) => [k.secret, { rpm: PER_KEY, label: k.id as string }])),
    windowMs: WINDOW_MS,
    latency: { baseMs: 5, jitterMs: 20 },
  });
  const server = await keypool.start({
    config: poolConfig({ openai: keys.map((k) => ({ ...k, baseUrl: `${sim!.url}/v1` })) }, { windowMarginRatio: 0.125, windowMarginMaxMs: MARGIN_MS }),
  });
  return { keys, sim, client: keypool.connect(server.grpcAddress) };
}

interface Driven {
  /** The provider's answers. */
  statuses: number[];
  /**
   * The longest time from a lease's grant to its answer: an upper bound of the time it took to reach the provider.
   * On a machine loaded by other processes this can pass the margin; a request that arrives later than the margin
   * stays counted by the provider after keypool has let its slot go, and the next lease of that key can meet a 429.
   * (Two 429s at 90% were seen on a machine whose two cores were busy with other work.)
   */
  slowestArrivalMs: number;
}

/** Sends `load` times the pool's capacity for `seconds`, open loop. */
async function drive(c: TestClient, load: number, seconds: number): Promise<Driven> {
  const capacityPerSecond = (KEYS * PER_KEY * 1000) / WINDOW_MS;
  const intervalMs = 1000 / (load * capacityPerSecond);
  const total = Math.round(load * capacityPerSecond * seconds);
  const statuses: number[] = [];
  let slowestArrivalMs = 0;
  const calls: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    // Open loop: requests start on schedule, whatever earlier ones are doing.
    const due = started + i * intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    calls.push(
      (async () => {
        const lease = await c.acquire(
          { provider: "openai", estimatedTokens: 50, maxWait: durationFromMs(30_000), leaseTtl: durationFromMs(LEASE_TTL_MS) },
          40_000,
        );
        const grantedAt = timestampToMs(lease.expiresAt)! - LEASE_TTL_MS;
        const t0 = Date.now();
        const res = await fetch(`${lease.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }),
        });
        slowestArrivalMs = Math.max(slowestArrivalMs, Date.now() - grantedAt);
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
  return { statuses, slowestArrivalMs };
}

/**
 * No 429 while every request reached the provider within the margin of its lease. A 429 is accepted only when
 * some request arrived later than that, which is outside what keypool promises, not a failure of its limits.
 */
function expectNoRateLimit(s: Simulator, driven: Driven): void {
  const rateLimited = s.stats().totals.rateLimited;
  expect(driven.statuses.filter((st) => st !== 200 && st !== 429)).toEqual([]);
  expect(driven.statuses.filter((st) => st === 429)).toHaveLength(rateLimited);
  if (rateLimited > 0) expect(driven.slowestArrivalMs, `${rateLimited} × 429 with every request on time`).toBeGreaterThan(MARGIN_MS);
}

describe("traffic against a provider stand-in enforcing the same per-key limits", () => {
  it("at 90% of the pool's capacity meets no 429 while requests reach the provider within the window margin, and every key serves", async ({ keypool }) => {
    const { keys, sim: s, client: c } = await setup(keypool);
    expectNoRateLimit(s, await drive(c, 0.9, 5));
    for (const k of keys) {
      const ks = s.keyStats(k.id as string);
      expect(ks?.successes).toBeGreaterThan(0);
      expect(ks?.peakRequestsPerWindow).toBeLessThanOrEqual(PER_KEY);
    }
  });

  it("at 150% of capacity holds the excess back with max_wait: every call is answered, no 429 on requests that arrive within the margin", async ({ keypool }) => {
    const { sim: s, client: c } = await setup(keypool);
    expectNoRateLimit(s, await drive(c, 1.5, 3));
    // Some key was driven to its limit, which is what this scenario is for.
    expect(Math.max(...Object.values(s.stats().byLabel).map((k) => k.peakRequestsPerWindow))).toBe(PER_KEY);
  });
});
