import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../support/prometheus-text.js";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";
import { waitUntil } from "../support/wait-until.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Observe me." }] };
const CLIENT_TOKEN = "kp-test-client-token-0003";

describe("proxy traffic in the statistics, metrics and traces", () => {
  it("a proxied call is a span continuing the caller's trace, and shows in /metrics and /v1/stats like a gRPC lease", async () => {
    const sim = await simulator({ completionTokens: 4 });
    const keys = simKeys(sim, "obs", 2, `${sim.url}/v1`);
    sim.failNext(keys[0]!.secret, 429, { retryAfterSeconds: 30 });
    const spans = new InMemorySpanExporter();
    const server = await keypoolProxy(
      { openai: keys },
      { spanExporter: spans, adminListen: "127.0.0.1:0", clients: [{ name: "obs-app", token: CLIENT_TOKEN, providers: ["openai"], admin: true }] },
    );
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const openai = new OpenAI({
      apiKey: CLIENT_TOKEN,
      baseURL: `${server.proxyUrl}/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await openai.chat.completions.create(chat);
    await waitUntil(() => spans.getFinishedSpans().length === 1, "the proxy span");
    const span = spans.getFinishedSpans()[0]!;
    expect(span.name).toBe("POST /openai/*");
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/openai/*",
      "http.response.status_code": 200,
      "keypool.provider": "openai",
      "keypool.key_id": "k2",
      "keypool.attempts": 2,
      "keypool.outcome": "success",
      "keypool.client": "obs-app",
    });
    expect(JSON.stringify(span.attributes)).not.toContain(CLIENT_TOKEN);
    expect(JSON.stringify(span.attributes)).not.toContain("sk-test-");

    const metrics = parsePrometheusText(await (await fetch(`http://${server.adminAddress}/metrics`, { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } })).text());
    const value = (name: string, labels: Record<string, string>) =>
      metrics.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value("keypool_leases_total", { provider: "openai", key_id: "k1", outcome: "rate_limited" })).toBe(1);
    expect(value("keypool_leases_total", { provider: "openai", key_id: "k2", outcome: "success" })).toBe(1);
    expect(value("keypool_tokens_total", { provider: "openai", key_id: "k2", kind: "completion" })).toBe(4);
    expect(value("keypool_acquisitions_total", { provider: "openai", result: "granted" })).toBe(2);
    expect(value("keypool_key_state", { provider: "openai", key_id: "k1" })).toBe(2);

    const stats = server.pool.snapshot(["openai"]).providers[0]!;
    expect(stats).toMatchObject({ requestsTotal: 2, successesTotal: 1, rateLimitedTotal: 1, completionTokensTotal: 4 });
    expect(poolKeys(server, "openai")["k1"]).toMatchObject({ state: "cooling_down" });
  });

  it("a refused request has a span with its status, and the span never records the query (a Gemini client may put its token there)", async () => {
    const sim = await simulator();
    const spans = new InMemorySpanExporter();
    const server = await keypoolProxy({ google: simKeys(sim, "span", 1, sim.url) }, { spanExporter: spans, clients: [{ name: "g", token: CLIENT_TOKEN, providers: ["google"] }] });
    const res = await fetch(`${server.proxyUrl}/google/v1beta/models/gemini-2.5-flash:generateContent?key=kp-test-wrong-token-0000`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    const ok = await fetch(`${server.proxyUrl}/google/v1beta/models/gemini-2.5-flash:generateContent?key=${CLIENT_TOKEN}`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(ok.status).toBe(200);
    await waitUntil(() => spans.getFinishedSpans().length === 2, "two spans");
    const [refused, served] = spans.getFinishedSpans();
    expect(refused!.attributes).toMatchObject({ "http.response.status_code": 401, "error.type": "invalid_client_token" });
    expect(served!.attributes).toMatchObject({ "http.response.status_code": 200, "keypool.outcome": "success" });
    const recorded = JSON.stringify(spans.getFinishedSpans().map((s) => [s.name, s.attributes]));
    expect(recorded).not.toContain("kp-test-");
    expect(recorded).not.toContain("key=");
  });
});
