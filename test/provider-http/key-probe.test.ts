import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { probeKey } from "../../src/provider-http/key-probe.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";

const ANTHROPIC = "sk-ant-test-probe-anthropic-0001";
const GEMINI = "AIzaTestProbeGeminiKey000000002";
const OPENAI = "sk-test-probe-openai-0003";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("probeKey: a model listing judged like a real call", () => {
  it("finds Anthropic and Gemini keys valid with their limits, and revoked ones invalid without the secret", async () => {
    sim = await startSimulator({ keys: { [ANTHROPIC]: { rpm: 12, tpm: 3000 }, [GEMINI]: {} } });
    const anthropic = await probeKey({ provider: "anthropic", secret: ANTHROPIC, baseUrl: sim.url });
    expect(anthropic).toMatchObject({ verdict: "valid", outcome: "success", httpStatus: 200 });
    expect(anthropic.rateLimits?.limits).toContainEqual(expect.objectContaining({ dimension: "requests", limit: 12, remaining: 12, source: "anthropic-headers" }));
    expect(await probeKey({ provider: "google", secret: GEMINI, baseUrl: sim.url })).toMatchObject({ verdict: "valid", httpStatus: 200 });

    sim.revoke(ANTHROPIC);
    sim.revoke(GEMINI);
    const revoked = [await probeKey({ provider: "anthropic", secret: ANTHROPIC, baseUrl: sim.url }), await probeKey({ provider: "gemini", secret: GEMINI, baseUrl: sim.url })];
    expect(revoked.map((r) => [r.verdict, r.outcome, r.httpStatus])).toEqual([
      ["invalid", "unauthorized", 401],
      ["invalid", "unauthorized", 400],
    ]);
    expect(revoked[1]?.reason).toMatch(/API key not valid/);
    expect(JSON.stringify(revoked)).not.toContain(ANTHROPIC);
    expect(JSON.stringify(revoked)).not.toContain(GEMINI);
  });

  it("says rate limited with the provider's retry delay, and unchecked for no answer, a 5xx or an API without a listing", async () => {
    sim = await startSimulator({ keys: { [OPENAI]: {} } });
    sim.failNext(OPENAI, 429, { retryAfterSeconds: 9 });
    sim.failNext(OPENAI, 503);
    const limited = await probeKey({ provider: "openai", secret: OPENAI, baseUrl: `${sim.url}/v1` });
    expect(limited).toMatchObject({ verdict: "rate_limited", outcome: "rate_limited", httpStatus: 429 });
    expect(limited.rateLimits?.retryAfterMs).toBe(9_000);
    expect(await probeKey({ provider: "openai", secret: OPENAI, baseUrl: `${sim.url}/v1` })).toMatchObject({ verdict: "unchecked", outcome: "server_error", httpStatus: 503 });

    const refused = await probeKey({ provider: "openai", secret: OPENAI, baseUrl: `http://127.0.0.1:${await closedPort()}/v1` }, { timeoutMs: 2_000 });
    expect(refused).toMatchObject({ verdict: "unchecked", outcome: "server_error" });
    expect(refused.reason).not.toContain(OPENAI);
    expect(await probeKey({ provider: "azure", secret: OPENAI, baseUrl: sim.url })).toEqual({ verdict: "unchecked", reason: "the azure API has no model listing a key can call" });
  });
});
