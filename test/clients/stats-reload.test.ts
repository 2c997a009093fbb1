import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { KeyPoolError } from "../../clients/typescript/src/index.js";
import { client, keypool, simKeys, simulator } from "./harness.js";

describe("stats() and reload()", () => {
  it("stats() iterates snapshots showing the tokens reported through fetch; leaving the loop ends the call", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 5 });
    const keys = simKeys("st", 2, `${sim.url}/v1`);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai"), maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      const stream = await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "12345678" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _ of stream) void _;
    }
    let snapshots = 0;
    for await (const snapshot of pool.stats({ providers: ["openai"], intervalMs: 100 })) {
      snapshots += 1;
      const openaiStats = snapshot.providers.find((p) => p.provider === "openai");
      expect(openaiStats).toMatchObject({ requestsTotal: 3, successesTotal: 3, promptTokensTotal: sim.stats().totals.promptTokens, completionTokensTotal: 15 });
      if (snapshots === 2) break;
    }
    expect(snapshots).toBe(2);
  });

  it("stats() ends quietly when its signal aborts", async () => {
    const server = await keypool({ openai: simKeys("st2", 1, "http://127.0.0.1:9") });
    const pool = client(server.grpcAddress);
    const abort = new AbortController();
    let seen = 0;
    for await (const _ of pool.stats({ intervalMs: 100, signal: abort.signal })) {
      seen += 1;
      if (seen === 3) abort.abort();
    }
    expect(seen).toBe(3);
  });

  it("reload() applies a document and returns the diff; a broken one is INVALID_ARGUMENT naming the problem", async () => {
    const server = await keypool({ openai: simKeys("rel", 1, "http://127.0.0.1:9") });
    const pool = client(server.grpcAddress);
    const doc = { openai: { keys: [{ key: "sk-test-rel-0001", id: "k1" }, { key: "sk-test-rel-0002", id: "k2" }] } };
    const diff = await pool.reload(JSON.stringify(doc));
    expect(diff.addedKeyIds).toEqual(["openai/k2"]);
    expect(diff.configGeneration).toBeGreaterThan(1);
    const err = await pool.reload(JSON.stringify({ openai: { keys: [{ key: "sk-test-rel-0001", rpm: -1 }] } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyPoolError);
    expect(err).toMatchObject({ codeName: "INVALID_ARGUMENT" });
    expect((err as Error).message).toMatch(/rpm/);
    expect((err as Error).message).not.toContain("sk-test-rel-0001");
  });
});
