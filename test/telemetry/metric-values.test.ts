import { status } from "@grpc/grpc-js";
import { describe, expect } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { grpcError } from "../support/grpc-client.js";
import { it } from "../support/keypool-fixture.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { parsePrometheusText } from "../support/prometheus-text.js";
import { waitUntil } from "../support/wait-until.js";

const HOUR = 3_600_000;

/** Every keypool_* sample of /metrics as `name{label="value",...} value`, labels sorted, lines sorted. */
async function keypoolSamples(server: KeypoolServer): Promise<string[]> {
  const res = await fetch(`http://${server.adminAddress}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text())
    .samples.filter((s) => s.name.startsWith("keypool_"))
    .map((s) => {
      const labels = Object.entries(s.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      return `${s.name}{${labels}} ${s.value}`;
    })
    .sort();
}

/*
 * The values every instrument reported for this script before counters became
 * plain numbers read at scrape time: the exposition must not change with how
 * the numbers are kept. Gauges are included, so that the whole page is held.
 */
const EXPECTED = [
  'keypool_acquisitions_total{provider="openai",result="error"} 0',
  'keypool_acquisitions_total{provider="openai",result="exhausted"} 0',
  'keypool_acquisitions_total{provider="openai",result="granted"} 6',
  'keypool_acquisitions_total{provider="openai",result="waited"} 0',
  'keypool_acquisitions_total{provider="solo",result="error"} 0',
  'keypool_acquisitions_total{provider="solo",result="exhausted"} 1',
  'keypool_acquisitions_total{provider="solo",result="granted"} 2',
  'keypool_acquisitions_total{provider="solo",result="waited"} 1',
  'keypool_acquisitions_waiting{provider="openai"} 0',
  'keypool_acquisitions_waiting{provider="solo"} 0',
  'keypool_balance_ratio{provider="openai"} 1',
  'keypool_balance_ratio{provider="solo"} 1',
  'keypool_key_state{key_id="k1",provider="openai"} 2',
  'keypool_key_state{key_id="k2",provider="openai"} 4',
  'keypool_key_state{key_id="k3",provider="openai"} 1',
  'keypool_key_state{key_id="s1",provider="solo"} 1',
  'keypool_key_utilization{key_id="k1",provider="openai"} 0',
  'keypool_key_utilization{key_id="k2",provider="openai"} 0',
  'keypool_key_utilization{key_id="k3",provider="openai"} 0',
  'keypool_key_utilization{key_id="s1",provider="solo"} 0',
  'keypool_leases_in_flight{key_id="k1",provider="openai"} 0',
  'keypool_leases_in_flight{key_id="k2",provider="openai"} 0',
  'keypool_leases_in_flight{key_id="k3",provider="openai"} 0',
  'keypool_leases_in_flight{key_id="s1",provider="solo"} 0',
  'keypool_leases_total{key_id="k1",outcome="rate_limited",provider="openai"} 1',
  'keypool_leases_total{key_id="k1",outcome="success",provider="openai"} 1',
  'keypool_leases_total{key_id="k2",outcome="success",provider="openai"} 1',
  'keypool_leases_total{key_id="k2",outcome="unauthorized",provider="openai"} 1',
  'keypool_leases_total{key_id="k3",outcome="expired",provider="openai"} 1',
  'keypool_leases_total{key_id="k3",outcome="success",provider="openai"} 1',
  'keypool_leases_total{key_id="s1",outcome="expired",provider="solo"} 2',
  'keypool_leases_total{key_id="s1",outcome="success",provider="solo"} 1',
  'keypool_reloads_total{result="applied"} 0',
  'keypool_reloads_total{result="rejected"} 0',
  'keypool_reloads_total{result="unchanged"} 0',
  'keypool_report_limits_total{client="anonymous",key_id="k1",limit="retry_after_clamped",provider="openai"} 1',
  'keypool_stats_subscribers{transport="grpc"} 0',
  'keypool_stats_subscribers{transport="sse"} 0',
  'keypool_store_degraded{} 0',
  'keypool_tokens_total{key_id="k1",kind="completion",provider="openai"} 5',
  'keypool_tokens_total{key_id="k1",kind="prompt",provider="openai"} 10',
  'keypool_tokens_total{key_id="k2",kind="completion",provider="openai"} 5',
  'keypool_tokens_total{key_id="k2",kind="prompt",provider="openai"} 10',
  'keypool_tokens_total{key_id="k3",kind="completion",provider="openai"} 5',
  'keypool_tokens_total{key_id="k3",kind="prompt",provider="openai"} 10',
  'keypool_tokens_total{key_id="s1",kind="prompt",provider="solo"} 7',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="+Inf",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="0.05",provider="openai"} 0',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="0.1",provider="openai"} 0',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="0.25",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="0.5",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="1",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="10",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="120",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="2.5",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="20",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="30",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="300",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="5",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k1",le="60",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="+Inf",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="0.05",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="0.1",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="0.25",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="0.5",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="1",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="10",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="120",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="2.5",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="20",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="30",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="300",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="5",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k2",le="60",provider="openai"} 2',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="+Inf",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="0.05",provider="openai"} 0',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="0.1",provider="openai"} 0',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="0.25",provider="openai"} 0',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="0.5",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="1",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="10",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="120",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="2.5",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="20",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="30",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="300",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="5",provider="openai"} 1',
  'keypool_upstream_latency_seconds_bucket{key_id="k3",le="60",provider="openai"} 1',
  'keypool_upstream_latency_seconds_count{key_id="k1",provider="openai"} 2',
  'keypool_upstream_latency_seconds_count{key_id="k2",provider="openai"} 2',
  'keypool_upstream_latency_seconds_count{key_id="k3",provider="openai"} 1',
  'keypool_upstream_latency_seconds_sum{key_id="k1",provider="openai"} 2.15',
  'keypool_upstream_latency_seconds_sum{key_id="k2",provider="openai"} 0.33999999999999997',
  'keypool_upstream_latency_seconds_sum{key_id="k3",provider="openai"} 0.45',
];

describe("/metrics values for a scripted sequence of calls", () => {
  it("reports the same value on every instrument as before", async ({ keypool }) => {
    const clock = new ManualClock();
    const server = await keypool.start({
      adminListen: "127.0.0.1:0",
      clock,
      config: poolConfig({ openai: fakeKeys(3), solo: [{ id: "s1", secret: "sk-test-solo-0001", maxConcurrent: 1 }] }),
    });
    const c = keypool.connect(server.grpcAddress);
    // Three successes, one per key, each with tokens and a latency.
    for (let i = 0; i < 3; i++) {
      const l = await c.acquire({ provider: "openai" });
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 10, completionTokens: 5, latency: durationFromMs(150 * (i + 1)) });
    }
    // A 429 asking for ten hours: k1 cools down for the cap, and the clamp is counted.
    const limited = await c.acquire({ provider: "openai" });
    expect(limited.keyId).toBe("k1");
    await c.report({ leaseId: limited.leaseId, httpStatus: 429, retryAfter: durationFromMs(10 * HOUR), latency: durationFromMs(2_000) });
    // A 401 disables k2.
    const denied = await c.acquire({ provider: "openai" });
    expect(denied.keyId).toBe("k2");
    await c.report({ leaseId: denied.leaseId, httpStatus: 401, latency: durationFromMs(40) });
    // k3 is leased and left to expire.
    const forgotten = await c.acquire({ provider: "openai", leaseTtl: durationFromMs(30_000) });
    expect(forgotten.keyId).toBe("k3");

    // solo: one lease held, a refusal, then a wait that the held lease's report ends.
    const held = await c.acquire({ provider: "solo" });
    expect((await grpcError(c.acquire({ provider: "solo" }))).code).toBe(status.RESOURCE_EXHAUSTED);
    const waiting = c.acquire({ provider: "solo", maxWait: durationFromMs(5_000), leaseTtl: durationFromMs(30_000) });
    await waitUntil(() => server.pool.waitingCount("solo") === 1, "the acquisition to queue");
    clock.advance(250);
    await c.report({ leaseId: held.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 7 });
    const waited = await waiting;
    expect(waited.waited).toEqual(durationFromMs(250));
    // The waiter's lease and k3's expire: their TTLs pass without a report.
    clock.advance(31_000);
    const solo2 = await c.acquire({ provider: "solo", leaseTtl: durationFromMs(1_000) });
    clock.advance(2_000);
    expect(solo2.keyId).toBe("s1");
    // Every lease has left its minute window (the balance ratio and utilization read them).
    clock.advance(120_000);

    expect(await keypoolSamples(server)).toEqual(EXPECTED);
  });
});
