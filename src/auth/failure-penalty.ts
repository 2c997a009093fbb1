/**
 * How failed authentications from one source are answered: the first few at
 * once (a mistyped token deserves a quick, clear answer), then each later
 * one a little later than the last, and past a budget refused at once until
 * the source's window ends. Pure: the caller passes the time, so the policy
 * is tested without sleeping.
 */
export interface PenaltySettings {
  /** Failures of one source are counted over this window, from its first failure. */
  readonly windowMs: number;
  /** Failures per window answered without delay. */
  readonly freeFailures: number;
  /** Failures per window after which every further one is refused at once. */
  readonly budget: number;
  /** Delay of the first delayed failure; each next one doubles it, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Delayed answers a source may have pending at once; more are refused (a delay must not hold unbounded calls). */
  readonly maxPendingPerSource: number;
  /** A source gets at most one log line per interval; the line says how many failures it stands for. */
  readonly logIntervalMs: number;
  /** Sources remembered at once; the oldest is forgotten first, so an address flood cannot grow memory. */
  readonly maxSources: number;
}

export const DEFAULT_PENALTY: PenaltySettings = Object.freeze({
  windowMs: 60_000,
  freeFailures: 5,
  budget: 30,
  baseDelayMs: 100,
  maxDelayMs: 3_000,
  maxPendingPerSource: 8,
  logIntervalMs: 10_000,
  maxSources: 10_000,
});

export type PenaltyVerdict =
  | { readonly response: "immediate" }
  | { readonly response: "delayed"; readonly delayMs: number }
  | { readonly response: "refused"; readonly retryAfterMs: number };

export interface FailureDecision {
  readonly verdict: PenaltyVerdict;
  /** Set when this failure should be logged: how many failures of the source the line stands for (this one included). */
  readonly logFailures: number | undefined;
}

interface SourceState {
  windowStart: number;
  failures: number;
  pending: number;
  lastLogAt: number | undefined;
  unlogged: number;
}

export class FailurePenalty {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly settings: PenaltySettings = DEFAULT_PENALTY) {}

  /** Records one failed authentication of `source` at `now` and says how to answer it. */
  fail(source: string, now: number): FailureDecision {
    const s = this.stateOf(source, now);
    s.failures += 1;
    s.unlogged += 1;
    let logFailures: number | undefined;
    if (s.lastLogAt === undefined || now - s.lastLogAt >= this.settings.logIntervalMs) {
      logFailures = s.unlogged;
      s.unlogged = 0;
      s.lastLogAt = now;
    }
    return { verdict: this.verdict(s, now), logFailures };
  }

  /** A delayed answer of `source` went out: it no longer counts against the pending cap. */
  released(source: string): void {
    const s = this.sources.get(source);
    if (s !== undefined && s.pending > 0) s.pending -= 1;
  }

  /** Sources remembered now (for tests of the memory bound). */
  get size(): number {
    return this.sources.size;
  }

  private verdict(s: SourceState, now: number): PenaltyVerdict {
    const { freeFailures, budget, baseDelayMs, maxDelayMs, maxPendingPerSource, windowMs } = this.settings;
    if (s.failures <= freeFailures) return { response: "immediate" };
    const retryAfterMs = Math.max(1, s.windowStart + windowMs - now);
    if (s.failures > budget || s.pending >= maxPendingPerSource) return { response: "refused", retryAfterMs };
    s.pending += 1;
    const delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (s.failures - freeFailures - 1));
    return { response: "delayed", delayMs };
  }

  private stateOf(source: string, now: number): SourceState {
    let s = this.sources.get(source);
    if (s !== undefined && now - s.windowStart >= this.settings.windowMs) {
      // A new window: the count starts over, but a pending delay is still pending.
      s.windowStart = now;
      s.failures = 0;
    }
    if (s === undefined) {
      s = { windowStart: now, failures: 0, pending: 0, lastLogAt: undefined, unlogged: 0 };
      if (this.sources.size >= this.settings.maxSources) this.forgetOldest();
    } else {
      // Re-inserted so that the map's order is least recently failed first.
      this.sources.delete(source);
    }
    this.sources.set(source, s);
    return s;
  }

  private forgetOldest(): void {
    const oldest = this.sources.keys().next();
    if (oldest.done !== true) this.sources.delete(oldest.value);
  }
}
