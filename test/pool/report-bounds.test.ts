import { describe, expect, it } from "vitest";
import { defaultSettings, type PoolSettings } from "../../src/config/types.js";
import { spendKeyAction, KEY_ACTION_WINDOW_MS, type KeyActionBudget } from "../../src/pool/key-action-budget.js";
import {
  applyOutcome,
  boundedRetryAfter,
  healthAt,
  healthState,
  HEALTHY,
  putsOutOfService,
  unauthorizedQuorum,
  type KeyHealth,
  type ReportedOutcome,
} from "../../src/pool/key-health.js";

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const YEARS_10K = 10_000 * 365 * 24 * HOUR;
const settings: PoolSettings = { ...defaultSettings, unauthorizedQuorum: 2 };

function event(outcome: ReportedOutcome["outcome"], by: string, more: Partial<ReportedOutcome> = {}): ReportedOutcome {
  return { outcome, leaseId: `ls_${by}`, retryAfterMs: undefined, detail: "", by, confirms: false, quorum: 2, ...more };
}

describe("report caps", () => {
  it("a 429 asking for 10,000 years cools the key for the cap, says it was clamped, and is attributed", () => {
    const h = applyOutcome(HEALTHY, event("rate_limited", "wiki", { retryAfterMs: YEARS_10K }), T0, settings);
    expect(h).toMatchObject({ state: "cooling_down", until: T0 + settings.maxRateLimitCooldownMs, by: "wiki" });
    expect(h.reason).toBe("rate limited (429), retry_after 3650000d clamped to 1h");
    expect(healthState(h, T0 + HOUR)).toBe("active");
    expect(healthAt(h, T0 + HOUR).by).toBe("time");
  });

  it("quota exhaustion is capped by max_quota_cooldown; a delay within the cap is kept as asked", () => {
    const capped = applyOutcome(HEALTHY, event("quota_exhausted", "wiki", { retryAfterMs: YEARS_10K, detail: "daily" }), T0, settings);
    expect(capped).toMatchObject({ state: "exhausted", until: T0 + 24 * HOUR });
    expect(capped.reason).toBe("quota exhausted, retry_after 3650000d clamped to 1d: daily");
    const within = applyOutcome(HEALTHY, event("quota_exhausted", "wiki", { retryAfterMs: 5 * HOUR }), T0, settings);
    expect(within).toMatchObject({ state: "exhausted", until: T0 + 5 * HOUR, reason: "quota exhausted" });
  });

  it("boundedRetryAfter says what it cut, per outcome", () => {
    expect(boundedRetryAfter("rate_limited", 2 * HOUR, settings)).toEqual({ ms: HOUR, clampedFrom: 2 * HOUR });
    expect(boundedRetryAfter("quota_exhausted", 2 * HOUR, settings)).toEqual({ ms: 2 * HOUR, clampedFrom: undefined });
    expect(boundedRetryAfter("rate_limited", undefined, settings)).toEqual({ ms: undefined, clampedFrom: undefined });
    expect(boundedRetryAfter("rate_limited", 0, settings)).toEqual({ ms: undefined, clampedFrom: undefined });
  });
});

describe("UNAUTHORIZED quorum", () => {
  it("one client's reports only hold the key briefly; the hold ends by time", () => {
    let h: KeyHealth = HEALTHY;
    for (let i = 0; i < 5; i++) h = applyOutcome(h, event("unauthorized", "wiki"), T0 + i, settings);
    expect(h).toMatchObject({ state: "cooling_down", until: T0 + 4 + settings.unauthorizedHoldMs, by: "wiki" });
    expect(h.reason).toBe("unauthorized (401/403) reported by wiki, awaits confirmation (1 of 2 clients)");
    expect(h.unauthorizedReports).toEqual([{ by: "wiki", at: T0 + 4 }]);
    expect(healthState(h, T0 + 4 + settings.unauthorizedHoldMs)).toBe("active");
  });

  it("a second distinct client within the window disables the key and clears the reports", () => {
    const held = applyOutcome(HEALTHY, event("unauthorized", "wiki"), T0, settings);
    const h = applyOutcome(held, event("unauthorized", "batch", { detail: "invalid_api_key" }), T0 + 60_000, settings);
    expect(h).toMatchObject({ state: "disabled", by: "batch", until: T0 + 60_000 + settings.unauthorizedRecheckMs, unauthorizedReports: [] });
    expect(h.reason).toBe("unauthorized (401/403), confirmed by wiki, batch: invalid_api_key");
  });

  it("a report older than the window does not count towards the quorum", () => {
    const held = applyOutcome(HEALTHY, event("unauthorized", "wiki"), T0, settings);
    const h = applyOutcome(held, event("unauthorized", "batch"), T0 + settings.unauthorizedWindowMs, settings);
    expect(h.state).toBe("cooling_down");
    expect(h.unauthorizedReports).toEqual([{ by: "batch", at: T0 + settings.unauthorizedWindowMs }]);
  });

  it("a trusted client or an admin confirms alone; a quorum of 1 needs no confirmation", () => {
    expect(applyOutcome(HEALTHY, event("unauthorized", "ops", { confirms: true }), T0, settings)).toMatchObject({ state: "disabled", by: "ops" });
    expect(applyOutcome(HEALTHY, event("unauthorized", "anonymous", { quorum: 1 }), T0, settings)).toMatchObject({ state: "disabled", by: "anonymous" });
  });

  it("the distinct-client set stays within the quorum however many clients report", () => {
    const big = { ...settings, unauthorizedQuorum: 3 };
    let h: KeyHealth = HEALTHY;
    h = applyOutcome(h, event("unauthorized", "a", { quorum: 3 }), T0, big);
    h = applyOutcome(h, event("unauthorized", "a", { quorum: 3 }), T0 + 1, big);
    h = applyOutcome(h, event("unauthorized", "b", { quorum: 3 }), T0 + 2, big);
    expect(h.unauthorizedReports.map((r) => r.by)).toEqual(["a", "b"]);
    h = applyOutcome(h, event("unauthorized", "c", { quorum: 3 }), T0 + 3, big);
    expect(h.state).toBe("disabled");
    expect(h.unauthorizedReports).toEqual([]);
  });

  it("the default quorum is 1 for zero or one configured clients and 2 for several; a configured one wins", () => {
    const auto = { ...defaultSettings, unauthorizedQuorum: undefined };
    expect([0, 1, 2, 7].map((n) => unauthorizedQuorum(auto, n))).toEqual([1, 1, 2, 2]);
    expect(unauthorizedQuorum({ ...auto, unauthorizedQuorum: 3 }, 1)).toBe(3);
  });
});

describe("key-action budget", () => {
  const budgetSettings = { ...defaultSettings, maxKeyActionsPerClient: 2 };

  it("allows the budget per window, refuses beyond it with one first refusal, and renews with the next window", () => {
    let b: KeyActionBudget | undefined;
    const allowed: boolean[] = [];
    const first: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const d = spendKeyAction(b, T0 + i, budgetSettings);
      allowed.push(d.allowed);
      first.push(d.firstRefusal);
      b = d.budget;
    }
    expect(allowed).toEqual([true, true, false, false, false]);
    expect(first).toEqual([false, false, true, false, false]);
    const next = spendKeyAction(b, T0 + KEY_ACTION_WINDOW_MS, budgetSettings);
    expect(next).toMatchObject({ allowed: true, budget: { windowStart: T0 + KEY_ACTION_WINDOW_MS, used: 1, refusalNoted: false } });
  });

  it("counts new or longer outages, not reports that leave the key in service", () => {
    const cooled = applyOutcome(HEALTHY, event("rate_limited", "wiki", { retryAfterMs: 10_000 }), T0, settings);
    expect(putsOutOfService(HEALTHY, cooled, T0)).toBe(true);
    const longer = applyOutcome(cooled, event("rate_limited", "wiki", { retryAfterMs: 20_000 }), T0, settings);
    expect(putsOutOfService(cooled, longer, T0)).toBe(true);
    const shorter = applyOutcome(cooled, event("rate_limited", "wiki", { retryAfterMs: 1_000 }), T0, settings);
    expect(putsOutOfService(cooled, shorter, T0)).toBe(false);
    const success = applyOutcome(HEALTHY, event("success", "wiki"), T0, settings);
    expect(putsOutOfService(HEALTHY, success, T0)).toBe(false);
    const oneServerError = applyOutcome(HEALTHY, event("server_error", "wiki"), T0, settings);
    expect(putsOutOfService(HEALTHY, oneServerError, T0)).toBe(false);
  });
});
