import { describe, expect, it } from "vitest";
import { parseRateLimits } from "../../src/provider-http/rate-limits/parse-rate-limits.js";
import { bearer, chatBody, post, start, type Reply } from "./helpers.js";

const [a, b, c] = ["sk-test-shared-key-000a", "sk-test-shared-key-000b", "sk-test-shared-key-000c"];
const chat = (url: string, secret: string, model = "gpt-4o-mini") => post(`${url}/v1/chat/completions`, chatBody({ model }), bearer(secret));
const gemini = (url: string, secret: string, model: string) =>
  post(`${url}/v1beta/models/${model}:generateContent`, { contents: [{ parts: [{ text: "12345678" }] }] }, { "x-goog-api-key": secret });

function headersOf(reply: Reply): Record<string, string> {
  return Object.fromEntries(reply.headers.entries());
}

async function statuses(n: number, send: () => Promise<Reply>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send()).status);
  return out;
}

describe("projects: limits shared by their keys", () => {
  it("two keys of a project with rpm 10 get 10 together; a key outside carries on", async () => {
    const { sim } = await start({
      projects: { "proj-a": { rpm: 10 } },
      keys: { [a]: { project: "proj-a", rpm: 100 }, [b]: { project: "proj-a" }, [c]: { rpm: 100 } },
    });
    const first = await statuses(6, () => chat(sim.url, a));
    const second = await statuses(6, () => chat(sim.url, b));
    expect(first).toEqual([200, 200, 200, 200, 200, 200]);
    expect(second).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await chat(sim.url, a);
    expect(refused.status).toBe(429);
    // The headers report the tighter, shared limit, not the key's own rpm 100.
    expect(refused.headers.get("x-ratelimit-limit-requests")).toBe("10");
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(await statuses(5, () => chat(sim.url, c))).toEqual([200, 200, 200, 200, 200]);
    expect(sim.keyStats(a)?.successes).toBe(6);
    expect(sim.keyStats(b)?.successes).toBe(4);
  });

  it("refuses a key that names a project not configured, without the secret", async () => {
    await expect(start({ keys: { [a]: { project: "nope", label: "a" } } })).rejects.toThrow('simulator key a: project "nope" is not configured');
  });
});

describe("per-model limits", () => {
  it("stops one model at its limit while the key still serves another", async () => {
    const { sim } = await start({ keys: { [a]: { rpm: 100, models: { "gpt-4o": { rpm: 2 } } } } });
    expect(await statuses(3, () => chat(sim.url, a, "gpt-4o"))).toEqual([200, 200, 429]);
    expect(await statuses(3, () => chat(sim.url, a, "gpt-4o-mini"))).toEqual([200, 200, 200]);
    const limited = await chat(sim.url, a, "gpt-4o");
    expect(limited.body.error.message).toMatch(/^Rate limit reached for gpt-4o in organization org-simulator on requests per min \(RPM\): Limit 2, Used 2/);
  });

  it("answers a Gemini project's per-day model quota with a QuotaFailure the parser reads as a day quota", async () => {
    const { sim, clock } = await start({
      windowMs: 1_000,
      projects: { p: { models: { "gemini-2.5-pro": { rpd: 2 } } } },
      keys: { [a]: { project: "p" }, [b]: { project: "p" } },
    });
    expect((await gemini(sim.url, a, "gemini-2.5-pro")).status).toBe(200);
    expect((await gemini(sim.url, b, "gemini-2.5-pro")).status).toBe(200);
    clock.advance(5_000);
    const refused = await gemini(sim.url, a, "gemini-2.5-pro");
    expect(refused.status).toBe(429);
    expect((await gemini(sim.url, a, "gemini-2.0-flash")).status).toBe(200);
    const parsed = parseRateLimits({ provider: "google", status: 429, headers: headersOf(refused), errorBody: refused.text, now: clock.now() });
    expect(parsed.exhausted).toMatchObject({ reason: "daily_quota", scope: "project", model: "gemini-2.5-pro" });
    expect(parsed.limits).toEqual([expect.objectContaining({ quotaId: "GenerateRequestsPerDayPerProjectPerModel", limit: 2, remaining: 0, window: "day" })]);
    // The simulated day is 1440 windows long; the first request leaves it 1440 s after it came.
    expect(parsed.retryAfterMs).toBe(1_440_000 - 5_000);
  });
});

describe("background load: traffic keypool cannot see", () => {
  it("fills the key's window at its rate by the simulator's clock, and the headers show it", async () => {
    const { sim, clock } = await start({ windowMs: 60_000, keys: { [a]: { rpm: 10, background: { rpm: 6 } } } });
    // The load starts with the key's first request: one background arrival now, then one every 10 s.
    const first = await chat(sim.url, a);
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("8");
    clock.advance(30_000);
    // Three more arrived (t = 10, 20, 30 s): 5 counted, 5 left, of which this request takes one.
    const second = await chat(sim.url, a);
    expect(second.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    expect(await statuses(5, () => chat(sim.url, a))).toEqual([200, 200, 200, 200, 429]);
    expect(sim.keyStats(a)).toMatchObject({ successes: 6, rateLimited: 1, backgroundRequests: 4 });
  });

  it("can be started and stopped at run time, and counts in the project's windows", async () => {
    const { sim, clock } = await start({ windowMs: 10_000, projects: { p: { rpm: 4 } }, keys: { [a]: { project: "p" }, [b]: { project: "p" } } });
    sim.setBackgroundLoad(a, { rpm: 2, tokensPerRequest: 5 });
    await chat(sim.url, a);
    clock.advance(10_000);
    // t = 10 s: key a's outside traffic (t = 5 s, 10 s) fills the project key b shares.
    const viaB = await chat(sim.url, b);
    expect(viaB.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await chat(sim.url, a)).status).toBe(200);
    expect((await chat(sim.url, a)).status).toBe(429);
    expect(sim.keyStats(a)?.backgroundRequests).toBe(3);
    sim.setBackgroundLoad(a, undefined);
    clock.advance(10_000);
    expect((await chat(sim.url, b)).headers.get("x-ratelimit-remaining-requests")).toBe("3");
    expect(() => sim.setBackgroundLoad(a, { rpm: -1 })).toThrow("background.rpm must be a non-negative number");
  });
});

describe("the parser reads what the simulator says", () => {
  it.each([
    ["openai", (url: string) => chat(url, a)],
    ["azure", (url: string) => post(`${url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, chatBody(), { "api-key": a })],
    [
      "anthropic",
      (url: string) =>
        post(`${url}/v1/messages`, { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "12345678" }] }, { "x-api-key": a, "anthropic-version": "2023-06-01" }),
    ],
  ] as const)("%s headers give the remaining requests and tokens", async (provider, send) => {
    const { sim, clock } = await start({ keys: { [a]: { rpm: 5, tpm: 1_000 } } });
    await send(sim.url);
    const reply = await send(sim.url);
    const parsed = parseRateLimits({ provider, status: reply.status, headers: headersOf(reply), now: clock.now() });
    expect(parsed.notes).toEqual([]);
    const requests = parsed.limits.find((f) => f.dimension === "requests");
    const tokens = parsed.limits.find((f) => f.dimension === "tokens");
    expect(requests?.remaining).toBe(3);
    expect(tokens?.remaining).toBe(1_000 - (sim.keyStats(a)?.promptTokens ?? 0) - (sim.keyStats(a)?.completionTokens ?? 0));
    if (provider !== "azure") expect(requests).toMatchObject({ limit: 5, resetAt: clock.now() + 60_000 });
  });
});

describe("Gemini's daily quotas by the calendar", () => {
  it("resets a per-day quota at midnight Pacific, and can give Google's short retryDelay meanwhile", async () => {
    const { sim, clock } = await start({ dayReset: "midnight-pacific", geminiDailyRetryDelayMs: 2_000, keys: { [a]: { models: { "gemini-2.5-pro": { rpd: 1 } } } } });
    // 23:59:00 in Los Angeles (PST): 07:59 UTC.
    clock.advance(Date.parse("2026-01-16T07:59:00Z") - clock.now());
    expect((await gemini(sim.url, a, "gemini-2.5-pro")).status).toBe(200);
    clock.advance(30_000);
    const refused = await gemini(sim.url, a, "gemini-2.5-pro");
    expect(refused.status).toBe(429);
    const parsed = parseRateLimits({ provider: "google", status: 429, headers: {}, errorBody: refused.text, now: clock.now() });
    expect(parsed.retryAfterMs).toBe(2_000);
    // The quota really lasts until midnight, as the parser reads it: 2 s later it is still refused.
    expect(parsed.exhausted?.resetAt).toBe(Date.parse("2026-01-16T08:00:00Z"));
    clock.advance(2_000);
    expect((await gemini(sim.url, a, "gemini-2.5-pro")).status).toBe(429);
    clock.advance(Date.parse("2026-01-16T08:00:00Z") - clock.now());
    expect((await gemini(sim.url, a, "gemini-2.5-pro")).status).toBe(200);
  });
});
