import { parseGoDuration } from "./go-duration.js";
import type { HeaderFields } from "./header-fields.js";
import { factOf } from "./fact-of.js";
import type { RateLimitFact, RateLimitSource, RateLimitWindow } from "./rate-limit-facts.js";

/** The window each dimension's limit counts over, where the provider documents one. */
export type DimensionWindows = Readonly<Record<"requests" | "tokens", RateLimitWindow>>;

/** OpenAI's limits are per minute (organization and project, per model family). */
export const openaiWindows: DimensionWindows = { requests: "minute", tokens: "minute" };
/** Groq's request limit is per day, its token limit per minute. */
export const groqWindows: DimensionWindows = { requests: "day", tokens: "minute" };

/**
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, the resets as Go
 * durations from now: OpenAI and the providers that copy it (Groq, DeepSeek, ...).
 */
export function readOpenaiHeaders(
  fields: HeaderFields,
  now: number,
  windows: DimensionWindows,
  source: RateLimitSource,
  model: string | undefined,
): RateLimitFact[] {
  const facts: RateLimitFact[] = [];
  for (const dimension of ["requests", "tokens"] as const) {
    const limit = fields.count(`x-ratelimit-limit-${dimension}`);
    const remaining = fields.count(`x-ratelimit-remaining-${dimension}`);
    const reset = fields.parsed(`x-ratelimit-reset-${dimension}`, parseGoDuration, "expected a duration such as 6m0s");
    const fact = factOf("organization", dimension, windows[dimension], limit, remaining, reset === undefined ? undefined : now + reset, source, model);
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}
