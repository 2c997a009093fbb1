import { Writable } from "node:stream";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/telemetry/logger.js";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";

const CLIENT_TOKEN = "kp-test-client-token-secret-0004";

describe("nothing the proxy outputs carries a secret", () => {
  it("answers, headers, logs (at debug) and spans of successes and every kind of failure hold neither a pool key nor the client token", async () => {
    let logs = "";
    const log = createLogger({ level: "debug", destination: new Writable({ write: (chunk: Buffer, _enc, done) => ((logs += chunk.toString()), done()) }) });
    const sim = await simulator({ completionTokens: 3 });
    const keys = simKeys(sim, "nosecret", 4, `${sim.url}/v1`, { maxConcurrent: 1 });
    const dead = { id: "a0", secret: "sk-test-nosecret-unreachable-0001", baseUrl: "http://127.0.0.1:9/v1", maxConcurrent: 1 };
    // The slow provider answers long after the upstream timeout, which stays well above what a loaded machine adds
    // to the other providers' answers: only slowai times out.
    const slow = await simulator({ latency: { baseMs: 60_000 } });
    const slowKey = { id: "slow", secret: "sk-test-nosecret-slow-0001", baseUrl: `${slow.url}/v1` };
    slow.addKey(slowKey.secret, { label: "slow" });
    sim.revoke(keys[0]!.secret);
    sim.failNext(keys[1]!.secret, 429, { retryAfterSeconds: 30 });
    const spans = new InMemorySpanExporter();
    const server = await keypoolProxy(
      { openai: [dead, ...keys], slowai: [slowKey] },
      { log, spanExporter: spans, proxy: { upstreamTimeoutMs: 2_000 }, clients: [{ name: "app", token: CLIENT_TOKEN, providers: ["openai", "slowai"] }] },
    );
    const outputs: string[] = [];
    const call = async (path: string, token: string, body: unknown) => {
      const res = await fetch(`${server.proxyUrl}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      outputs.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
      return res.status;
    };
    const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
    const statuses = [
      await call("/openai/v1/chat/completions", CLIENT_TOKEN, chat),
      await call("/openai/v1/chat/completions", CLIENT_TOKEN, { ...chat, stream: true }),
      await call("/openai/v1/chat/completions", "kp-test-wrong-token-0000", chat),
      await call("/slowai/v1/chat/completions", CLIENT_TOKEN, chat),
      await call("/nosuch/v1/chat/completions", CLIENT_TOKEN, chat),
    ];
    // A provider outside the token's scope is a 403 whether or not it exists: nothing is revealed.
    expect(statuses).toEqual([200, 200, 401, 504, 403]);
    // The failures on the way: the revoked key, the rate-limited one and the unreachable one were each met once.
    expect(sim.keyStats("k1")).toMatchObject({ unauthorized: 1 });
    expect(sim.keyStats("k2")).toMatchObject({ rateLimited: 1 });
    expect(poolKeys(server, "openai")["a0"]?.byOutcome).toEqual({ server_error: 1 });
    const recorded = [...outputs, logs, JSON.stringify(spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]))].join("\n");
    expect(logs).toContain("key disabled");
    for (const secret of [CLIENT_TOKEN, dead.secret, slowKey.secret, ...keys.map((k) => k.secret)]) expect(recorded).not.toContain(secret);
    expect(sim.stats().seenCredentials.has(CLIENT_TOKEN)).toBe(false);
  });
});
