/** Tokens a provider call used, as the provider counted them. Absent fields were not reported. */
export interface TokenUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

/**
 * Combines usage seen earlier in a response with usage seen later: each field
 * takes the latest value reported. Streams report cumulative counts (Gemini's
 * usageMetadata, Anthropic's message_delta), so the last value is the total.
 */
export function mergeUsage(earlier: TokenUsage | undefined, later: TokenUsage | undefined): TokenUsage | undefined {
  if (later === undefined) return earlier;
  if (earlier === undefined) return later;
  const promptTokens = later.promptTokens ?? earlier.promptTokens;
  const completionTokens = later.completionTokens ?? earlier.completionTokens;
  return {
    ...(promptTokens === undefined ? {} : { promptTokens }),
    ...(completionTokens === undefined ? {} : { completionTokens }),
  };
}
