import { BackgroundLoad } from "./background-load.js";
import type { LimitSnapshot, LimitState, LimitViolation } from "./limits.js";
import { QuotaSet } from "./quota-set.js";
import type { QuotaWindows } from "./quota-windows.js";
import type { DayReset, SimulatorBackgroundLoad, SimulatorKeyLimits, SimulatorKeyStats } from "./types.js";

/** A failure queued by `failNext`. */
export interface InjectedFailure {
  status: number;
  retryAfterSeconds: number | undefined;
}

interface QueuedFailure extends InjectedFailure {
  remaining: number;
}

export type Admission = { ok: true } | { ok: false; violation: LimitViolation };

/** Limits shared by several keys, and those keys, whose outside traffic fills the shared windows too. */
export interface SharedProject {
  readonly quotas: QuotaSet;
  readonly members: SimulatedKey[];
}

/**
 * One accepted secret: its limits (general and per model), the project whose
 * limits it shares, other traffic on it, queued failures and counters.
 * Requests count when they are accepted (on arrival, before any simulated
 * latency); refused requests count nowhere.
 */
export class SimulatedKey {
  revoked = false;
  stats: SimulatorKeyStats;
  private failures: QueuedFailure[] = [];
  private readonly own: QuotaSet;
  private background: BackgroundLoad | undefined;

  constructor(
    readonly label: string,
    limits: SimulatorKeyLimits,
    private readonly windowMs: number,
    private readonly project: SharedProject | undefined = undefined,
    dayReset: DayReset = "sliding",
  ) {
    this.stats = emptyKeyStats(label);
    this.own = new QuotaSet(limits, windowMs, "key", dayReset);
    project?.members.push(this);
  }

  setLimits(limits: SimulatorKeyLimits): void {
    this.own.setLimits(limits);
  }

  setBackgroundLoad(load: SimulatorBackgroundLoad | undefined): void {
    // Old arrivals matter for a day window at most; the day is 1440 minute windows.
    this.background = load === undefined ? undefined : new BackgroundLoad(load, this.windowMs, this.windowMs * 1440);
  }

  /**
   * Counts the request if it fits every limit it belongs to (the key's, its
   * project's, and both of those for `model`); otherwise says which limit
   * refused it, with the longest wait. The token limit is checked with
   * `checkTokens` (prompt + the most the completion may take, as providers
   * estimate it) and `usedTokens` (prompt + actual completion) is what stays counted.
   */
  admit(now: number, checkTokens: number, usedTokens: number, model?: string): Admission {
    this.runBackground(now);
    return this.tryCount(now, checkTokens, usedTokens, model);
  }

  /**
   * The minute windows as the rate-limit headers report them: for each
   * dimension, the tightest of the limits the request counted in.
   */
  snapshot(now: number, model?: string): LimitSnapshot {
    this.runBackground(now);
    const windows = this.windowsFor(model);
    return {
      requests: tightest(windows.map((w) => w.requestState(now))),
      tokens: tightest(windows.map((w) => w.tokenState(now))),
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
    this.own.clear();
    this.project?.quotas.clear();
    const inFlight = this.stats.inFlight;
    this.stats = emptyKeyStats(this.label);
    // Responses still open will end and decrement; keep their count honest.
    this.stats.inFlight = inFlight;
  }

  private tryCount(at: number, checkTokens: number, usedTokens: number, model: string | undefined): Admission {
    const windows = this.windowsFor(model);
    const worst = windows.flatMap((w) => w.violations(at, checkTokens)).sort(byWait)[0];
    if (worst !== undefined) return { ok: false, violation: worst };
    for (const w of windows) w.count(at, usedTokens);
    const general = this.own.general;
    this.stats.peakRequestsPerWindow = Math.max(this.stats.peakRequestsPerWindow, general.minuteRequests.used(at));
    this.stats.peakTokensPerWindow = Math.max(this.stats.peakTokensPerWindow, general.minuteTokens.used(at));
    return { ok: true };
  }

  private windowsFor(model: string | undefined): QuotaWindows[] {
    return [...this.own.windowsFor(model), ...(this.project?.quotas.windowsFor(model) ?? [])];
  }

  /** Brings the outside traffic of this key, and of every key sharing its project, up to `now`. */
  private runBackground(now: number): void {
    for (const key of this.project?.members ?? [this]) key.runOwnBackground(now);
  }

  private runOwnBackground(now: number): void {
    const background = this.background;
    if (background === undefined) return;
    const tokens = background.load.tokensPerRequest ?? 0;
    background.catchUp(now, (at) => {
      // Other traffic that finds no room is refused by the provider and counts nowhere, like ours.
      if (this.tryCount(at, tokens, tokens, background.load.model).ok) this.stats.backgroundRequests++;
    });
  }
}

/** The state with the least remaining; undefined when nothing limits the dimension. */
function tightest(states: (LimitState | undefined)[]): LimitState | undefined {
  let best: LimitState | undefined;
  for (const state of states) {
    if (state === undefined) continue;
    if (best === undefined || state.remaining < best.remaining || (state.remaining === best.remaining && state.resetMs > best.resetMs)) best = state;
  }
  return best;
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
    backgroundRequests: 0,
  };
}
