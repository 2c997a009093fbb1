import type { RateLimitFact, RateLimitSource, RateLimitWindow } from "../provider-http/rate-limits/rate-limit-facts.js";

/**
 * What the provider's own answers said about one limit of a key or scope:
 * plain, serializable data, changed only by the pure functions below, so that
 * a shared store can keep and apply it as it is.
 */
export interface LearnedLimit {
  /** The model the limit was read for; "" when the lease named none (it then bounds every model). */
  readonly model: string;
  readonly dimension: "requests" | "tokens";
  readonly windowMs: number;
  /** The provider's limit over `windowMs`, when it said one. */
  readonly limit: number | undefined;
  /** What the provider said was left when the answer was read... */
  readonly remaining: number | undefined;
  /** ...until this time (epoch ms), when its window is full again. */
  readonly resetAt: number | undefined;
  /**
   * What others used of the limit when the answer was read: the provider's
   * count less keypool's own (another service, a notebook on the same key).
   * keypool keeps its own use under the limit less this, so that steady
   * outside traffic does not run the provider's count into the limit.
   */
  readonly others: number;
  /** Requests or tokens granted since, which the provider's count did not include yet. */
  readonly usedSince: number;
  readonly seenAt: number;
  /** Dropped when the provider stops sending it: two windows without a fresh answer. */
  readonly expiresAt: number;
  readonly source: RateLimitSource;
}

/**
 * Most learned limits one key or scope keeps. Models come from callers, so
 * without a bound a caller naming ever new models would grow them; the
 * oldest fact goes first.
 */
export const MAX_LEARNED_LIMITS = 32;

const WINDOW_MS: Readonly<Record<RateLimitWindow, number>> = { ten_seconds: 10_000, minute: 60_000, day: 86_400_000 };

/** The window a fact counts over; a fact that names none is taken as a minute, the common one. */
export function factWindowMs(fact: Pick<RateLimitFact, "window">): number {
  return WINDOW_MS[fact.window ?? "minute"];
}

/** keypool's own use of a window as it counts it: requests or tokens in the last `windowMs`. */
export type OwnUsage = (dimension: "requests" | "tokens", windowMs: number) => number;

/**
 * The limits after an answer's facts for `model`: a fact replaces what was
 * known of the same model, dimension and window. Input and output token
 * limits are left out: keypool reserves tokens as one count.
 */
export function learnFacts(
  learned: readonly LearnedLimit[],
  facts: readonly RateLimitFact[],
  model: string,
  now: number,
  own: OwnUsage,
): readonly LearnedLimit[] {
  let out = learned;
  for (const fact of facts) {
    if (fact.dimension !== "requests" && fact.dimension !== "tokens") continue;
    if (fact.limit === undefined && fact.remaining === undefined) continue;
    const windowMs = factWindowMs(fact);
    const next: LearnedLimit = {
      model,
      dimension: fact.dimension,
      windowMs,
      limit: fact.limit,
      remaining: fact.remaining,
      resetAt: fact.resetAt,
      others: fact.limit === undefined || fact.remaining === undefined ? 0 : Math.max(0, fact.limit - fact.remaining - own(fact.dimension, windowMs)),
      usedSince: 0,
      seenAt: now,
      expiresAt: now + 2 * windowMs,
      source: fact.source,
    };
    out = [...out.filter((l) => !(l.model === model && l.dimension === fact.dimension && l.windowMs === windowMs)), next];
  }
  // Appended in the order seen: the front holds the oldest.
  return out.length > MAX_LEARNED_LIMITS ? out.slice(out.length - MAX_LEARNED_LIMITS) : out;
}

/**
 * True when a learned limit bounds a request for `model`. A request that
 * names no model ("") may be used for any, so every learned limit bounds it;
 * `undefined` asks for the limits that bound every request alike (model "").
 */
export function appliesTo(l: LearnedLimit, model: string | undefined): boolean {
  return l.model === "" || model === "" || l.model === model;
}

/** A lease of `tokens` estimated tokens for `model` was granted: it comes off every budget that bounds it. */
export function chargeLearned(learned: readonly LearnedLimit[], model: string, tokens: number): readonly LearnedLimit[] {
  if (learned.length === 0) return learned;
  return learned.map((l) => (appliesTo(l, model) ? { ...l, usedSince: l.usedSince + (l.dimension === "requests" ? 1 : tokens) } : l));
}

/**
 * The time from which the provider's last word leaves room for one more
 * request of `tokens` for `model`: `now` when it does, the reset when the
 * budget it said was left is spent (`remaining: 0` holds until then).
 * `model` undefined reads only the limits that bound every request, so that
 * the key index's view of a key does not depend on one model's budget.
 */
export function learnedRoomAt(learned: readonly LearnedLimit[], tokens: number, model: string | undefined, now: number): number {
  let at = now;
  for (const l of learned) {
    if (!appliesTo(l, model) || l.remaining === undefined || l.resetAt === undefined || now >= l.resetAt || now >= l.expiresAt) continue;
    const need = l.dimension === "requests" ? 1 : tokens;
    if (l.usedSince + need > l.remaining) at = Math.max(at, l.resetAt);
  }
  return at;
}

/** The limits still fresh at `now`. */
export function freshLearned(learned: readonly LearnedLimit[], now: number): readonly LearnedLimit[] {
  return learned.some((l) => now >= l.expiresAt) ? learned.filter((l) => now < l.expiresAt) : learned;
}

/** When the next learned limit expires; Infinity without any. */
export function nextLearnedExpiry(learned: readonly LearnedLimit[]): number {
  let at = Infinity;
  for (const l of learned) at = Math.min(at, l.expiresAt);
  return at;
}

/** The limit keypool holds its own use to: the provider's, less what others used, never below one. */
export function ownShare(l: LearnedLimit): number | undefined {
  return l.limit === undefined ? undefined : Math.max(1, l.limit - l.others);
}
