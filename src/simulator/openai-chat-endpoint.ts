import { completionPiece, completionText } from "./completion-text.js";
import type { Dialect } from "./dialect.js";
import type { CallOutcome, Endpoint, EndpointRequest, ParsedCall, StreamPlan } from "./endpoint.js";
import { collectText, estimateTokens, isRecord } from "./estimate-tokens.js";
import { openaiBadRequest, openaiMaxTokens, openaiModel } from "./openai-request.js";
import { isError } from "./is-sim-error.js";
import type { SimError } from "./sim-error.js";

/**
 * `POST /v1/chat/completions` (and Azure's deployment route): the
 * chat.completion object, or chat.completion.chunk frames ending in
 * `data: [DONE]`, with a usage-only last chunk when
 * `stream_options.include_usage` is true.
 */
export function openaiChatEndpoint(dialect: Dialect): Endpoint {
  return { dialect, parse: (body, request) => parseChat(body, request, dialect) };
}

function parseChat(body: unknown, request: EndpointRequest, dialect: Dialect): ParsedCall | SimError {
  if (!isRecord(body)) return openaiBadRequest("Invalid request body: expected a JSON object.", null, "invalid_type");
  const model = openaiModel(body, request, dialect);
  if (isError(model)) return model;
  const messages = body["messages"];
  if (messages === undefined || messages === null) {
    return openaiBadRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(messages)) {
    return openaiBadRequest("Invalid type for 'messages': expected an array of objects.", "messages", "invalid_type");
  }
  if (messages.length === 0) {
    return openaiBadRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
      "empty_array",
    );
  }
  const maxOutputTokens = openaiMaxTokens(body, ["max_completion_tokens", "max_tokens"]);
  if (isError(maxOutputTokens)) return maxOutputTokens;
  const stream = body["stream"];
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return openaiBadRequest("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
  }
  const streamOptions = body["stream_options"];
  const includeUsage = isRecord(streamOptions) && streamOptions["include_usage"] === true;
  const text = messages.flatMap((m: unknown) => (isRecord(m) ? collectText(m["content"]) : [])).join("");

  return {
    model,
    promptTokens: estimateTokens(text),
    maxOutputTokens,
    generates: true,
    json: (outcome) => chatCompletion(model, outcome),
    stream: stream === true ? (outcome) => chatStream(model, outcome, includeUsage) : undefined,
  };
}

function chatCompletion(model: string, outcome: CallOutcome): unknown {
  return {
    id: `chatcmpl-${outcome.id}`,
    object: "chat.completion",
    created: Math.floor(outcome.createdMs / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: completionText(outcome.completionTokens), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason(outcome),
      },
    ],
    usage: usage(outcome),
    service_tier: "default",
    system_fingerprint: "fp_simulator",
  };
}

function chatStream(model: string, outcome: CallOutcome, includeUsage: boolean): StreamPlan {
  const base = {
    id: `chatcmpl-${outcome.id}`,
    object: "chat.completion.chunk",
    created: Math.floor(outcome.createdMs / 1000),
    model,
    service_tier: "default",
    system_fingerprint: "fp_simulator",
  };
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    frame({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra });
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  const tail = [chunk([choice({}, finishReason(outcome))])];
  if (includeUsage) tail.push(chunk([], { usage: usage(outcome) }));
  tail.push("data: [DONE]\n\n");
  return {
    contentType: "text/event-stream; charset=utf-8",
    head: [chunk([choice({ role: "assistant", content: "", refusal: null }, null)])],
    token: (index) => [chunk([choice({ content: completionPiece(index) }, null)])],
    tail,
  };
}

function usage(outcome: CallOutcome): unknown {
  return {
    prompt_tokens: outcome.promptTokens,
    completion_tokens: outcome.completionTokens,
    total_tokens: outcome.promptTokens + outcome.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(outcome: CallOutcome): string {
  return outcome.truncated ? "length" : "stop";
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
