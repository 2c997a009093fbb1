/**
 * Environment variable prefixes for providers that people already configure
 * with a single `<PREFIX>_API_KEY`. Only these accept the singular form: a
 * stray STRIPE_API_KEY must not become an LLM provider. Several prefixes may
 * name one provider (GEMINI_ and GOOGLE_ are both Google's keys).
 */
export const KNOWN_PREFIXES: ReadonlyMap<string, string> = new Map([
  ["OPENAI", "openai"],
  ["AZURE_OPENAI", "azure"],
  ["GOOGLE", "google"],
  ["GEMINI", "google"],
  ["ANTHROPIC", "anthropic"],
  ["OPENROUTER", "openrouter"],
  ["DEEPSEEK", "deepseek"],
  ["MISTRAL", "mistral"],
  ["GROQ", "groq"],
  ["DASHSCOPE", "dashscope"],
  ["TOGETHER", "together"],
  ["XAI", "xai"],
]);

/** Provider of a `<PREFIX>_API_KEYS` variable: an alias, or the prefix lowercased. */
export function providerForPrefix(prefix: string): string {
  return KNOWN_PREFIXES.get(prefix) ?? prefix.toLowerCase();
}

/** Variables of keypool itself (e.g. KEYPOOL_API_KEYS for its own clients) are never provider keys. */
export const OWN_PREFIX = "KEYPOOL_";
