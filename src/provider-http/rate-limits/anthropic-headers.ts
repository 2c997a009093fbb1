import type { HeaderFields } from "./header-fields.js";
import { factOf } from "./fact-of.js";
import type { RateLimitFact } from "./rate-limit-facts.js";

const dimensions = [
  ["requests", "requests"],
  ["tokens", "tokens"],
  ["input-tokens", "input_tokens"],
  ["output-tokens", "output_tokens"],
] as const;

/**
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 * per organization and model class, per minute; the resets are RFC 3339 times.
 */
export function readAnthropicHeaders(fields: HeaderFields, model: string | undefined): RateLimitFact[] {
  const facts: RateLimitFact[] = [];
  for (const [name, dimension] of dimensions) {
    const prefix = `anthropic-ratelimit-${name}`;
    const limit = fields.count(`${prefix}-limit`);
    const remaining = fields.count(`${prefix}-remaining`);
    const resetAt = fields.parsed(`${prefix}-reset`, parseRfc3339, "expected an RFC 3339 time");
    const fact = factOf("organization", dimension, "minute", limit, remaining, resetAt, "anthropic-headers", model);
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time in epoch milliseconds (fractions beyond milliseconds dropped). */
export function parseRfc3339(value: string): number | undefined {
  const match = rfc3339.exec(value);
  if (match === null) return undefined;
  const [, date, time, fraction, zone = "Z"] = match;
  const ms = (fraction ?? "").slice(0, 3).padEnd(3, "0");
  const parsed = Date.parse(`${date}T${time}.${ms}${zone.toUpperCase()}`);
  return Number.isFinite(parsed) ? parsed : undefined;
}
