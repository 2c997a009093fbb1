import { describe, expect, it } from "vitest";
import { post, start } from "./helpers.js";

const OPENAI = "sk-sim-listing-openai-0001";
const ANTHROPIC = "sk-ant-sim-listing-0001";
const GEMINI = "AIzaSim-listing-gemini-0001";

async function get(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, any>, text };
}

describe("model listings, the cheapest authenticated call", () => {
  it("answers each dialect's listing with its rate-limit headers, without counting against the limits", async () => {
    const { sim } = await start({ keys: { [OPENAI]: { rpm: 1 }, [ANTHROPIC]: { rpm: 3 }, [GEMINI]: { rpm: 1 } } });

    for (let i = 0; i < 3; i++) {
      const openai = await get(`${sim.url}/v1/models`, { authorization: `Bearer ${OPENAI}` });
      expect(openai.status).toBe(200);
      expect(openai.body["object"]).toBe("list");
      expect(openai.body["data"].map((m: { id: string }) => m.id)).toContain("gpt-4o-mini");
      expect(openai.headers.get("x-ratelimit-limit-requests")).toBe("1");
      expect(openai.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    }
    // The listings took nothing of the key's one request a minute.
    expect((await post(`${sim.url}/v1/chat/completions`, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${OPENAI}` })).status).toBe(200);

    const anthropic = await get(`${sim.url}/v1/models`, { "x-api-key": ANTHROPIC, "anthropic-version": "2023-06-01" });
    expect(anthropic.status).toBe(200);
    expect(anthropic.body["data"][0]).toMatchObject({ type: "model" });
    expect(anthropic.headers.get("anthropic-ratelimit-requests-limit")).toBe("3");

    const gemini = await get(`${sim.url}/v1beta/models`, { "x-goog-api-key": GEMINI });
    expect(gemini.status).toBe(200);
    expect(gemini.body["models"].map((m: { name: string }) => m.name)).toContain("models/gemini-2.5-pro");
    expect(sim.keyStats(OPENAI)).toMatchObject({ requests: 4, successes: 4, rateLimited: 0 });
  });

  it("refuses a revoked key as each provider does, masked, and passes on a queued failure", async () => {
    const { sim } = await start({ keys: { [OPENAI]: {}, [ANTHROPIC]: {}, [GEMINI]: {} } });
    for (const secret of [OPENAI, ANTHROPIC, GEMINI]) sim.revoke(secret);

    const openai = await get(`${sim.url}/v1/models`, { authorization: `Bearer ${OPENAI}` });
    expect(openai.status).toBe(401);
    expect(openai.body["error"]["code"]).toBe("invalid_api_key");
    const anthropic = await get(`${sim.url}/v1/models`, { "x-api-key": ANTHROPIC, "anthropic-version": "2023-06-01" });
    expect(anthropic.status).toBe(401);
    expect(anthropic.body["error"]["type"]).toBe("authentication_error");
    const gemini = await get(`${sim.url}/v1beta/models?key=${GEMINI}`, {});
    expect(gemini.status).toBe(400);
    expect(gemini.text).toContain("API_KEY_INVALID");
    for (const [reply, secret] of [[openai, OPENAI], [anthropic, ANTHROPIC], [gemini, GEMINI]] as const) expect(reply.text).not.toContain(secret);

    sim.restore(OPENAI);
    sim.failNext(OPENAI, 429, { retryAfterSeconds: 7 });
    const limited = await get(`${sim.url}/v1/models`, { authorization: `Bearer ${OPENAI}` });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
  });
});
