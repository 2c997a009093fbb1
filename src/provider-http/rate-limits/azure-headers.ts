import type { HeaderFields } from "./header-fields.js";
import { factOf } from "./fact-of.js";
import type { RateLimitFact } from "./rate-limit-facts.js";

/**
 * Azure OpenAI sends only `x-ratelimit-remaining-{requests,tokens}`, counted
 * per deployment over 10-second intervals; no limit and no reset.
 */
export function readAzureHeaders(fields: HeaderFields, model: string | undefined): RateLimitFact[] {
  const facts: RateLimitFact[] = [];
  for (const dimension of ["requests", "tokens"] as const) {
    const remaining = fields.count(`x-ratelimit-remaining-${dimension}`);
    const fact = factOf("deployment", dimension, "ten_seconds", undefined, remaining, undefined, "azure-headers", model);
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}
