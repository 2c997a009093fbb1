import type { PoolSettings } from "../config/types.js";
import { formatDuration } from "../config/duration.js";
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
  /**
   * Who caused the last change of state: a client's name, "anonymous",
   * "config" or "time" (a cooldown that ran out); "" before any change.
   */
  readonly by: string;
  /**
   * UNAUTHORIZED reports not yet confirmed by a quorum: one entry per distinct
   * client, oldest first, at most the quorum's size. Cleared when the key is disabled.
   */
  readonly unauthorizedReports: readonly UnauthorizedReport[];
  /**
   * An operator took the key out (disabled or drained): it serves no lease,
   * whatever reports, reloads or the configuration say, until an operator
   * enables it. The health underneath goes on as before.
   */
  readonly hold: OperatorHold | undefined;
  /** An operator asked for a probe of a cooling-down or exhausted key: the next acquisition tests it. */
  readonly probeDue: boolean;
}

/** An operator's disable or drain, with who did it and why. */
export interface OperatorHold {
  readonly kind: "disabled" | "draining";
  /** The operator's words; may be empty. */
  readonly reason: string;
  readonly by: string;
  readonly at: number;
  /** The key's configuration changed while it was held: shown beside the hold, applied once it is lifted. */
  readonly configChanged: boolean;
}

export interface UnauthorizedReport {
  readonly by: string;
  readonly at: number;
}

export const HEALTHY: KeyHealth = Object.freeze({
  state: "active",
  reason: "",
  until: 0,
  consecutiveRateLimits: 0,
  consecutiveServerErrors: 0,
  probeLease: undefined,
  disabledByConfig: false,
  by: "",
  unauthorizedReports: Object.freeze([]) as readonly UnauthorizedReport[],
  hold: undefined,
  probeDue: false,
});

/** The name a state change is attributed to: the client's, or "anonymous" for a caller without one. */
export function attribution(client: string): string {
  return client === "" ? "anonymous" : client;
}

/** The health at `now`: a cooldown or exhaustion that is over reads as active. */
export function healthAt(h: KeyHealth, now: number): KeyHealth {
  if (cooldownOver(h, now)) return { ...h, state: "active", reason: "", probeDue: false, by: h.hold === undefined ? "time" : h.by };
  return h;
}

/** The state of the health alone; an operator's drain is the key's state ("draining"), not the health's. */
export function healthState(h: KeyHealth, now: number): HealthState {
  if (h.hold?.kind === "disabled") return "disabled";
  if (cooldownOver(h, now)) return "active";
  return h.state;
}

export function healthReason(h: KeyHealth, now: number): string {
  if (h.hold !== undefined) return holdReason(h.hold);
  return healthState(h, now) === h.state ? h.reason : "";
}

/** Who caused the last change: the operator while a hold lasts, whatever happened underneath. */
export function healthChangedBy(h: KeyHealth, now: number): string {
  return h.hold?.by ?? healthAt(h, now).by;
}

/** How a hold reads in statistics and logs: what the operator did, who, why. */
export function holdReason(hold: OperatorHold): string {
  const what = hold.kind === "disabled" ? "disabled by operator" : "drained by operator";
  const why = hold.reason === "" ? "" : `: ${hold.reason}`;
  return `${what} ${hold.by}${why}${hold.configChanged ? " (the key's configuration changed since)" : ""}`;
}

/** When a cooldown or exhaustion ends, or a disabled key may be probed; undefined when active. */
export function healthAvailableAt(h: KeyHealth, now: number): number | undefined {
  if (h.hold !== undefined) return Infinity;
  const s = healthState(h, now);
  if (s === "active") return undefined;
  if (s === "disabled") return h.disabledByConfig || h.probeLease !== undefined ? Infinity : h.until;
  return h.probeDue && h.probeLease === undefined ? now : h.until;
}

/**
 * True when a lease may be granted now: an active key, or a single probe of
 * a disabled key once its recheck is due or of a cooling key an operator
 * asked to probe. Never while an operator holds the key.
 */
export function healthLeasable(h: KeyHealth, now: number): boolean {
  if (h.hold !== undefined) return false;
  const s = healthState(h, now);
  if (s === "active") return true;
  if (h.probeLease !== undefined) return false;
  if (s === "disabled") return !h.disabledByConfig && now >= h.until;
  return h.probeDue;
}

/** A lease was granted; for a key that is not active it is the probe. */
export function healthGranted(h: KeyHealth, leaseId: string, now: number): KeyHealth {
  return healthState(h, now) === "active" ? h : { ...h, probeLease: leaseId, probeDue: false };
}

/** A lease ended without a report (expired): a pending probe may be retried. */
export function healthLeaseEnded(h: KeyHealth, leaseId: string): KeyHealth {
  if (h.probeLease !== leaseId) return h;
  // A disabled key is probed again once its recheck is due; a cooling key only had the one the operator asked for.
  return { ...h, probeLease: undefined, probeDue: h.state !== "disabled" };
}

function cooldownOver(h: KeyHealth, now: number): boolean {
  return (h.state === "cooling_down" || h.state === "exhausted") && now >= h.until;
}

/** The configuration enables or disables the key. */
export function healthConfigured(h: KeyHealth, enabled: boolean): KeyHealth {
  if (!enabled) return { ...h, state: "disabled", reason: "disabled in configuration", disabledByConfig: true, until: Infinity, by: "config" };
  if (h.disabledByConfig) return { ...h, disabledByConfig: false, state: "active", reason: "", by: "config" };
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
  /** Who reported it, for attribution ({@link attribution}). */
  readonly by: string;
  /** The reporter's word alone confirms an UNAUTHORIZED (a trusted client or an admin). */
  readonly confirms: boolean;
  /** Distinct clients whose UNAUTHORIZED reports disable the key ({@link unauthorizedQuorum}). */
  readonly quorum: number;
  /**
   * The provider said the key's quota is gone (a daily quota, a spend limit, a
   * payment): exhausted until then, whatever the retry hint.
   */
  readonly exhaustion?: { readonly reason: string; readonly until: number } | undefined;
}

/** The quorum for UNAUTHORIZED: configured, or 1 with at most one client and 2 with several. */
export function unauthorizedQuorum(settings: PoolSettings, configuredClients: number): number {
  return settings.unauthorizedQuorum ?? (configuredClients > 1 ? 2 : 1);
}

/**
 * The delay a report asks for, within the server's cap for its outcome: a
 * client cannot keep a key out longer than the operator allows. `clampedFrom`
 * is the asked-for delay when it was cut.
 */
export function boundedRetryAfter(
  outcome: "rate_limited" | "quota_exhausted",
  retryAfterMs: number | undefined,
  settings: PoolSettings,
): { ms: number | undefined; clampedFrom: number | undefined } {
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return { ms: undefined, clampedFrom: undefined };
  const cap = outcome === "rate_limited" ? settings.maxRateLimitCooldownMs : settings.maxQuotaCooldownMs;
  return retryAfterMs > cap ? { ms: cap, clampedFrom: retryAfterMs } : { ms: retryAfterMs, clampedFrom: undefined };
}

/**
 * What a report's clamped retry_after reads as in its announcement, when the
 * server's cap shortened the cooldown it caused; undefined otherwise.
 */
export function clampNotice(outcome: Outcome, retryAfterMs: number | undefined, after: string, settings: PoolSettings): string | undefined {
  if (!((outcome === "rate_limited" && after === "cooling_down") || (outcome === "quota_exhausted" && after === "exhausted"))) return undefined;
  const asked = boundedRetryAfter(outcome, retryAfterMs, settings);
  return asked.clampedFrom === undefined ? undefined : `retry_after of ${asked.clampedFrom} ms clamped to ${asked.ms ?? 0} ms`;
}

/**
 * True when `after` takes the key out of service, or further out, than
 * `before` at `now`: a new or longer cooldown, exhaustion, hold or disable.
 * These are what a client's key-action budget counts.
 */
export function putsOutOfService(before: KeyHealth, after: KeyHealth, now: number): boolean {
  if (after === before || healthState(after, now) === "active") return false;
  const was = healthState(before, now);
  return was === "active" || after.state !== before.state || after.until > before.until;
}

/** The health after a reported outcome. */
export function applyOutcome(health: KeyHealth, event: ReportedOutcome, now: number, settings: PoolSettings): KeyHealth {
  let h = healthAt(health, now);
  const before = h.state;
  const wasProbe = h.probeLease === event.leaseId;
  if (wasProbe) h = { ...h, probeLease: undefined };
  const { detail, by } = event;
  if (event.exhaustion !== undefined && event.outcome !== "success" && event.outcome !== "unauthorized" && before !== "disabled") {
    return extend(h, "exhausted", withDetail(event.exhaustion.reason, detail), event.exhaustion.until, by);
  }
  switch (event.outcome) {
    case "success":
      h = h.consecutiveRateLimits === 0 && h.consecutiveServerErrors === 0 ? h : { ...h, consecutiveRateLimits: 0, consecutiveServerErrors: 0 };
      return before !== "active" && wasProbe ? { ...h, state: "active", reason: "", until: 0, by } : h;
    case "rate_limited": {
      const consecutiveRateLimits = h.consecutiveRateLimits + 1;
      h = { ...h, consecutiveRateLimits };
      const backoff = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** Math.min(30, consecutiveRateLimits - 1));
      const asked = boundedRetryAfter("rate_limited", event.retryAfterMs, settings);
      const reason = withDetail(`rate limited (429)${clampNote(asked.clampedFrom, asked.ms)}`, detail);
      return before === "disabled" ? h : extend(h, "cooling_down", reason, now + (asked.ms ?? backoff), by);
    }
    case "quota_exhausted": {
      const asked = boundedRetryAfter("quota_exhausted", event.retryAfterMs, settings);
      const reason = withDetail(`quota exhausted${clampNote(asked.clampedFrom, asked.ms)}`, detail);
      return before === "disabled" ? h : extend(h, "exhausted", reason, now + (asked.ms ?? settings.quotaCooldownMs), by);
    }
    case "unauthorized":
      return unauthorizedReported(h, before, event, now, settings);
    case "server_error":
    case "timeout": {
      const errors = h.consecutiveServerErrors + 1;
      if (errors >= settings.serverErrorThreshold && before === "active") {
        const reason = `${settings.serverErrorThreshold} server errors or timeouts in a row`;
        return extend({ ...h, consecutiveServerErrors: 0 }, "cooling_down", reason, now + settings.serverErrorCooldownMs, by);
      }
      return { ...h, consecutiveServerErrors: errors };
    }
    case "client_error":
    case "cancelled":
      return h;
  }
}

/**
 * A 401/403 disables the key once a quorum of distinct clients said so
 * within the window, or a client whose word alone confirms it (trusted or
 * admin), or when the key was already disabled (a failed probe). Until then
 * the key is only held back for a short while: one client's reports cannot
 * take a key away from everyone.
 */
function unauthorizedReported(h: KeyHealth, before: HealthState, event: ReportedOutcome, now: number, settings: PoolSettings): KeyHealth {
  if (h.disabledByConfig) return h;
  const { by, detail } = event;
  const since = now - settings.unauthorizedWindowMs;
  const reports = h.unauthorizedReports.filter((r) => r.at > since && r.by !== by);
  reports.push({ by, at: now });
  const quorum = Math.max(1, event.quorum);
  if (event.confirms || before === "disabled" || reports.length >= quorum) {
    const confirmedBy = reports.length > 1 ? `, confirmed by ${reports.map((r) => r.by).join(", ")}` : "";
    const reason = withDetail(`unauthorized (401/403)${confirmedBy}`, detail);
    return { ...h, state: "disabled", reason, until: now + settings.unauthorizedRecheckMs, by, unauthorizedReports: HEALTHY.unauthorizedReports };
  }
  const kept = reports.slice(-quorum);
  const reason = withDetail(`unauthorized (401/403) reported by ${by}, awaits confirmation (${kept.length} of ${quorum} clients)`, detail);
  return { ...extend(h, "cooling_down", reason, now + settings.unauthorizedHoldMs, by), unauthorizedReports: kept };
}

function clampNote(clampedFrom: number | undefined, ms: number | undefined): string {
  return clampedFrom === undefined || ms === undefined ? "" : `, retry_after ${formatDuration(clampedFrom)} clamped to ${formatDuration(ms)}`;
}

/** Cooldowns only lengthen: concurrent 429s must not shorten an earlier, longer one. */
function extend(h: KeyHealth, state: "cooling_down" | "exhausted", reason: string, until: number, by: string): KeyHealth {
  if (h.state === "exhausted" && state === "cooling_down" && h.until >= until) return h;
  const longer = h.state === state ? Math.max(h.until, until) : until;
  return { ...h, state, reason, until: longer, by };
}

function withDetail(base: string, detail: string): string {
  return detail === "" ? base : `${base}: ${detail}`;
}
