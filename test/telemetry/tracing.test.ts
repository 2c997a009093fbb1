import { Metadata, status } from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect } from "vitest";
import { durationFromMs, durationToMs } from "../../src/protocol/duration.js";
import { Outcome, type AcquireKeyRequest, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { tracingRequested } from "../../src/telemetry/tracing.js";
import { grpcError, type TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { StatsReader } from "../support/stats-stream.js";
import { waitUntil } from "../support/wait-until.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
let spans: InMemorySpanExporter;

async function start(keypool: Keypools, keys = fakeKeys(2)) {
  spans = new InMemorySpanExporter();
  const server = await keypool.start({ config: poolConfig({ openai: keys }), spanExporter: spans });
  return { server, client: keypool.connect(server.grpcAddress) };
}

/** AcquireKey with metadata (the TestClient helper sends none). */
function acquireWith(c: TestClient, req: Partial<AcquireKeyRequest>, metadata: Metadata): Promise<AcquireKeyResponse> {
  const full: AcquireKeyRequest = { provider: "", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "", ...req };
  return new Promise((resolve, reject) =>
    c.raw.acquireKey(full, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function finished(name: string) {
  return spans.getFinishedSpans().filter((s) => s.name === `keypool.v1.KeyPoolService/${name}`);
}

async function waitForSpans(name: string, count: number) {
  await waitUntil(() => finished(name).length >= count, `${count} ${name} span(s)`);
  return finished(name);
}

describe("RPC spans", () => {
  it("AcquireKey continues the caller's traceparent and carries provider, key, outcome, wait and status", async ({ keypool }) => {
    const { client: c } = await start(keypool);
    const md = new Metadata();
    md.set("traceparent", `00-${TRACE_ID}-${PARENT_ID}-01`);
    const lease = await acquireWith(c, { provider: "openai" }, md);
    const [span] = await waitForSpans("AcquireKey", 1);
    expect(span).toBeDefined();
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span!.parentSpanContext?.isRemote).toBe(true);
    expect(span!.attributes).toMatchObject({
      "rpc.system.name": "grpc",
      "rpc.system": "grpc",
      "rpc.service": "keypool.v1.KeyPoolService",
      "rpc.method": "keypool.v1.KeyPoolService/AcquireKey",
      "rpc.grpc.status_code": status.OK,
      "rpc.status_code": "OK",
      "network.peer.address": "127.0.0.1",
      "keypool.provider": "openai",
      "keypool.key_id": lease.keyId,
      "keypool.outcome": "granted",
      "keypool.wait_ms": 0,
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a call without trace context starts a new trace; ReportUsage spans carry the reported outcome", async ({ keypool }) => {
    const { client: c } = await start(keypool);
    const lease = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: lease.leaseId, httpStatus: 429, retryAfter: durationFromMs(1_000) });
    const [acquire] = await waitForSpans("AcquireKey", 1);
    expect(acquire!.parentSpanContext).toBeUndefined();
    const [report] = await waitForSpans("ReportUsage", 1);
    expect(report!.attributes).toMatchObject({
      "keypool.provider": "openai",
      "keypool.key_id": lease.keyId,
      "keypool.outcome": "rate_limited",
      "keypool.already_reported": false,
      "rpc.grpc.status_code": status.OK,
    });
  });

  it("a waited acquisition says how long; a refused one is 'exhausted' with its status, not a server error", async ({ keypool }) => {
    const { server, client: c } = await start(keypool, fakeKeys(1, { maxConcurrent: 1 }));
    const held = await c.acquire({ provider: "openai" });
    const waiting = c.acquire({ provider: "openai", maxWait: durationFromMs(5_000) });
    await waitUntil(() => server.pool.waitingCount("openai") === 1, "the acquisition to queue");
    await c.report({ leaseId: held.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    const second = await waiting;
    expect((await grpcError(c.acquire({ provider: "openai" }))).code).toBe(status.RESOURCE_EXHAUSTED);
    const acquires = await waitForSpans("AcquireKey", 3);
    const waited = acquires.find((s) => s.attributes["keypool.outcome"] === "waited");
    expect(waited?.attributes["keypool.key_id"]).toBe(second.keyId);
    // The span says how long the caller waited, as the answer did.
    expect(waited?.attributes["keypool.wait_ms"]).toBeGreaterThan(0);
    expect(waited?.attributes["keypool.wait_ms"]).toBeCloseTo(durationToMs(second.waited)!, 0);
    const refused = acquires.find((s) => s.attributes["keypool.outcome"] === "exhausted");
    expect(refused?.attributes).toMatchObject({ "rpc.grpc.status_code": status.RESOURCE_EXHAUSTED, "rpc.status_code": "RESOURCE_EXHAUSTED", "keypool.provider": "openai" });
    expect(refused?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("StreamStats has one span for the whole stream, ended when the client cancels", async ({ keypool }) => {
    const { client: c } = await start(keypool);
    const reader = new StatsReader(c, { intervalMs: 100 });
    await reader.waitFor(2);
    expect(finished("StreamStats")).toHaveLength(0);
    reader.cancel();
    const [span] = await waitForSpans("StreamStats", 1);
    expect(span?.attributes).toMatchObject({ "rpc.grpc.status_code": status.CANCELLED, "rpc.method": "keypool.v1.KeyPoolService/StreamStats" });
  });
});

describe("tracing from the environment", () => {
  it("is on only when an OTLP endpoint or a traces exporter is configured", () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBe(false);
  });
});
