import { SlidingWindow } from "./sliding-window.js";
import type { LimitSnapshot, LimitViolation } from "./limits.js";
import type { SimulatorKeyLimits, SimulatorKeyStats } from "./types.js";

/** A failure queued by `failNext`. */
export interface InjectedFailure {
  status: number;
  retryAfterSeconds: number | undefined;
}

interface QueuedFailure extends InjectedFailure {
  remaining: number;
}

/** Minutes in a day: the day window is this many minute windows long. */
const windowsPerDay = 1440;

export type Admission = { ok: true } | { ok: false; violation: LimitViolation };

/**
 * One accepted secret: its limits, its sliding windows, queued failures and
 * counters. Requests count when they are accepted (on arrival, before any
 * simulated latency); refused requests count nowhere.
 */
export class SimulatedKey {
  limits: SimulatorKeyLimits;
  revoked = false;
  stats: SimulatorKeyStats;
  private failures: QueuedFailure[] = [];
  private readonly minuteRequests: SlidingWindow;
  private readonly minuteTokens: SlidingWindow;
  private readonly dayRequests: SlidingWindow;

  constructor(
    readonly label: string,
    limits: SimulatorKeyLimits,
    windowMs: number,
  ) {
    this.limits = { ...limits };
    this.stats = emptyKeyStats(label);
    this.minuteRequests = new SlidingWindow(windowMs);
    this.minuteTokens = new SlidingWindow(windowMs);
    this.dayRequests = new SlidingWindow(windowMs * windowsPerDay);
  }

  /**
   * Counts the request if it fits every limit; otherwise says which limit
   * refused it, with the longest wait. The token limit is checked with
   * `checkTokens` (prompt + the most the completion may take, as providers
   * estimate it) and `usedTokens` (prompt + actual completion) is what stays counted.
   */
  admit(now: number, checkTokens: number, usedTokens: number): Admission {
    const violations: LimitViolation[] = [];
    const { rpm, tpm, rpd } = this.limits;
    if (rpd !== undefined) this.check(violations, "rpd", this.dayRequests, now, 1, rpd);
    if (rpm !== undefined) this.check(violations, "rpm", this.minuteRequests, now, 1, rpm);
    if (tpm !== undefined) this.check(violations, "tpm", this.minuteTokens, now, checkTokens, tpm);
    const worst = violations.sort(byWait)[0];
    if (worst !== undefined) return { ok: false, violation: worst };
    this.minuteRequests.add(now, 1);
    this.minuteTokens.add(now, usedTokens);
    this.dayRequests.add(now, 1);
    this.stats.peakRequestsPerWindow = Math.max(this.stats.peakRequestsPerWindow, this.minuteRequests.used(now));
    this.stats.peakTokensPerWindow = Math.max(this.stats.peakTokensPerWindow, this.minuteTokens.used(now));
    return { ok: true };
  }

  /** The minute windows as the rate-limit headers report them. */
  snapshot(now: number): LimitSnapshot {
    const { rpm, tpm } = this.limits;
    return {
      requests:
        rpm === undefined
          ? undefined
          : {
              limit: rpm,
              remaining: Math.max(0, rpm - this.minuteRequests.used(now)),
              resetMs: this.minuteRequests.untilEmpty(now),
            },
      tokens:
        tpm === undefined
          ? undefined
          : {
              limit: tpm,
              remaining: Math.max(0, tpm - this.minuteTokens.used(now)),
              resetMs: this.minuteTokens.untilEmpty(now),
            },
    };
  }

  queueFailure(failure: InjectedFailure, count: number): void {
    this.failures.push({ ...failure, remaining: count });
  }

  /** Takes the next queued failure, if any. */
  takeFailure(): InjectedFailure | undefined {
    const next = this.failures[0];
    if (next === undefined) return undefined;
    next.remaining--;
    if (next.remaining <= 0) this.failures.shift();
    return { status: next.status, retryAfterSeconds: next.retryAfterSeconds };
  }

  reset(): void {
    this.failures = [];
    this.minuteRequests.clear();
    this.minuteTokens.clear();
    this.dayRequests.clear();
    const inFlight = this.stats.inFlight;
    this.stats = emptyKeyStats(this.label);
    // Responses still open will end and decrement; keep their count honest.
    this.stats.inFlight = inFlight;
  }

  private check(
    out: LimitViolation[],
    kind: LimitViolation["kind"],
    window: SlidingWindow,
    now: number,
    requested: number,
    limit: number,
  ): void {
    const wait = window.waitFor(now, requested, limit);
    if (wait === 0) return;
    out.push({ kind, limit, used: window.used(now), requested, retryAfterMs: wait });
  }
}

/** Never-fitting requests first, then the longest wait. */
function byWait(a: LimitViolation, b: LimitViolation): number {
  const waitA = a.retryAfterMs ?? Infinity;
  const waitB = b.retryAfterMs ?? Infinity;
  return waitA === waitB ? 0 : waitA > waitB ? -1 : 1;
}

export function emptyKeyStats(label: string): SimulatorKeyStats {
  return {
    label,
    requests: 0,
    successes: 0,
    rateLimited: 0,
    unauthorized: 0,
    injected: 0,
    badRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    clientDisconnects: 0,
    inFlight: 0,
    peakInFlight: 0,
    peakRequestsPerWindow: 0,
    peakTokensPerWindow: 0,
  };
}
