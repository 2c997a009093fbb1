import { status } from "@grpc/grpc-js";
import { describe, expect } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { grpcError } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { StatsReader } from "../support/stats-stream.js";
import { it } from "../support/keypool-fixture.js";

async function scrape(server: KeypoolServer) {
  const res = await fetch(`http://${server.adminAddress}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return parsePrometheusText(await res.text());
}

describe("/metrics", () => {
  it("parses as Prometheus text and has every instrument, with the right values for a known workload", async ({ keypool }) => {
    const server = await keypool.start({
      adminListen: "127.0.0.1:0",
      config: poolConfig({
        openai: fakeKeys(3),
        solo: [{ id: "s1", secret: "sk-test-solo-0001", maxConcurrent: 1 }],
        off: [{ id: "d1", secret: "sk-test-off-00001", enabled: false }],
      }),
    });
    const c = keypool.connect(server.grpcAddress);
    // Six successes, two per key, with tokens and a 200 ms upstream latency each.
    for (let i = 0; i < 6; i++) {
      const l = await c.acquire({ provider: "openai" });
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 10, completionTokens: 5, latency: durationFromMs(200) });
    }
    // A 429 puts k1 in cooldown; the next lease stays open.
    const limited = await c.acquire({ provider: "openai" });
    expect(limited.keyId).toBe("k1");
    await c.report({ leaseId: limited.leaseId, httpStatus: 429, retryAfter: durationFromMs(60_000), latency: durationFromMs(3_000) });
    const open = await c.acquire({ provider: "openai" });
    // solo: one granted, one refused for lack of capacity; off: refused because every key is disabled.
    await c.acquire({ provider: "solo" });
    expect((await grpcError(c.acquire({ provider: "solo" }))).code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await grpcError(c.acquire({ provider: "off" }))).code).toBe(status.FAILED_PRECONDITION);
    // A rejected and an unchanged reload, through the reload path.
    await server.reloader.applyDocument("{ not json", "api").catch(() => undefined);
    server.metrics.recordReload("unchanged");
    const stats = new StatsReader(c, {});
    await stats.waitFor(1);

    const m = await scrape(server);
    const families = [
      ["keypool_acquisitions_total", "counter"],
      ["keypool_leases_total", "counter"],
      ["keypool_tokens_total", "counter"],
      ["keypool_upstream_latency_seconds", "histogram"],
      ["keypool_leases_in_flight", "gauge"],
      ["keypool_key_state", "gauge"],
      ["keypool_key_utilization", "gauge"],
      ["keypool_balance_ratio", "gauge"],
      ["keypool_reloads_total", "counter"],
      ["keypool_stats_subscribers", "gauge"],
    ] as const;
    for (const [name, type] of families) {
      expect(m.types.get(name), name).toBe(type);
      expect(m.help.get(name)?.length ?? 0, `${name} has a description`).toBeGreaterThan(10);
    }
    const v = (name: string, labels: Record<string, string>) => sampleValue(m, name, labels);
    expect(v("keypool_acquisitions_total", { provider: "openai", result: "granted" })).toBe(8);
    expect(v("keypool_acquisitions_total", { provider: "openai", result: "exhausted" })).toBe(0);
    expect(v("keypool_acquisitions_total", { provider: "solo", result: "granted" })).toBe(1);
    expect(v("keypool_acquisitions_total", { provider: "solo", result: "exhausted" })).toBe(1);
    expect(v("keypool_acquisitions_total", { provider: "off", result: "error" })).toBe(1);
    for (const key of ["k1", "k2", "k3"]) {
      expect(v("keypool_leases_total", { key_id: key, outcome: "success" })).toBe(2);
      expect(v("keypool_tokens_total", { key_id: key, kind: "prompt" })).toBe(20);
      expect(v("keypool_tokens_total", { key_id: key, kind: "completion" })).toBe(10);
    }
    expect(v("keypool_leases_total", { provider: "openai", key_id: "k1", outcome: "rate_limited" })).toBe(1);
    expect(v("keypool_upstream_latency_seconds_count", { key_id: "k1" })).toBe(3);
    expect(v("keypool_upstream_latency_seconds_sum", { key_id: "k1" })).toBeCloseTo(3.4);
    expect(v("keypool_upstream_latency_seconds_bucket", { key_id: "k1", le: "0.25" })).toBe(2);
    expect(v("keypool_upstream_latency_seconds_bucket", { key_id: "k1", le: "+Inf" })).toBe(3);
    expect(v("keypool_leases_in_flight", { key_id: open.keyId })).toBe(1);
    expect(v("keypool_leases_in_flight", { provider: "solo", key_id: "s1" })).toBe(1);
    expect(v("keypool_key_state", { key_id: "k1" })).toBe(2);
    expect(v("keypool_key_state", { key_id: "k2" })).toBe(1);
    expect(v("keypool_key_state", { key_id: "d1" })).toBe(4);
    expect(v("keypool_key_utilization", { key_id: "s1" })).toBe(1);
    expect(v("keypool_key_utilization", { key_id: "k2" })).toBe(0);
    // k2 and k3 are the active keys, with 3 and 2 requests (or 2 and 3) in the window.
    expect(v("keypool_balance_ratio", { provider: "openai" })).toBeCloseTo(2 / 3);
    expect(v("keypool_reloads_total", { result: "rejected" })).toBe(1);
    expect(v("keypool_reloads_total", { result: "unchanged" })).toBe(1);
    expect(v("keypool_reloads_total", { result: "applied" })).toBe(0);
    expect(v("keypool_stats_subscribers", { transport: "grpc" })).toBe(1);
    // Labels are provider, key id and small fixed sets only.
    const allowed = new Set(["provider", "key_id", "result", "outcome", "kind", "le", "transport", "source", "holder", "model", "dimension", "window_seconds"]);
    for (const s of m.samples.filter((x) => x.name.startsWith("keypool_"))) {
      for (const label of Object.keys(s.labels)) expect(allowed.has(label), `${s.name} label ${label}`).toBe(true);
    }
    stats.cancel();
  });
});
