import { mergeUsage, type TokenUsage } from "./token-usage.js";

/**
 * The token usage carried by a provider response body, a streamed event, or an
 * SDK result object (they share the wire field names):
 * - OpenAI and compatible: `usage.prompt_tokens` / `usage.completion_tokens`
 *   (chat, completions, embeddings; the final chunk of a stream asked with
 *   `stream_options.include_usage`);
 * - OpenAI Responses API and Anthropic: `usage.input_tokens` / `usage.output_tokens`,
 *   also inside `message` (Anthropic `message_start`) and `response`
 *   (OpenAI `response.completed`);
 * - Gemini: `usageMetadata.promptTokenCount` / `candidatesTokenCount` (+ `thoughtsTokenCount`);
 * - a JSON array (Gemini's streamed JSON without `alt=sse`): the merge of its elements.
 * Undefined when the value says nothing about usage.
 */
export function usageFromBody(body: unknown): TokenUsage | undefined {
  if (Array.isArray(body)) {
    let usage: TokenUsage | undefined;
    for (const item of body) usage = mergeUsage(usage, usageFromBody(item));
    return usage;
  }
  if (!isRecord(body)) return undefined;
  const gemini = geminiUsage(body["usageMetadata"]);
  if (gemini !== undefined) return gemini;
  const direct = usageObject(body["usage"]);
  if (direct !== undefined) return direct;
  // Anthropic message_start carries the usage inside the message; OpenAI's
  // response.completed event inside the response.
  for (const wrapper of ["message", "response"]) {
    const inner = body[wrapper];
    if (isRecord(inner)) {
      const nested = usageObject(inner["usage"]);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function usageObject(value: unknown): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = count(value["prompt_tokens"]);
  const completion = count(value["completion_tokens"]);
  if (prompt !== undefined || completion !== undefined) return usage(prompt, completion);
  const input = count(value["input_tokens"]);
  const output = count(value["output_tokens"]);
  if (input === undefined && output === undefined) return undefined;
  // Anthropic reports cache writes apart from input_tokens, and they count
  // against its input-token limit; cache reads do not, so they stay out.
  const cacheWrite = count(value["cache_creation_input_tokens"]) ?? 0;
  return usage(input === undefined ? undefined : input + cacheWrite, output);
}

function geminiUsage(value: unknown): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = count(value["promptTokenCount"]);
  const candidates = count(value["candidatesTokenCount"]);
  const thoughts = count(value["thoughtsTokenCount"]);
  if (prompt === undefined && candidates === undefined) return undefined;
  // Thinking tokens are billed and limited as output.
  const completion = candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0);
  return usage(prompt, completion);
}

function usage(promptTokens: number | undefined, completionTokens: number | undefined): TokenUsage {
  return {
    ...(promptTokens === undefined ? {} : { promptTokens }),
    ...(completionTokens === undefined ? {} : { completionTokens }),
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
