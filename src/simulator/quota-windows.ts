import type { LimitState, LimitViolation } from "./limits.js";
import { PacificDayCounter } from "./pacific-day-counter.js";
import { SlidingWindow } from "./sliding-window.js";
import type { DayReset, SimulatorLimits } from "./types.js";

/** Minutes in a day: the day window is this many minute windows long. */
const windowsPerDay = 1440;

/**
 * The sliding windows of one set of limits: a key's, a project's, or either's
 * for one model. Counting and checking are separate so that a request is
 * counted only once every set it belongs to has room.
 */
export class QuotaWindows {
  readonly minuteRequests: SlidingWindow;
  readonly minuteTokens: SlidingWindow;
  private readonly dayRequests: SlidingWindow | PacificDayCounter;

  constructor(
    public limits: SimulatorLimits,
    windowMs: number,
    readonly scope: LimitViolation["scope"],
    readonly model: string | undefined,
    dayReset: DayReset,
  ) {
    this.minuteRequests = new SlidingWindow(windowMs);
    this.minuteTokens = new SlidingWindow(windowMs);
    this.dayRequests = dayReset === "midnight-pacific" ? new PacificDayCounter() : new SlidingWindow(windowMs * windowsPerDay);
  }

  /** Every limit a request needing `tokens` would break at `now`. */
  violations(now: number, tokens: number): LimitViolation[] {
    const out: LimitViolation[] = [];
    const { rpm, tpm, rpd } = this.limits;
    if (rpd !== undefined) this.check(out, "rpd", this.dayRequests, now, 1, rpd);
    if (rpm !== undefined) this.check(out, "rpm", this.minuteRequests, now, 1, rpm);
    if (tpm !== undefined) this.check(out, "tpm", this.minuteTokens, now, tokens, tpm);
    return out;
  }

  count(now: number, tokens: number): void {
    this.minuteRequests.add(now, 1);
    this.minuteTokens.add(now, tokens);
    this.dayRequests.add(now, 1);
  }

  /** The minute windows as rate-limit headers report them; undefined where there is no limit. */
  requestState(now: number): LimitState | undefined {
    return state(this.limits.rpm, this.minuteRequests, now);
  }

  tokenState(now: number): LimitState | undefined {
    return state(this.limits.tpm, this.minuteTokens, now);
  }

  clear(): void {
    this.minuteRequests.clear();
    this.minuteTokens.clear();
    this.dayRequests.clear();
  }

  private check(out: LimitViolation[], kind: LimitViolation["kind"], window: SlidingWindow | PacificDayCounter, now: number, requested: number, limit: number): void {
    const wait = window.waitFor(now, requested, limit);
    if (wait === 0) return;
    const violation: LimitViolation = { kind, scope: this.scope, limit, used: window.used(now), requested, retryAfterMs: wait };
    if (this.model !== undefined) violation.model = this.model;
    out.push(violation);
  }
}

function state(limit: number | undefined, window: SlidingWindow, now: number): LimitState | undefined {
  if (limit === undefined) return undefined;
  return { limit, remaining: Math.max(0, limit - window.used(now)), resetMs: window.untilEmpty(now) };
}
