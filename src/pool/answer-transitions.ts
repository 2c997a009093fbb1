import type { PoolSettings } from "../config/types.js";
import type { Outcome } from "../protocol/outcome.js";
import type { ParsedRateLimits, QuotaExhaustion, RateLimitFact, RateLimitScope } from "../provider-http/rate-limits/rate-limit-facts.js";
import type { PooledKey } from "./pooled-key.js";
import { extendHold } from "./quota-scope.js";
import { parseRateLimits } from "../provider-http/rate-limits/parse-rate-limits.js";
import type { ReportedAnswer } from "./types.js";

/**
 * What a provider's answer teaches the pool beyond the outcome: the limits
 * it reported, held by the key or by its scope, and an exhaustion that lasts
 * until a reset or a recheck whatever the retry hint says. Functions of
 * (state, event, now, settings), so that a shared store can run them as one step.
 */

/**
 * A limit the provider counts for a project or organization belongs to the
 * key's scope when the configuration gives it one; a key without a scope is
 * its own scope, so such limits are then the key's.
 */
function sharedByScope(key: PooledKey, scope: RateLimitScope): boolean {
  return key.scope !== undefined && scope !== "key";
}

/** Takes the reported limits into the key's and its scope's learned limits, under the lease's model. */
export function learnFromAnswer(key: PooledKey, parsed: ParsedRateLimits, model: string, now: number): void {
  const own: RateLimitFact[] = [];
  const shared: RateLimitFact[] = [];
  for (const fact of parsed.limits) (sharedByScope(key, fact.scope) ? shared : own).push(fact);
  key.quota.learn(own, model, now);
  if (key.scope !== undefined) key.scope.quota.learn(shared, model, now);
}

/** How long an exhaustion lasts: to the quota's reset, or for money until the recheck; at most the quota cap. */
export function exhaustionUntil(ex: QuotaExhaustion, now: number, settings: PoolSettings): number {
  const until = ex.resetAt !== undefined && ex.resetAt > now ? ex.resetAt : now + settings.spendRecheckMs;
  return Math.min(until, now + settings.maxQuotaCooldownMs);
}

export function exhaustionReason(ex: QuotaExhaustion): string {
  const model = ex.model === undefined ? "" : ` for ${ex.model}`;
  switch (ex.reason) {
    case "daily_quota":
      return `daily quota exhausted${model} until its reset`;
    case "spend_limit":
      return "spend limit reached; rechecked later";
    case "payment_required":
      return "payment required (402); rechecked later";
  }
}

/** The exhaustion the key itself takes: one the provider does not attribute to the key's scope. */
export function keyExhaustion(key: PooledKey, parsed: ParsedRateLimits | undefined, outcome: Outcome): QuotaExhaustion | undefined {
  const ex = parsed?.exhausted;
  if (ex === undefined || outcome === "success" || sharedByScope(key, ex.scope)) return undefined;
  return ex;
}

/**
 * A 429 or exhaustion the provider attributes to the key's scope holds the
 * whole scope: a rate limit for as long as the key's own cooldown, an
 * exhaustion until its reset or recheck.
 */
export function holdScopeFromAnswer(key: PooledKey, parsed: ParsedRateLimits | undefined, outcome: Outcome, cooldownUntil: number, now: number, settings: PoolSettings): boolean {
  const scope = key.scope;
  if (scope === undefined || parsed === undefined || outcome === "success") return false;
  const ex = parsed.exhausted;
  if (ex !== undefined && sharedByScope(key, ex.scope)) {
    scope.hold = extendHold(scope.hold, "exhausted", `scope ${scope.name}: ${exhaustionReason(ex)}`, exhaustionUntil(ex, now, settings), now);
    return true;
  }
  if (outcome !== "rate_limited" || cooldownUntil <= now) return false;
  const blamed = parsed.limits.find((f) => sharedByScope(key, f.scope) && (f.remaining === 0 || f.source === "gemini-quota-failure"));
  if (blamed === undefined) return false;
  scope.hold = extendHold(scope.hold, "cooling_down", `scope ${scope.name}: rate limited (429), ${blamed.dimension} per ${blamed.window ?? "minute"}`, cooldownUntil, now);
  return true;
}

/** Reads a reported answer in the provider's dialect; undefined when the caller passed none. */
export function readAnswer(provider: string, model: string, status: number, answer: ReportedAnswer | undefined, now: number): ParsedRateLimits | undefined {
  // A failure's status alone may say something (a 402); a success with nothing to read is the common case, kept cheap.
  if (answer === undefined || (status < 400 && Object.keys(answer.headers).length === 0)) return undefined;
  return parseRateLimits({
    provider,
    status,
    headers: answer.headers,
    now,
    ...(answer.errorBody === undefined ? {} : { errorBody: answer.errorBody }),
    ...(model === "" ? {} : { model }),
  });
}

/** The exhaustion an answer puts on the key itself, as its health takes it; undefined when none. */
export function exhaustionOf(key: PooledKey, parsed: ParsedRateLimits | undefined, outcome: Outcome, now: number, settings: PoolSettings): { reason: string; until: number } | undefined {
  const ex = keyExhaustion(key, parsed, outcome);
  return ex === undefined ? undefined : { reason: exhaustionReason(ex), until: exhaustionUntil(ex, now, settings) };
}
