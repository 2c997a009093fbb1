import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/types.js";
import { applyKeyAction } from "../../src/pool/key-action.js";
import { applyOutcome, healthState, HEALTHY, type ReportedOutcome } from "../../src/pool/key-health.js";
import { applyRecheck, awaitsRecheck, recheckDue } from "../../src/pool/key-recheck.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolLeasedIds } from "../support/leased-keys.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

const T0 = Date.UTC(2026, 0, 1);
const RECHECK = defaultSettings.unauthorizedRecheckMs;

function unauthorized(leaseId = "l1"): ReportedOutcome {
  return { outcome: "unauthorized", leaseId, retryAfterMs: undefined, detail: "", by: "app", confirms: true, quorum: 1 };
}

describe("the sidecar's recheck as pure functions of the health", () => {
  const revoked = applyOutcome(HEALTHY, unauthorized(), T0, defaultSettings);

  it("a key disabled by a 401 awaits the recheck only with probe: true, and is due once the recheck time has come", () => {
    expect(awaitsRecheck(revoked, true, T0)).toBe(true);
    expect(awaitsRecheck(revoked, false, T0)).toBe(false);
    expect(awaitsRecheck(revoked, undefined, T0)).toBe(false);
    expect(recheckDue(revoked, true, T0 + RECHECK - 1)).toBe(false);
    expect(recheckDue(revoked, true, T0 + RECHECK)).toBe(true);
    expect(awaitsRecheck(HEALTHY, true, T0)).toBe(false);
  });

  it("neither a key disabled in the configuration nor one an operator holds awaits it", () => {
    const byConfig = { ...HEALTHY, state: "disabled" as const, reason: "disabled in configuration", disabledByConfig: true, until: Infinity };
    expect(awaitsRecheck(byConfig, true, T0)).toBe(false);
    const held = applyKeyAction(revoked, "disable", "rotating", "ops", T0);
    expect(awaitsRecheck(held, true, T0 + RECHECK)).toBe(false);
    expect(applyRecheck(held, "valid", "", T0 + RECHECK, defaultSettings)).toBe(held);
    expect(applyRecheck(byConfig, "valid", "", T0, defaultSettings)).toBe(byConfig);
  });

  it("valid makes the key active, attributed to the recheck; invalid and unchecked push the next recheck out", () => {
    const now = T0 + RECHECK;
    const valid = applyRecheck(revoked, "valid", "", now, defaultSettings);
    expect(healthState(valid, now)).toBe("active");
    expect(valid).toMatchObject({ reason: "", by: "recheck", unauthorizedReports: [] });

    const invalid = applyRecheck(revoked, "invalid", "Incorrect API key provided", now, defaultSettings);
    expect(healthState(invalid, now)).toBe("disabled");
    expect(invalid).toMatchObject({ until: now + RECHECK, reason: "unauthorized (401/403), still refused on recheck: Incorrect API key provided", by: "recheck" });
    expect(recheckDue(invalid, true, now + RECHECK - 1)).toBe(false);

    const unchecked = applyRecheck(revoked, "unchecked", "connect ECONNREFUSED", now, defaultSettings);
    expect(unchecked).toMatchObject({ until: now + RECHECK, reason: "unauthorized (401/403), recheck could not ask the provider: connect ECONNREFUSED" });
    expect(applyRecheck(HEALTHY, "invalid", "", now, defaultSettings)).toBe(HEALTHY);
  });
});

const KEYS: TestKey[] = [
  { id: "a", secret: "sk-test-recheck-a", probe: true },
  { id: "b", secret: "sk-test-recheck-b" },
];


async function revoke(p: MemoryLeasePool, keyId: string): Promise<void> {
  for (;;) {
    const l = await p.acquire({ provider: "openai" });
    if (l.keyId === keyId) {
      await p.report(l.leaseId, { outcome: "unauthorized" });
      return;
    }
    await p.report(l.leaseId, { outcome: "success" });
  }
}

describe("MemoryLeasePool with probe: true", () => {
  it("a revoked key is never a caller's probe, however long it waits; the sidecar's recheck brings it back", async () => {
    const clock = new ManualClock(T0);
    const events: PoolEvent[] = [];
    const p = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
    p.applyConfig(poolConfig({ openai: KEYS }));
    await revoke(p, "a");
    clock.advance(RECHECK * 3);
    expect(await poolLeasedIds(p, 6)).toEqual(["b", "b", "b", "b", "b", "b"]);

    await expect(p.recheckKey("openai", "a", "invalid", "bad key sk-test-recheck-a")).resolves.toEqual({ from: "disabled", to: "disabled", changed: true });
    const a = p.snapshot().providers[0]!.keys.find((k) => k.keyId === "a")!;
    expect(a.stateReason).toBe("unauthorized (401/403), still refused on recheck: bad key [redacted]");
    expect(a.changedBy).toBe("recheck");

    await expect(p.recheckKey("openai", "a", "valid", "")).resolves.toEqual({ from: "disabled", to: "active", changed: true });
    expect(events.at(-1)).toEqual({ type: "key_state", provider: "openai", keyId: "a", from: "disabled", to: "active", reason: "provider accepted the key on recheck", by: "recheck" });
    expect(await poolLeasedIds(p, 4)).toContain("a");
    await expect(p.recheckKey("openai", "a", "valid", "")).resolves.toEqual({ from: "active", to: "active", changed: false });
    await expect(p.recheckKey("openai", "zz", "valid", "")).rejects.toMatchObject({ code: "NOT_FOUND" });
    p.close();
  });

  it("without probe: true the first lease after the recheck time is the probe, as before", async () => {
    const clock = new ManualClock(T0);
    const p = new MemoryLeasePool({ clock });
    p.applyConfig(poolConfig({ openai: KEYS.map((k) => ({ ...k, probe: false })) }));
    await revoke(p, "a");
    expect(await poolLeasedIds(p, 3)).toEqual(["b", "b", "b"]);
    clock.advance(RECHECK);
    expect(await poolLeasedIds(p, 4)).toContain("a");
    p.close();
  });
});
