import { anthropicDialect } from "./anthropic-dialect.js";
import { completionPiece, completionText } from "./completion-text.js";
import { headerValue } from "./dialect.js";
import type { CallOutcome, Endpoint, EndpointRequest, ParsedCall, StreamPlan } from "./endpoint.js";
import { collectText, estimateTokens, isRecord } from "./estimate-tokens.js";
import type { SimError } from "./sim-error.js";

/**
 * `POST /v1/messages`: the message object, or the event stream
 * message_start, content_block_start, ping, content_block_delta...,
 * content_block_stop, message_delta (with output_tokens), message_stop.
 */
export const anthropicMessagesEndpoint: Endpoint = { dialect: anthropicDialect, parse: parseMessages };

function parseMessages(body: unknown, request: EndpointRequest): ParsedCall | SimError {
  if (headerValue(request.headers, "anthropic-version") === undefined) {
    return badRequest("anthropic-version: header is required");
  }
  if (!isRecord(body)) return badRequest("Input should be a valid dictionary or object to extract fields from");
  const model = body["model"];
  if (typeof model !== "string" || model.length === 0) return badRequest("model: Field required");
  const maxTokens = body["max_tokens"];
  if (maxTokens === undefined || maxTokens === null) return badRequest("max_tokens: Field required");
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens)) return badRequest("max_tokens: Input should be a valid integer");
  if (maxTokens < 1) return badRequest("max_tokens: Input should be greater than or equal to 1");
  const messages = body["messages"];
  if (!Array.isArray(messages)) return badRequest("messages: Field required");
  if (messages.length === 0) return badRequest("messages: at least one message is required");
  const stream = body["stream"];
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return badRequest("stream: Input should be a valid boolean");
  }
  const text = [
    ...collectText(body["system"]),
    ...messages.flatMap((m: unknown) => (isRecord(m) ? collectText(m["content"]) : [])),
  ].join("");

  return {
    model,
    promptTokens: estimateTokens(text),
    maxOutputTokens: maxTokens,
    generates: true,
    json: (outcome) => ({
      ...message(model, outcome),
      content: [{ type: "text", text: completionText(outcome.completionTokens) }],
      stop_reason: stopReason(outcome),
      usage: usage(outcome.promptTokens, outcome.completionTokens),
    }),
    stream: stream === true ? (outcome) => messageStream(model, outcome) : undefined,
  };
}

function messageStream(model: string, outcome: CallOutcome): StreamPlan {
  return {
    contentType: "text/event-stream; charset=utf-8",
    head: [
      event("message_start", {
        message: { ...message(model, outcome), content: [], stop_reason: null, usage: usage(outcome.promptTokens, 1) },
      }),
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      event("ping", {}),
    ],
    token: (index) => [
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: completionPiece(index) } }),
    ],
    tail: [
      event("content_block_stop", { index: 0 }),
      event("message_delta", {
        delta: { stop_reason: stopReason(outcome), stop_sequence: null },
        usage: { output_tokens: outcome.completionTokens },
      }),
      event("message_stop", {}),
    ],
  };
}

function message(model: string, outcome: CallOutcome): Record<string, unknown> {
  return { id: `msg_${outcome.id}`, type: "message", role: "assistant", model, stop_sequence: null };
}

function usage(input: number, output: number): unknown {
  return {
    input_tokens: input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    service_tier: "standard",
  };
}

function stopReason(outcome: CallOutcome): string {
  return outcome.truncated ? "max_tokens" : "end_turn";
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function badRequest(message: string): SimError {
  return { kind: "bad_request", message };
}
