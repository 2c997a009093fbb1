import type { RateLimitDialect } from "./rate-limit-facts.js";

const dialects: ReadonlyMap<string, RateLimitDialect> = new Map([
  ["openai", "openai"],
  ["azure", "azure"],
  ["anthropic", "anthropic"],
  ["google", "gemini"],
  ["gemini", "gemini"],
  ["groq", "groq"],
  ["openrouter", "openrouter"],
]);

/**
 * The dialect a provider's answers are read in. Providers without their own
 * (DeepSeek, Mistral, Together, xAI, ...) are OpenAI-compatible and, where
 * they send rate-limit headers at all, send OpenAI's.
 */
export function rateLimitDialect(provider: string): RateLimitDialect {
  return dialects.get(provider.trim().toLowerCase()) ?? "openai";
}
