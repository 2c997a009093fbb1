import { describe, expect, it } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import type { PoolConfig } from "../../src/config/types.js";
import { parsePersistedState } from "../../src/store/memory/persisted-state.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";

/**
 * The state file keeps what the provider's truth added to a key: a scope's
 * windows and hold, per-model windows and the limits learned from answers.
 * A restart in the middle of a minute must not hand out that minute again.
 */

function config(): PoolConfig {
  const result = parseConfigDocument(
    JSON.stringify({
      openai: {
        scopes: { proj: { rpm: 3 } },
        keys: [
          { id: "a", key: "sk-test-state-scope-a", scope: "proj" },
          { id: "b", key: "sk-test-state-scope-b", scope: "proj" },
        ],
      },
      openrouter: { models: { m1: { rpm: 1 } }, keys: [{ id: "r", key: "sk-test-state-model-r" }] },
      local: { keys: [{ id: "g", key: "sk-test-state-learned-g" }] },
    }),
    {},
  );
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "granted",
    (err: unknown) => (err as { code: string }).code,
  );
}

function restart(before: MemoryLeasePool, clock: ManualClock): MemoryLeasePool {
  const text = JSON.stringify(before.exportState());
  expect(text).not.toContain("sk-test-state");
  const parsed = parsePersistedState(text);
  if (!parsed.ok) throw new Error(parsed.error);
  before.close();
  const after = new MemoryLeasePool({ clock });
  after.applyConfig(config());
  after.importState(parsed.state);
  return after;
}

describe("the saved state of scopes, model windows and learned limits", () => {
  it("a scope's minute, a model's minute and a learned remaining of 0 hold after a restart exactly as without one", async () => {
    const clock = new ManualClock();
    const fill = async (pool: MemoryLeasePool) => {
      for (let i = 0; i < 3; i++) {
        const l = await pool.acquire({ provider: "openai" });
        await pool.report(l.leaseId, { outcome: "success" });
      }
      const m1 = await pool.acquire({ provider: "openrouter", model: "m1" });
      await pool.report(m1.leaseId, { outcome: "success" });
      const g = await pool.acquire({ provider: "local" });
      await pool.report(g.leaseId, { httpStatus: 200, answer: { headers: { "x-ratelimit-limit-requests": "30", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "40s" } } });
    };
    const twin = new MemoryLeasePool({ clock });
    twin.applyConfig(config());
    const before = new MemoryLeasePool({ clock });
    before.applyConfig(config());
    await fill(twin);
    await fill(before);
    clock.advance(10_000);
    const after = restart(before, clock);

    const groq = after.snapshot(["local"]).providers[0]!.keys[0]!;
    expect(groq.learnedLimits).toEqual([expect.objectContaining({ dimension: "requests", limit: 30, remaining: 0 })]);
    // One request of each kind every 5 s for two minutes: the restarted pool decides as the twin does.
    const asks = [{ provider: "openai" }, { provider: "openrouter", model: "m1" }, { provider: "openrouter", model: "m2" }, { provider: "local" }];
    const seen = new Set<string>();
    for (let t = 0; t < 120_000; t += 5_000) {
      for (const ask of asks) {
        const [a, b] = [await code(after.acquire(ask)), await code(twin.acquire(ask))];
        expect(`${t} ${ask.provider} ${ask.model ?? ""} ${a}`).toBe(`${t} ${ask.provider} ${ask.model ?? ""} ${b}`);
        seen.add(`${ask.provider}/${ask.model ?? ""}:${a}`);
      }
      clock.advance(5_000);
    }
    // Every limit was seen refusing and, later, granting: the comparison covered both.
    for (const what of ["openai/", "openrouter/m1", "local/"]) {
      expect(seen).toContain(`${what}:RESOURCE_EXHAUSTED`);
      expect(seen).toContain(`${what}:granted`);
    }
    after.close();
    twin.close();
  });

  it("a scope cooled down by a 429 the provider put on the project stays cooled after a restart", async () => {
    const clock = new ManualClock();
    const before = new MemoryLeasePool({ clock });
    before.applyConfig(config());
    const l = await before.acquire({ provider: "openai" });
    const exported = before.exportState();
    // A hold as the pool writes it for a project-wide 429: state, reason, until.
    const withHold = { ...exported, scopes: [{ provider: "openai", name: "proj", usage: [], hold: { state: "cooling_down" as const, reason: "rate limited (429) on the project", until: clock.now() + 60_000 } }] };
    const parsed = parsePersistedState(JSON.stringify(withHold));
    if (!parsed.ok) throw new Error(parsed.error);
    await before.report(l.leaseId, { outcome: "success" });
    before.close();
    const after = new MemoryLeasePool({ clock });
    after.applyConfig(config());
    after.importState(parsed.state);
    expect(await code(after.acquire({ provider: "openai" }))).toBe("RESOURCE_EXHAUSTED");
    const again = JSON.parse(JSON.stringify(after.exportState())) as { scopes?: unknown[] };
    expect(again.scopes).toEqual([expect.objectContaining({ name: "proj", hold: expect.objectContaining({ state: "cooling_down" }) })]);
    clock.advance(60_000);
    expect(await code(after.acquire({ provider: "openai" }))).toBe("granted");
    after.close();
  });

  it("files written before scopes and learned limits still read; malformed new fields are refused naming them", () => {
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[{"provider":"p","id":"k","usage":[[1,2]]}]}')).toMatchObject({ ok: true });
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[{"provider":"p","id":"k","usage":[],"learned":[{"model":""}]}]}')).toMatchObject({
      ok: false,
      error: "keys[0].learned[0]: expected a learned limit",
    });
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[{"provider":"p","id":"k","usage":[],"models":{"m":[[1]]}}]}')).toMatchObject({
      ok: false,
      error: "keys[0].models: expected [time, tokens] pairs per model",
    });
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[],"scopes":[{"provider":"p","name":"s","usage":[],"hold":{"state":"gone"}}]}')).toMatchObject({
      ok: false,
      error: "scopes[0].hold: expected state, reason and until",
    });
  });
});
