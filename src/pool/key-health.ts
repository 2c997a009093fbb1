import type { PoolSettings } from "../config/types.js";
import type { Outcome } from "../protocol/outcome.js";

export type HealthState = "active" | "cooling_down" | "exhausted" | "disabled";

/**
 * What the outcomes reported for a key say about it: free to use, cooling
 * down after a 429, out of quota, or disabled after a 401/403. Plain,
 * serializable data: a store keeps it as it is, and every change is one of
 * the pure functions below, a function of (health, event, now). A cooldown
 * ends by time alone: readers compute the state at their `now`, nothing is
 * written when it runs out.
 */
export interface KeyHealth {
  /** The state as last written; read it through {@link healthState}, which lets cooldowns end. */
  readonly state: HealthState;
  readonly reason: string;
  /** End of a cooldown or exhaustion; for a disabled key, when it may be probed. */
  readonly until: number;
  readonly consecutiveRateLimits: number;
  readonly consecutiveServerErrors: number;
  /** Lease id of the one probe allowed to test a disabled key. */
  readonly probeLease: string | undefined;
  /** Disabled by configuration: never probed. */
  readonly disabledByConfig: boolean;
}

export const HEALTHY: KeyHealth = Object.freeze({
  state: "active",
  reason: "",
  until: 0,
  consecutiveRateLimits: 0,
  consecutiveServerErrors: 0,
  probeLease: undefined,
  disabledByConfig: false,
});

/** The health at `now`: a cooldown or exhaustion that is over reads as active. */
export function healthAt(h: KeyHealth, now: number): KeyHealth {
  if ((h.state === "cooling_down" || h.state === "exhausted") && now >= h.until) return { ...h, state: "active", reason: "" };
  return h;
}

export function healthState(h: KeyHealth, now: number): HealthState {
  if ((h.state === "cooling_down" || h.state === "exhausted") && now >= h.until) return "active";
  return h.state;
}

export function healthReason(h: KeyHealth, now: number): string {
  return healthState(h, now) === h.state ? h.reason : "";
}

/** When a cooldown or exhaustion ends, or a disabled key may be probed; undefined when active. */
export function healthAvailableAt(h: KeyHealth, now: number): number | undefined {
  const s = healthState(h, now);
  if (s === "active") return undefined;
  if (s === "disabled") return h.disabledByConfig || h.probeLease !== undefined ? Infinity : h.until;
  return h.until;
}

/** True when a lease may be granted now (a disabled key allows a single probe once its recheck is due). */
export function healthLeasable(h: KeyHealth, now: number): boolean {
  const s = healthState(h, now);
  if (s === "active") return true;
  return s === "disabled" && !h.disabledByConfig && h.probeLease === undefined && now >= h.until;
}

/** A lease was granted; for a disabled key it is the probe. */
export function healthGranted(h: KeyHealth, leaseId: string, now: number): KeyHealth {
  return healthState(h, now) === "disabled" ? { ...h, probeLease: leaseId } : h;
}

/** A lease ended without a report (expired): a pending probe may be retried. */
export function healthLeaseEnded(h: KeyHealth, leaseId: string): KeyHealth {
  return h.probeLease === leaseId ? { ...h, probeLease: undefined } : h;
}

/** The configuration enables or disables the key. */
export function healthConfigured(h: KeyHealth, enabled: boolean): KeyHealth {
  if (!enabled) return { ...h, state: "disabled", reason: "disabled in configuration", disabledByConfig: true, until: Infinity };
  if (h.disabledByConfig) return { ...h, disabledByConfig: false, state: "active", reason: "" };
  return h;
}

/** The event of a report, as the health sees it. */
export interface ReportedOutcome {
  readonly outcome: Outcome;
  readonly leaseId: string;
  /** The delay the provider asked for, when it said one. */
  readonly retryAfterMs: number | undefined;
  /** Provider error text, already redacted. */
  readonly detail: string;
}

/** The health after a reported outcome. */
export function applyOutcome(health: KeyHealth, event: ReportedOutcome, now: number, settings: PoolSettings): KeyHealth {
  let h = healthAt(health, now);
  const before = h.state;
  const wasProbe = h.probeLease === event.leaseId;
  if (wasProbe) h = { ...h, probeLease: undefined };
  const { retryAfterMs, detail } = event;
  switch (event.outcome) {
    case "success":
      h = h.consecutiveRateLimits === 0 && h.consecutiveServerErrors === 0 ? h : { ...h, consecutiveRateLimits: 0, consecutiveServerErrors: 0 };
      return before === "disabled" && wasProbe ? { ...h, state: "active", reason: "", until: 0 } : h;
    case "rate_limited": {
      const consecutiveRateLimits = h.consecutiveRateLimits + 1;
      h = { ...h, consecutiveRateLimits };
      const backoff = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** Math.min(30, consecutiveRateLimits - 1));
      const delay = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : backoff;
      return before === "disabled" ? h : extend(h, "cooling_down", withDetail("rate limited (429)", detail), now + delay);
    }
    case "quota_exhausted": {
      const delay = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : settings.quotaCooldownMs;
      return before === "disabled" ? h : extend(h, "exhausted", withDetail("quota exhausted", detail), now + delay);
    }
    case "unauthorized":
      if (h.disabledByConfig) return h;
      return { ...h, state: "disabled", reason: withDetail("unauthorized (401/403)", detail), until: now + settings.unauthorizedRecheckMs };
    case "server_error":
    case "timeout": {
      const errors = h.consecutiveServerErrors + 1;
      if (errors >= settings.serverErrorThreshold && before === "active") {
        const reason = `${settings.serverErrorThreshold} server errors or timeouts in a row`;
        return extend({ ...h, consecutiveServerErrors: 0 }, "cooling_down", reason, now + settings.serverErrorCooldownMs);
      }
      return { ...h, consecutiveServerErrors: errors };
    }
    case "client_error":
    case "cancelled":
      return h;
  }
}

/** Cooldowns only lengthen: concurrent 429s must not shorten an earlier, longer one. */
function extend(h: KeyHealth, state: "cooling_down" | "exhausted", reason: string, until: number): KeyHealth {
  if (h.state === "exhausted" && state === "cooling_down" && h.until >= until) return h;
  const longer = h.state === state ? Math.max(h.until, until) : until;
  return { ...h, state, reason, until: longer };
}

function withDetail(base: string, detail: string): string {
  return detail === "" ? base : `${base}: ${detail}`;
}
