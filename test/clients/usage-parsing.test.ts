import { describe, expect, it } from "vitest";
import { SseUsageTracker, usageFromBody } from "../../clients/typescript/src/index.js";

/** Feeds `text` to a tracker in pieces of `size` bytes (splitting UTF-8 and CRLF anywhere). */
function track(text: string, size: number) {
  const tracker = new SseUsageTracker();
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) tracker.push(bytes.slice(i, i + size));
  return tracker.end();
}

const openaiSse = [
  `data: {"choices":[{"delta":{"content":"héllo"}}],"usage":null}`,
  ``,
  `: keep-alive comment`,
  `data: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16}}`,
  ``,
  `data: [DONE]`,
  ``,
  ``,
].join("\n");

const anthropicSse = [
  `event: message_start`,
  `data: {"type":"message_start","message":{"usage":{"input_tokens":25,"cache_creation_input_tokens":3,"cache_read_input_tokens":100,"output_tokens":1}}}`,
  ``,
  `event: content_block_delta`,
  `data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}`,
  ``,
  `event: message_delta`,
  `data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}`,
  ``,
  `event: message_stop`,
  `data: {"type":"message_stop"}`,
  ``,
  ``,
].join("\n");

const geminiSse = [
  `data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}`,
  `data: {"candidates":[{"content":{"parts":[{"text":"b"}]}}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":9,"thoughtsTokenCount":4,"totalTokenCount":20}}`,
]
  .map((l) => `${l}\r\n\r\n`)
  .join("");

describe("SseUsageTracker", () => {
  it.each([1, 2, 3, 7, 1000])("reads OpenAI's final usage chunk, Anthropic's message_start + message_delta and Gemini's usageMetadata in %i-byte pieces", (size) => {
    expect(track(openaiSse, size)).toEqual({ promptTokens: 11, completionTokens: 5 });
    // Cache writes count as input, cache reads do not; the delta's output replaces the start's placeholder.
    expect(track(anthropicSse, size)).toEqual({ promptTokens: 28, completionTokens: 42 });
    expect(track(geminiSse, size)).toEqual({ promptTokens: 7, completionTokens: 13 });
  });

  it("keeps the prompt count of a stream cut before its last chunk, joins multi-line data, ends an unterminated event", () => {
    expect(track(geminiSse.split("\r\n\r\n")[0]!, 5)).toEqual({ promptTokens: 7 });
    expect(track(`data: {"usage":\ndata: {"prompt_tokens":1,"completion_tokens":2}}\n\n`, 4)).toEqual({ promptTokens: 1, completionTokens: 2 });
    expect(track(`data: {"usage":{"input_tokens":3,"output_tokens":4}}`, 100)).toEqual({ promptTokens: 3, completionTokens: 4 });
    expect(track(`data: not json\n\ndata: [DONE]\n\n`, 3)).toBeUndefined();
  });
});

describe("usageFromBody", () => {
  it("reads every provider's shape and SDK result objects", () => {
    expect(usageFromBody({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).toEqual({ promptTokens: 3, completionTokens: 4 });
    expect(usageFromBody({ object: "list", usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ promptTokens: 8 });
    expect(usageFromBody({ usage: { input_tokens: 5, output_tokens: 6 } })).toEqual({ promptTokens: 5, completionTokens: 6 });
    expect(usageFromBody({ type: "response.completed", response: { usage: { input_tokens: 1, output_tokens: 2 } } })).toEqual({
      promptTokens: 1,
      completionTokens: 2,
    });
    expect(usageFromBody({ usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3 } })).toEqual({ promptTokens: 2, completionTokens: 3 });
    expect(usageFromBody([{ usageMetadata: { promptTokenCount: 2 } }, { usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 9 } }])).toEqual({
      promptTokens: 2,
      completionTokens: 9,
    });
    for (const nothing of [undefined, null, "text", 42, { usage: null }, { usage: { total_tokens: 3 } }, { usage: { prompt_tokens: -1 } }]) {
      expect(usageFromBody(nothing)).toBeUndefined();
    }
  });
});
