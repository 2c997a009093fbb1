import { Writable } from "node:stream";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome, StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { poolConfig } from "../support/pool-config.js";
import { runCli } from "../support/run-cli.js";
import { SseReader } from "../support/sse.js";
import { StatsReader } from "../support/stats-stream.js";
import { it } from "../support/keypool-fixture.js";

const SECRETS = ["sk-test-SECRETaaaa-0001", "sk-test-SECRETbbbb-0002", "AIzaSyTest-SECRETcccc-000000001"];
/** Parts of the secrets that must not show even when the whole does not. */
const FRAGMENTS = ["SECRETaaaa", "SECRETbbbb", "SECRETcccc"];

function expectNoSecret(surface: string, text: string): void {
  expect(text.length, `${surface} is not empty`).toBeGreaterThan(0);
  for (const s of [...SECRETS, ...FRAGMENTS]) expect(text, `${surface} carries a secret`).not.toContain(s);
}

describe("no output carries a secret", () => {
  it("not /metrics, /v1/stats, the SSE stream, StreamStats, spans, logs, nor `keypool stats`", async ({ keypool }) => {
    const logLines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const spans = new InMemorySpanExporter();
    const server = await keypool.start({
      adminListen: "127.0.0.1:0",
      config: poolConfig({
        openai: [
          { id: "a", secret: SECRETS[0]! },
          { id: "b", secret: SECRETS[1]! },
        ],
        google: [{ id: "g", secret: SECRETS[2]! }],
      }),
      log: createLogger({ level: "debug", destination }),
      spanExporter: spans,
    });
    const c = keypool.connect(server.grpcAddress);
    // Every kind of traffic, including provider error text that quotes the secret.
    for (let i = 0; i < 4; i++) {
      const l = await c.acquire({ provider: "openai", estimatedTokens: 10 });
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 5, latency: durationFromMs(120) });
    }
    const bad = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: bad.leaseId, httpStatus: 401, errorMessage: `Incorrect API key provided: ${bad.apiKey}` });
    const limited = await c.acquire({ provider: "google" });
    await c.report({ leaseId: limited.leaseId, httpStatus: 429, retryAfter: durationFromMs(5_000), errorMessage: `quota for key=${limited.apiKey}` });

    const base = `http://${server.adminAddress}`;
    expectNoSecret("/metrics", await (await fetch(`${base}/metrics`)).text());
    const stats = await (await fetch(`${base}/v1/stats`)).text();
    expectNoSecret("/v1/stats", stats);
    expect(stats).toContain("[redacted]");

    const sseRes = await fetch(`${base}/v1/stats/stream`);
    const sse = new SseReader(sseRes.body!);
    expectNoSecret("SSE", (await sse.waitFor(1)).data);
    await sse.cancel();

    const reader = new StatsReader(c, {});
    const message = await reader.waitFor(1);
    reader.cancel();
    expectNoSecret("StreamStats", JSON.stringify(StreamStatsResponse.toJSON(message)) + Buffer.from(StreamStatsResponse.encode(message).finish()).toString("latin1"));

    const table = await runCli(["stats", "--target", server.grpcAddress]);
    expect(table.code).toBe(0);
    expectNoSecret("keypool stats", table.stdout + table.stderr);
    const json = await runCli(["stats", "--target", server.grpcAddress, "--json"]);
    expect(json.code).toBe(0);
    expectNoSecret("keypool stats --json", json.stdout + json.stderr);

    await server.stop(1_000);
    const spanText = JSON.stringify(spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(spans.getFinishedSpans().length).toBeGreaterThanOrEqual(12);
    expectNoSecret("spans", spanText);
    expectNoSecret("logs", logLines.join(""));
  });
});
