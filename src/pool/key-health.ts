import type { PoolSettings } from "../config/types.js";
import type { Outcome } from "../protocol/outcome.js";

export type HealthState = "active" | "cooling_down" | "exhausted" | "disabled";

/**
 * What the outcomes reported for a key say about it: free to use, cooling
 * down after a 429, out of quota, or disabled after a 401/403. Pure: the
 * caller passes the time.
 */
export class KeyHealth {
  private state: HealthState = "active";
  private reason = "";
  /** End of a cooldown or exhaustion; for a disabled key, when it may be probed. */
  private until = 0;
  private consecutiveRateLimits = 0;
  private consecutiveServerErrors = 0;
  /** Lease id of the one probe allowed to test a disabled key. */
  private probeLease: string | undefined;
  /** Disabled by configuration: never probed. */
  private disabledByConfig = false;

  /** Current state, ending cooldowns that are over. */
  current(now: number): HealthState {
    if ((this.state === "cooling_down" || this.state === "exhausted") && now >= this.until) {
      this.state = "active";
      this.reason = "";
    }
    return this.state;
  }

  stateReason(now: number): string {
    this.current(now);
    return this.reason;
  }

  /** When a cooldown or exhaustion ends, or a disabled key may be probed; undefined when active. */
  availableAt(now: number): number | undefined {
    const s = this.current(now);
    if (s === "active") return undefined;
    if (s === "disabled") return this.disabledByConfig ? Infinity : this.probeLease !== undefined ? Infinity : this.until;
    return this.until;
  }

  /** True when a lease may be granted now (a disabled key allows a single probe once its recheck is due). */
  leasable(now: number): boolean {
    const s = this.current(now);
    if (s === "active") return true;
    return s === "disabled" && !this.disabledByConfig && this.probeLease === undefined && now >= this.until;
  }

  /** Records that a lease was granted; for a disabled key it is the probe. */
  granted(leaseId: string, now: number): void {
    if (this.current(now) === "disabled") this.probeLease = leaseId;
  }

  isProbe(leaseId: string): boolean {
    return this.probeLease === leaseId;
  }

  setDisabledByConfig(disabled: boolean): void {
    if (disabled) {
      this.state = "disabled";
      this.reason = "disabled in configuration";
      this.disabledByConfig = true;
      this.until = Infinity;
    } else if (this.disabledByConfig) {
      this.disabledByConfig = false;
      this.state = "active";
      this.reason = "";
    }
  }

  /** A lease ended without a report (expired): a pending probe may be retried. */
  leaseEnded(leaseId: string): void {
    if (this.probeLease === leaseId) this.probeLease = undefined;
  }

  /**
   * Applies a reported outcome. `retryAfterMs` is the delay the provider asked
   * for, when it said one. Returns true when the state changed.
   */
  apply(outcome: Outcome, leaseId: string, retryAfterMs: number | undefined, now: number, settings: PoolSettings, detail: string): boolean {
    const before = this.current(now);
    const beforeReason = this.reason;
    const wasProbe = this.probeLease === leaseId;
    if (wasProbe) this.probeLease = undefined;
    switch (outcome) {
      case "success":
        this.consecutiveRateLimits = 0;
        this.consecutiveServerErrors = 0;
        if (before === "disabled" && wasProbe) this.set("active", "", 0);
        break;
      case "rate_limited": {
        this.consecutiveRateLimits += 1;
        const backoff = Math.min(
          settings.backoffMaxMs,
          settings.backoffInitialMs * 2 ** Math.min(30, this.consecutiveRateLimits - 1),
        );
        const delay = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : backoff;
        if (before !== "disabled") this.extend("cooling_down", withDetail("rate limited (429)", detail), now + delay);
        break;
      }
      case "quota_exhausted": {
        const delay = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : settings.quotaCooldownMs;
        if (before !== "disabled") this.extend("exhausted", withDetail("quota exhausted", detail), now + delay);
        break;
      }
      case "unauthorized":
        if (!this.disabledByConfig) {
          this.set("disabled", withDetail("unauthorized (401/403)", detail), now + settings.unauthorizedRecheckMs);
        }
        break;
      case "server_error":
      case "timeout":
        this.consecutiveServerErrors += 1;
        if (this.consecutiveServerErrors >= settings.serverErrorThreshold && before === "active") {
          this.consecutiveServerErrors = 0;
          this.extend(
            "cooling_down",
            `${settings.serverErrorThreshold} server errors or timeouts in a row`,
            now + settings.serverErrorCooldownMs,
          );
        }
        break;
      case "client_error":
      case "cancelled":
        break;
    }
    return this.state !== before || this.reason !== beforeReason;
  }

  private set(state: HealthState, reason: string, until: number): void {
    this.state = state;
    this.reason = reason;
    this.until = until;
  }

  /** Cooldowns only lengthen: concurrent 429s must not shorten an earlier, longer one. */
  private extend(state: "cooling_down" | "exhausted", reason: string, until: number): void {
    if (this.state === "exhausted" && state === "cooling_down" && this.until >= until) return;
    const longer = this.state === state ? Math.max(this.until, until) : until;
    this.set(state, reason, longer);
  }
}

function withDetail(base: string, detail: string): string {
  return detail === "" ? base : `${base}: ${detail}`;
}
