import type { RateLimitDimension, RateLimitFact, RateLimitSource, RateLimitWindow } from "./rate-limit-facts.js";

/** A fact when at least one number was read; nothing otherwise. */
export function factOf(
  scope: RateLimitFact["scope"],
  dimension: RateLimitDimension,
  window: RateLimitWindow | undefined,
  limit: number | undefined,
  remaining: number | undefined,
  resetAt: number | undefined,
  source: RateLimitSource,
  model: string | undefined,
): RateLimitFact | undefined {
  if (limit === undefined && remaining === undefined && resetAt === undefined) return undefined;
  const fact: RateLimitFact = { scope, dimension, source };
  if (model !== undefined) fact.model = model;
  if (window !== undefined) fact.window = window;
  if (limit !== undefined) fact.limit = limit;
  if (remaining !== undefined) fact.remaining = remaining;
  if (resetAt !== undefined) fact.resetAt = resetAt;
  return fact;
}
