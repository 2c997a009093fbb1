import { completionPiece, completionText } from "./completion-text.js";
import type { CallOutcome, Endpoint, EndpointRequest, ParsedCall, StreamPlan } from "./endpoint.js";
import { collectText, estimateTokens, isRecord } from "./estimate-tokens.js";
import { geminiDialect } from "./gemini-dialect.js";
import type { SimError } from "./sim-error.js";

/**
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`.
 * With `?alt=sse` (what @google/genai sends) the stream is SSE frames ending
 * in CRLF CRLF, as Google sends them; without it, a JSON array streamed
 * element by element. Google's JSON accepts camelCase and snake_case names.
 */
export const geminiGenerateEndpoint: Endpoint = { dialect: geminiDialect, parse: parseGenerate };

function parseGenerate(body: unknown, request: EndpointRequest): ParsedCall | SimError {
  const model = request.params["model"] ?? "";
  if (!isRecord(body)) return badRequest("Invalid JSON payload received. Expected an object.");
  const contents = body["contents"];
  if (!Array.isArray(contents) || contents.length === 0) {
    return badRequest("* GenerateContentRequest.contents: contents is not specified\n");
  }
  const system = body["systemInstruction"] ?? body["system_instruction"];
  const text = [...contents, ...(system === undefined ? [] : [system])]
    .flatMap((content: unknown) => (isRecord(content) ? collectText(content["parts"]) : collectText(content)))
    .join("");
  const config = body["generationConfig"] ?? body["generation_config"];
  const max = isRecord(config) ? (config["maxOutputTokens"] ?? config["max_output_tokens"]) : undefined;
  if (max !== undefined && max !== null && (typeof max !== "number" || !Number.isInteger(max))) {
    return badRequest(`Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(max)}`);
  }
  const streaming = request.params["action"] === "streamGenerateContent";
  const sse = request.url.searchParams.get("alt") === "sse";

  return {
    model,
    promptTokens: estimateTokens(text),
    // Gemini treats a non-positive cap as no cap.
    maxOutputTokens: typeof max === "number" && max > 0 ? max : undefined,
    generates: true,
    json: (outcome) => response(model, outcome, completionText(outcome.completionTokens), true),
    stream: streaming ? (outcome) => streamPlan(model, outcome, sse) : undefined,
  };
}

function response(model: string, outcome: CallOutcome, text: string, isLast: boolean): unknown {
  const candidate: Record<string, unknown> = { content: { parts: [{ text }], role: "model" } };
  if (isLast) candidate["finishReason"] = outcome.truncated ? "MAX_TOKENS" : "STOP";
  candidate["index"] = 0;
  const promptTokensDetails = [{ modality: "TEXT", tokenCount: outcome.promptTokens }];
  return {
    candidates: [candidate],
    usageMetadata: isLast
      ? {
          promptTokenCount: outcome.promptTokens,
          candidatesTokenCount: outcome.completionTokens,
          totalTokenCount: outcome.promptTokens + outcome.completionTokens,
          promptTokensDetails,
        }
      : { promptTokenCount: outcome.promptTokens, totalTokenCount: outcome.promptTokens, promptTokensDetails },
    modelVersion: model,
    responseId: outcome.id,
  };
}

function streamPlan(model: string, outcome: CallOutcome, sse: boolean): StreamPlan {
  const chunk = (index: number, isLast: boolean) => JSON.stringify(response(model, outcome, completionPiece(index), isLast));
  if (sse) {
    return {
      contentType: "text/event-stream",
      head: [],
      token: (index, isLast) => [`data: ${chunk(index, isLast)}\r\n\r\n`],
      tail: [],
    };
  }
  return {
    contentType: "application/json; charset=UTF-8",
    head: [],
    token: (index, isLast) => [`${index === 0 ? "[" : ",\r\n"}${chunk(index, isLast)}`],
    tail: ["]"],
  };
}

function badRequest(message: string): SimError {
  return { kind: "bad_request", message };
}
