import type { HeaderFields } from "./header-fields.js";
import { factOf } from "./fact-of.js";
import type { RateLimitFact } from "./rate-limit-facts.js";

/**
 * OpenRouter: `x-ratelimit-{limit,remaining}` requests and `x-ratelimit-reset`
 * as epoch milliseconds. Its limits are per account: more keys add nothing.
 */
export function readOpenrouterHeaders(fields: HeaderFields, model: string | undefined): RateLimitFact[] {
  const limit = fields.count("x-ratelimit-limit");
  const remaining = fields.count("x-ratelimit-remaining");
  const resetAt = fields.count("x-ratelimit-reset");
  const fact = factOf("organization", "requests", undefined, limit, remaining, resetAt, "openrouter-headers", model);
  return fact === undefined ? [] : [fact];
}
