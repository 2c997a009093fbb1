import { describe, expect } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import type { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { StatsReader } from "../support/stats-stream.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

/** A keypool of five keys with the admin server, and a client of it. */
async function start(keypool: Keypools) {
  const server = await keypool.start({ adminListen: "127.0.0.1:0", config: poolConfig({ openai: fakeKeys(5) }) });
  return { server, client: keypool.connect(server.grpcAddress) };
}

/** The balance ratio as StreamStats, GET /v1/stats and /metrics each show it. */
async function balanceEverywhere(server: KeypoolServer, c: TestClient) {
  const reader = new StatsReader(c, {});
  const streamed = (await reader.waitFor(1)).providers[0]!;
  reader.cancel();
  const base = `http://${server.adminAddress}`;
  const json = (await (await fetch(`${base}/v1/stats`)).json()) as { providers: { balance_ratio: number; balance_ratio_total: number; requests_total: number }[] };
  const metrics = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
  return {
    stream: streamed.balanceRatio,
    streamTotal: streamed.balanceRatioTotal,
    requests: streamed.requestsTotal,
    http: json.providers[0]!.balance_ratio,
    httpTotal: json.providers[0]!.balance_ratio_total,
    metrics: sampleValue(metrics, "keypool_balance_ratio", { provider: "openai" }),
  };
}

async function run(c: TestClient, n: number, concurrency: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const l = await c.acquire({ provider: "openai", estimatedTokens: 100 });
        await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 80, completionTokens: 20 });
      }
    }),
  );
}

describe("balance ratio on every surface", () => {
  it("ten acquisitions over five keys: exactly 1.0 in StreamStats, /v1/stats and /metrics", async ({ keypool }) => {
    const { server, client: c } = await start(keypool);
    await run(c, 10, 1);
    expect(await balanceEverywhere(server, c)).toEqual({ stream: 1, streamTotal: 1, requests: 10, http: 1, httpTotal: 1, metrics: 1 });
  });

  it("1,000 acquisitions reported as successes over five keys: at least 0.99 in StreamStats, /v1/stats and /metrics", async ({ keypool }) => {
    const { server, client: c } = await start(keypool);
    await run(c, 1_000, 8);
    const b = await balanceEverywhere(server, c);
    expect(b.requests).toBe(1_000);
    for (const value of [b.stream, b.streamTotal, b.http, b.httpTotal, b.metrics]) expect(value).toBeGreaterThanOrEqual(0.99);
  });
});
