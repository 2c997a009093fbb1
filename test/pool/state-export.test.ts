import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { parsePersistedState } from "../../src/store/memory/persisted-state.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { DeadlineScheduler } from "../../src/store/memory/deadline-scheduler.js";
import { poolConfig } from "../support/pool-config.js";

const config = poolConfig({
  openai: [
    { id: "a", secret: "sk-test-export-a", rpd: 2 },
    { id: "b", secret: "sk-test-export-b" },
  ],
});

describe("the memory store's saved state", () => {
  it("round-trips through JSON: a key out of its day and a revoked key stay out in a new pool; keys no longer configured are ignored", async () => {
    const clock = new ManualClock();
    const before = new MemoryLeasePool({ clock });
    before.applyConfig(config);
    for (let i = 0; i < 3; i++) {
      const l = await before.acquire({ provider: "openai" });
      await before.report(l.leaseId, l.keyId === "b" ? { httpStatus: 401, errorMessage: "bad key" } : { outcome: "success" });
    }
    const text = JSON.stringify(before.exportState());
    expect(text).not.toContain("sk-test-export");
    // Less than the 30 minutes after which a revoked key gets its one probe.
    clock.advance(10 * 60_000);

    const parsed = parsePersistedState(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const after = new MemoryLeasePool({ clock });
    after.applyConfig(poolConfig({ openai: [{ id: "a", secret: "sk-test-export-a", rpd: 2 }, { id: "b", secret: "sk-test-export-b" }] }));
    const withGhost = { ...parsed.state, keys: [...parsed.state.keys, { provider: "openai", id: "gone", usage: [], health: undefined }] };
    expect(after.importState(withGhost)).toBe(2);
    const err = await after.acquire({ provider: "openai" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    const states = Object.fromEntries([...after.keys()].map((k) => [k.key.id, k.state]));
    expect(states).toEqual({ a: "active", b: "disabled" });
    // The day window lets key a serve again once its first request is a day old.
    clock.advance(24 * 60 * 60_000);
    expect((await after.acquire({ provider: "openai" })).keyId).toBe("a");
    after.close();
    before.close();
  });

  it("a malformed document is refused naming the field", () => {
    expect(parsePersistedState("[")).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(parsePersistedState('{"version":9,"savedAt":1,"keys":[]}')).toMatchObject({ ok: false, error: "version: expected 1, found 9" });
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[{"provider":"p","id":"k","usage":[[1,-2]]}]}')).toMatchObject({
      ok: false,
      error: "keys[0].usage: expected [time, tokens] pairs",
    });
    expect(parsePersistedState('{"version":1,"savedAt":1,"keys":[{"provider":"p","id":"k","usage":[],"health":{"state":"sleeping"}}]}')).toMatchObject({
      ok: false,
      error: "keys[0].health: expected state, reason, until and counts",
    });
  });
});

describe("DeadlineScheduler", () => {
  it("serves many deadlines with one timer, in time order, and leaves no timer once none is left", () => {
    const clock = new ManualClock();
    const due: string[] = [];
    const s = new DeadlineScheduler<string>(clock, (item) => due.push(`${item}@${clock.now() - Date.UTC(2026, 0, 1)}`));
    s.add("late", clock.now() + 300);
    const cancelled = s.add("cancelled", clock.now() + 100);
    s.add("early", clock.now() + 200);
    s.add("same-time", clock.now() + 200);
    expect(clock.pendingTimers()).toBe(1);
    s.cancel(cancelled);
    clock.advance(1_000);
    expect(due).toEqual(["early@200", "same-time@200", "late@300"]);
    expect(clock.pendingTimers()).toBe(0);
    // The last deadline cancelled leaves its timer, which then fires into nothing and sets no other.
    const last = s.add("x", clock.now() + 50);
    s.cancel(last);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(50);
    expect(due).toEqual(["early@200", "same-time@200", "late@300"]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
