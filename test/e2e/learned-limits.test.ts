import { status } from "@grpc/grpc-js";
import { describe, expect } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import { pickRateLimitHeaders } from "../../src/provider-http/rate-limits/rate-limit-header-names.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";
import { grpcError, retryDelays, type TestClient } from "../support/grpc-client.js";
import { it, type Keypools } from "../support/keypool-fixture.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

/**
 * keypool with NO limits configured in front of a simulator that enforces
 * them and answers in each provider's dialect: what keypool learns from the
 * answers must keep every key under the provider's limits. One manual clock
 * drives both, so a two-minute run takes no real time.
 */

type Dialect = "openai" | "anthropic" | "google";

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function call(sim: Simulator, dialect: Dialect, secret: string, model: string): Promise<Answer> {
  const text = "12345678";
  const request =
    dialect === "openai"
      ? { path: "/v1/chat/completions", headers: { authorization: `Bearer ${secret}` }, body: { model, messages: [{ role: "user", content: text }] } }
      : dialect === "anthropic"
        ? { path: "/v1/messages", headers: { "x-api-key": secret, "anthropic-version": "2023-06-01" }, body: { model, max_tokens: 16, messages: [{ role: "user", content: text }] } }
        : { path: `/v1beta/models/${model}:generateContent`, headers: { "x-goog-api-key": secret }, body: { contents: [{ parts: [{ text }] }] } };
  const res = await fetch(`${sim.url}${request.path}`, { method: "POST", headers: { "content-type": "application/json", ...request.headers }, body: JSON.stringify(request.body) });
  return { status: res.status, headers: pickRateLimitHeaders(res.headers), body: await res.text() };
}

interface Setup {
  clock: ManualClock;
  sim: Simulator;
  client: TestClient;
  keys: TestKey[];
}

async function setup(keypool: Keypools, provider: Dialect, sim: Omit<SimulatorOptions, "now">, keypoolKeys: TestKey[]): Promise<Setup & { close(): Promise<void> }> {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const simulator = await startSimulator({ ...sim, now: () => clock.now() });
  const server = await keypool.start({ clock, config: poolConfig({ [provider]: keypoolKeys }) });
  return { clock, sim: simulator, client: keypool.connect(server.grpcAddress), keys: keypoolKeys, close: () => simulator.close() };
}

/** One acquisition every `stepMs` for `durationMs` (refusals skipped), each call answered by the simulator and reported with its answer. */
async function run(s: Setup, dialect: Dialect, model: string, durationMs: number, stepMs: number, passAnswer = true): Promise<{ served: number; tooMany: number }> {
  let served = 0;
  let tooMany = 0;
  for (let t = 0; t < durationMs; t += stepMs) {
    const lease = await s.client.acquire({ provider: dialect, model }).catch(() => undefined);
    if (lease !== undefined) {
      const answer = await call(s.sim, dialect, lease.apiKey, model);
      if (answer.status === 200) served += 1;
      if (answer.status === 429) tooMany += 1;
      await s.client.report({
        leaseId: lease.leaseId,
        httpStatus: answer.status,
        responseHeaders: passAnswer ? answer.headers : {},
        errorBody: passAnswer && answer.status >= 400 ? Buffer.from(answer.body.slice(0, 8192)) : Buffer.alloc(0),
      });
    }
    s.clock.advance(stepMs);
  }
  return { served, tooMany };
}

const keys = (prefix: string, n: number, extra: Partial<TestKey> = {}): TestKey[] =>
  Array.from({ length: n }, (_, i) => ({ ...extra, id: `${prefix}${i + 1}`, secret: `sk-test-learn-${prefix}-${String(i + 1).padStart(4, "0")}` }));

describe("limits learned from the provider's answers", () => {
  for (const dialect of ["openai", "anthropic"] as const) {
    it(`${dialect} headers: keys with no limits configured stay under the provider's; goodput within 5% of configured limits`, async ({ keypool }) => {
      const model = dialect === "openai" ? "gpt-4o-mini" : "claude-sonnet-4-5";
      const unconfigured = keys("u", 3);
      const configured = keys("c", 3, { rpm: 6 });
      const simKeys = (ks: TestKey[]) => Object.fromEntries(ks.map((k) => [k.secret, { rpm: 6, label: k.id as string }]));
      const learned = await setup(keypool, dialect, { keys: simKeys(unconfigured) }, unconfigured);
      const told = await setup(keypool, dialect, { keys: simKeys(configured) }, configured);
      try {
        // Two minutes, asking faster than the provider allows (3 keys × 6 a minute = 36 in two minutes).
        const a = await run(learned, dialect, model, 120_000, 1_000);
        const b = await run(told, dialect, model, 120_000, 1_000);
        expect(a.tooMany).toBe(0);
        expect(b.tooMany).toBe(0);
        expect(b.served).toBeGreaterThanOrEqual(30);
        expect(a.served).toBeGreaterThanOrEqual(Math.floor(b.served * 0.95));
        for (const k of unconfigured) expect(learned.sim.keyStats(k.id as string)?.rateLimited).toBe(0);
      } finally {
        await learned.close();
        await told.close();
      }
    });
  }

  it("a key with traffic keypool cannot see causes no 429 once its headers have been seen", async ({ keypool }) => {
    const [blind, seeing] = [keys("blind", 1, { rpm: 10 }), keys("seeing", 1)];
    const simKey = (k: TestKey, label: string) => ({ [k.secret]: { rpm: 10, label, background: { rpm: 4 } } });
    // The same provider key and outside traffic; one keypool knows the key's rpm but not the answers, the other only the answers.
    const a = await setup(keypool, "openai", { keys: simKey(blind[0]!, "blind") }, blind);
    const b = await setup(keypool, "openai", { keys: simKey(seeing[0]!, "seeing") }, seeing);
    try {
      const withoutAnswers = await run(a, "openai", "gpt-4o-mini", 180_000, 500, false);
      const withAnswers = await run(b, "openai", "gpt-4o-mini", 180_000, 500);
      expect(withoutAnswers.tooMany).toBeGreaterThan(0);
      expect(withAnswers.tooMany).toBe(0);
      expect(b.sim.keyStats("seeing")?.backgroundRequests).toBeGreaterThan(0);
      // What the outside traffic leaves, keypool uses: three minutes of 10 a minute, less the others' share.
      expect(withAnswers.served + (b.sim.keyStats("seeing")?.backgroundRequests ?? 0)).toBeGreaterThanOrEqual(28);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a Gemini per-day quota keeps the key exhausted until midnight Pacific, although retryDelay says 2s", async ({ keypool }) => {
    const [g] = keys("g", 1);
    const s = await setup(
      keypool,
      "google",
      { dayReset: "midnight-pacific", geminiDailyRetryDelayMs: 2_000, projects: { p: { models: { "gemini-2.5-pro": { rpd: 3 } } } }, keys: { [g!.secret]: { project: "p", label: "g1" } } },
      [g!],
    );
    try {
      const first = await run(s, "google", "gemini-2.5-pro", 5_000, 1_000);
      // Three served; the fourth met the daily quota and its 429 said so; nothing more was sent.
      expect(first).toEqual({ served: 3, tooMany: 1 });
      s.clock.advance(60_000);
      const err = await grpcError(s.client.acquire({ provider: "google", model: "gemini-2.5-pro" }));
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      // 2026-06-01 12:00 UTC + 65 s; midnight in Los Angeles (UTC-7 in June) is 07:00 UTC on June 2nd.
      const midnight = Date.UTC(2026, 5, 2, 7);
      expect(retryDelays(err).retryInfoMs).toBe(midnight - s.clock.now());
      s.clock.advance(midnight - s.clock.now());
      const after = await run(s, "google", "gemini-2.5-pro", 1_000, 1_000);
      expect(after).toEqual({ served: 1, tooMany: 0 });
      expect(s.sim.keyStats("g1")).toMatchObject({ successes: 4, rateLimited: 1 });
    } finally {
      await s.close();
    }
  });

  it("a Gemini per-project daily quota met through one key exhausts its scope: the other key of the project waits too, a key outside serves", async ({ keypool }) => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const [a, b, c] = ["sk-test-learn-proj-000a", "sk-test-learn-proj-000b", "sk-test-learn-proj-000c"];
    const sim = await startSimulator({
      now: () => clock.now(),
      dayReset: "midnight-pacific",
      geminiDailyRetryDelayMs: 2_000,
      projects: { p: { models: { "gemini-2.5-pro": { rpd: 2 } } } },
      keys: { [a]: { project: "p", label: "a" }, [b]: { project: "p", label: "b" }, [c]: { label: "c" } },
    });
    const parsed = parseConfigDocument(JSON.stringify({ google: { scopes: { p: {} }, keys: [{ key: a, id: "a", scope: "p" }, { key: b, id: "b", scope: "p" }, { key: c, id: "c" }] } }), {});
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const server = await keypool.start({ clock, config: parsed.config });
    const s = { clock, sim, client: keypool.connect(server.grpcAddress), keys: [] };
    try {
      // a, b, c, then a again: the project's second request was b, so a's next one meets the daily quota.
      const first = await run(s, "google", "gemini-2.5-pro", 4_000, 1_000);
      expect(first).toEqual({ served: 3, tooMany: 1 });
      const keys = server.pool.snapshot().providers[0]!.keys;
      expect(keys.find((k) => k.keyId === "b")?.scope).toMatchObject({ name: "p", state: "exhausted" });
      // An hour later only c serves the model; a and b wait for midnight Pacific with their project.
      clock.advance(3_600_000);
      const later = await run(s, "google", "gemini-2.5-pro", 3_000, 1_000);
      expect(later).toEqual({ served: 3, tooMany: 0 });
      expect(sim.keyStats("c")?.successes).toBe(4);
      expect(sim.keyStats("a")?.requests).toBe(2);
      expect(sim.keyStats("b")?.requests).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
