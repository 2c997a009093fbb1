import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/types.js";
import { applyKeyAction, parseKeyAction, validateKeyActionReason } from "../../src/pool/key-action.js";
import { applyOutcome, healthLeasable, healthReason, healthState, HEALTHY, type ReportedOutcome } from "../../src/pool/key-health.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { parsePersistedState } from "../../src/store/memory/persisted-state.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolLeasedIds } from "../support/leased-keys.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

function report(outcome: ReportedOutcome["outcome"], leaseId: string, more: Partial<ReportedOutcome> = {}): ReportedOutcome {
  return { outcome, leaseId, retryAfterMs: undefined, detail: "", by: "app", confirms: false, quorum: 1, ...more };
}

describe("operator actions as pure functions of the health", () => {
  it("disable holds the key against reports and time; enable lifts it, attributed to the operator", () => {
    const held = applyKeyAction(HEALTHY, "disable", "rotating", "ops", T0);
    expect(healthState(held, T0)).toBe("disabled");
    expect(healthLeasable(held, T0 + 365 * 24 * 60 * MINUTE)).toBe(false);
    expect(healthReason(held, T0)).toBe("disabled by operator ops: rotating");
    // A 429 on a lease opened before the hold moves the health underneath, not the hold.
    const after429 = applyOutcome(held, report("rate_limited", "l1", { retryAfterMs: MINUTE }), T0, defaultSettings);
    expect(healthState(after429, T0 + 2 * MINUTE)).toBe("disabled");
    const enabled = applyKeyAction(after429, "enable", "", "ops2", T0 + 2 * MINUTE);
    expect(healthState(enabled, T0 + 2 * MINUTE)).toBe("active");
    expect(enabled.by).toBe("ops2");
  });

  it("enable re-enables a key disabled by an UNAUTHORIZED report, not one disabled in the configuration", () => {
    const revoked = applyOutcome(HEALTHY, report("unauthorized", "l1"), T0, defaultSettings);
    expect(healthState(revoked, T0)).toBe("disabled");
    expect(healthState(applyKeyAction(revoked, "enable", "", "ops", T0), T0)).toBe("active");
    const byConfig = { ...HEALTHY, state: "disabled" as const, reason: "disabled in configuration", disabledByConfig: true, until: Infinity };
    expect(applyKeyAction(byConfig, "enable", "", "ops", T0)).toBe(byConfig);
  });

  it("clear_cooldown makes a cooling or exhausted key active and changes nothing on an active one", () => {
    const cooling = applyOutcome(HEALTHY, report("rate_limited", "l1", { retryAfterMs: 10 * MINUTE }), T0, defaultSettings);
    const exhausted = applyOutcome(HEALTHY, report("quota_exhausted", "l1", { retryAfterMs: 60 * MINUTE }), T0, defaultSettings);
    for (const h of [cooling, exhausted]) {
      expect(healthLeasable(h, T0 + MINUTE)).toBe(false);
      const cleared = applyKeyAction(h, "clear_cooldown", "false alarm", "ops", T0 + MINUTE);
      expect(healthState(cleared, T0 + MINUTE)).toBe("active");
      expect(cleared).toMatchObject({ consecutiveRateLimits: 0, by: "ops" });
    }
    expect(applyKeyAction(HEALTHY, "clear_cooldown", "", "ops", T0)).toBe(HEALTHY);
  });

  it("probe lets exactly one lease test a cooling key; its success makes the key active", () => {
    const cooling = applyOutcome(HEALTHY, report("rate_limited", "l1", { retryAfterMs: 10 * MINUTE }), T0, defaultSettings);
    const due = applyKeyAction(cooling, "probe", "", "ops", T0 + MINUTE);
    expect(healthLeasable(due, T0 + MINUTE)).toBe(true);
    expect(healthState(due, T0 + MINUTE)).toBe("cooling_down");
    const probing = { ...due, probeLease: "p1", probeDue: false };
    expect(healthLeasable(probing, T0 + MINUTE)).toBe(false);
    const ok = applyOutcome(probing, report("success", "p1"), T0 + MINUTE, defaultSettings);
    expect(healthState(ok, T0 + MINUTE)).toBe("active");
    const stillLimited = applyOutcome(probing, report("rate_limited", "p1", { retryAfterMs: MINUTE }), T0 + MINUTE, defaultSettings);
    expect(healthLeasable(stillLimited, T0 + 2 * MINUTE)).toBe(false);
  });

  it("probe makes a disabled key's recheck due now; a held or configuration-disabled key refuses it", () => {
    const revoked = applyOutcome(HEALTHY, report("unauthorized", "l1"), T0, defaultSettings);
    expect(healthLeasable(revoked, T0 + MINUTE)).toBe(false);
    expect(healthLeasable(applyKeyAction(revoked, "probe", "", "ops", T0 + MINUTE), T0 + MINUTE)).toBe(true);
    const held = applyKeyAction(HEALTHY, "drain", "", "ops", T0);
    expect(() => applyKeyAction(held, "probe", "", "ops", T0)).toThrow(expect.objectContaining({ code: "FAILED_PRECONDITION" }));
    const byConfig = { ...HEALTHY, state: "disabled" as const, disabledByConfig: true, until: Infinity };
    expect(() => applyKeyAction(byConfig, "probe", "", "ops", T0)).toThrow(/disabled in the configuration/);
    expect(applyKeyAction(HEALTHY, "probe", "", "ops", T0)).toBe(HEALTHY);
  });

  it("bad action names and reasons are refused naming the field, never echoing the value", () => {
    expect(parseKeyAction("clear-cooldown")).toBe("clear_cooldown");
    expect(parseKeyAction("DISABLE")).toBe("disable");
    const secretish = "sk-leaked-action-name";
    expect(() => parseKeyAction(secretish)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^action: /) }));
    expect(() => parseKeyAction(secretish)).not.toThrow(new RegExp(secretish));
    expect(() => validateKeyActionReason("x".repeat(201))).toThrow(/^reason: at most 200 characters$/);
    expect(() => validateKeyActionReason("two\nlines")).toThrow(/^reason: control characters/);
    expect(validateKeyActionReason(" rotating ")).toBe("rotating");
  });
});

const KEYS: TestKey[] = [
  { id: "a", secret: "sk-test-action-a" },
  { id: "b", secret: "sk-test-action-b" },
];

function pool(clock: ManualClock, keys: TestKey[] = KEYS): { pool: MemoryLeasePool; events: PoolEvent[] } {
  const events: PoolEvent[] = [];
  const p = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
  p.applyConfig(poolConfig({ openai: keys }));
  return { pool: p, events };
}


describe("MemoryLeasePool.setKeyState", () => {
  it("a disabled key is never leased, through a reload and a change of its secret, until enabled; each step is an attributed key_state event", async () => {
    const clock = new ManualClock();
    const { pool: p, events } = pool(clock);
    const r = await p.setKeyState("openai", "a", "disable", "rotating", "ops");
    expect(r).toMatchObject({ from: "active", to: "disabled", changed: true, stateReason: "disabled by operator ops: rotating" });
    expect(events.at(-1)).toEqual({ type: "key_state", provider: "openai", keyId: "a", from: "active", to: "disabled", reason: "operator disable: rotating", by: "ops" });
    expect(await poolLeasedIds(p, 4)).toEqual(["b", "b", "b", "b"]);

    p.applyConfig(poolConfig({ openai: KEYS }));
    expect(await poolLeasedIds(p, 2)).toEqual(["b", "b"]);
    p.applyConfig(poolConfig({ openai: [{ id: "a", secret: "sk-test-action-a2", rpm: 5 }, KEYS[1]!] }));
    expect(await poolLeasedIds(p, 2)).toEqual(["b", "b"]);
    const a = p.snapshot().providers[0]!.keys.find((k) => k.keyId === "a")!;
    expect(a).toMatchObject({ state: "disabled", changedBy: "ops", stateReason: "disabled by operator ops: rotating (the key's configuration changed since)" });

    await expect(p.setKeyState("openai", "a", "enable", "rotated", "ops2")).resolves.toMatchObject({ from: "disabled", to: "active", changed: true });
    expect(await poolLeasedIds(p, 2)).toContain("a");
    p.close();
  });

  it("drain stops new leases while an open one still reports; clear_cooldown returns a cooling key at once", async () => {
    const clock = new ManualClock();
    const { pool: p } = pool(clock, [{ id: "a", secret: "sk-test-action-a" }]);
    const open = await p.acquire({ provider: "openai" });
    await expect(p.setKeyState("openai", "a", "drain", "", "ops")).resolves.toMatchObject({ from: "active", to: "draining" });
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "ALL_KEYS_DISABLED" });
    await expect(p.report(open.leaseId, { outcome: "rate_limited", retryAfterMs: 5 * MINUTE })).resolves.toMatchObject({ keyState: "draining" });
    expect(p.snapshot().providers[0]!.keys[0]).toMatchObject({ inFlight: 0, state: "draining", stateReason: "drained by operator ops" });
    await p.setKeyState("openai", "a", "enable", "", "ops");
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await expect(p.setKeyState("openai", "a", "clear_cooldown", "", "ops")).resolves.toMatchObject({ from: "cooling_down", to: "active", changed: true });
    expect((await p.acquire({ provider: "openai" })).keyId).toBe("a");
    await expect(p.setKeyState("openai", "a", "clear_cooldown", "", "ops")).resolves.toMatchObject({ from: "active", to: "active", changed: false });
    p.close();
  });

  it("probe lets the next acquisition test a revoked key at once", async () => {
    const clock = new ManualClock();
    const { pool: p } = pool(clock, [{ id: "a", secret: "sk-test-action-a" }]);
    const l = await p.acquire({ provider: "openai" });
    await p.report(l.leaseId, { httpStatus: 401 });
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ reason: "ALL_KEYS_DISABLED" });
    await p.setKeyState("openai", "a", "probe", "", "ops");
    const probe = await p.acquire({ provider: "openai" });
    await expect(p.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(p.report(probe.leaseId, { outcome: "success" })).resolves.toMatchObject({ keyState: "active" });
    p.close();
  });

  it("a probe asked for on a cooling key leaves time able to move on, and the key returns at its cooldown's end", async () => {
    const clock = new ManualClock();
    const { pool: p, events } = pool(clock, [{ id: "a", secret: "sk-test-action-a" }]);
    const l = await p.acquire({ provider: "openai" });
    await p.report(l.leaseId, { outcome: "quota_exhausted", retryAfterMs: 10_000 });
    await p.setKeyState("openai", "a", "probe", "", "ops");
    // Before the fix the recovery deadline re-armed itself at the same instant forever.
    clock.advance(1_000);
    clock.advance(9_000);
    expect(events.filter((e) => e.type === "key_state").at(-1)).toMatchObject({ from: "exhausted", to: "active", by: "time" });
    p.close();
  });

  it("unknown provider or key is NOT_FOUND and a long reason INVALID_ARGUMENT, without echoing either", async () => {
    const clock = new ManualClock();
    const { pool: p, events } = pool(clock);
    await expect(p.setKeyState("nope-provider", "a", "disable", "", "ops")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(p.setKeyState("openai", "nope-key", "disable", "", "ops")).rejects.toMatchObject({ code: "NOT_FOUND", message: "key_id: not configured for this provider" });
    await expect(p.setKeyState("openai", "a", "disable", "y".repeat(300), "ops")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: "reason: at most 200 characters" });
    expect(events.filter((e) => e.type === "key_state")).toEqual([]);
    p.close();
  });

  it("an operator's disable and drain survive the state file; a configuration-disabled key keeps the hold as well", async () => {
    const clock = new ManualClock();
    const keys: TestKey[] = [...KEYS, { id: "c", secret: "sk-test-action-c" }];
    const { pool: before } = pool(clock, keys);
    await before.setKeyState("openai", "a", "disable", "rotating", "ops");
    await before.setKeyState("openai", "b", "drain", "", "ops");
    const text = JSON.stringify(before.exportState());
    expect(text).not.toContain("sk-test-action");
    const parsed = parsePersistedState(text);
    if (!parsed.ok) throw new Error(parsed.error);
    clock.advance(MINUTE);
    const { pool: after } = pool(clock, keys);
    expect(after.importState(parsed.state)).toBe(2);
    const states = Object.fromEntries(after.snapshot().providers[0]!.keys.map((k) => [k.keyId, [k.state, k.stateReason, k.changedBy]]));
    expect(states).toEqual({
      a: ["disabled", "disabled by operator ops: rotating", "ops"],
      b: ["draining", "drained by operator ops", "ops"],
      c: ["active", "", ""],
    });
    expect(await poolLeasedIds(after, 2)).toEqual(["c", "c"]);
    expect(parsePersistedState(text.replace('"kind":"disabled"', '"kind":"asleep"'))).toMatchObject({ ok: false, error: "keys[0].health: expected state, reason, until and counts" });
    before.close();
    after.close();
  });
});
