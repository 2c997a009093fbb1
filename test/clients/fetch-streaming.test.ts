import { describe, expect, it } from "vitest";
import { client, keypool, poolCounters, simKeys, simulator } from "./harness.js";
import { waitUntil } from "../support/wait-until.js";
import { readStreamedChat } from "../support/streamed-text.js";

const body = (stream: boolean) =>
  JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "12345678" }], stream, stream_options: { include_usage: true } });

describe("pool.fetch with streamed responses", () => {
  it("hands each SSE chunk on as it arrives and reports when the caller has read the end", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 10, latency: { perTokenMs: 40 } });
    const keys = simKeys("sse", 1, `${sim.url}/v1`);
    sim.addKey(keys[0]!.secret, { label: "k1" });
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const started = performance.now();
    const res = await pool.fetch("openai")("https://api.openai.com/v1/chat/completions", { method: "POST", body: body(true), headers: { "content-type": "application/json" } });
    const read = await readStreamedChat(res.body!, sim, server.pool);
    expect(read).toMatchObject({ providerBusyAtFirstToken: true, openLeasesAtFirstToken: 1 });
    const whole = read.text;
    expect(performance.now() - started).toBeGreaterThanOrEqual(360);
    expect(whole.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(poolCounters(server, "openai")["k1"]).toMatchObject({ promptTokens: sim.keyStats("k1")!.promptTokens, completionTokens: 10, byOutcome: { success: 1 } });
    expect(read.openLeasesAtEnd).toBe(0);
  });

  it("a stream the caller cancels is reported as cancelled, and the provider connection is closed", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 50, latency: { perTokenMs: 20 } });
    const keys = simKeys("cancel", 1, `${sim.url}/v1`);
    sim.addKey(keys[0]!.secret, { label: "k1" });
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const res = await pool.fetch("openai")("https://api.openai.com/v1/chat/completions", { method: "POST", body: body(true) });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(poolCounters(server, "openai")["k1"]?.byOutcome).toEqual({ cancelled: 1 });
    expect(server.pool.openLeaseCount()).toBe(0);
    await waitUntil(() => sim.keyStats("k1")!.clientDisconnects >= 1, "the simulator to see the upstream request end");
    expect(sim.keyStats("k1")?.clientDisconnects).toBe(1);
  });
});
