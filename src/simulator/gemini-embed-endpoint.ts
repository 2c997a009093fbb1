import { embeddingVector } from "./embedding-vector.js";
import type { Endpoint, EndpointRequest, ParsedCall } from "./endpoint.js";
import { collectText, estimateTokens, isRecord } from "./estimate-tokens.js";
import { geminiDialect } from "./gemini-dialect.js";
import type { SimError } from "./sim-error.js";

/**
 * `POST /v1beta/models/{model}:embedContent` → `{"embedding":{"values":[...]}}`
 * and `:batchEmbedContents` → `{"embeddings":[{"values":[...]}]}`.
 */
export const geminiEmbedEndpoint: Endpoint = { dialect: geminiDialect, parse: parseEmbed };

interface EmbedRequest {
  text: string;
  dimensions: number;
}

function parseEmbed(body: unknown, request: EndpointRequest): ParsedCall | SimError {
  const model = request.params["model"] ?? "";
  if (!isRecord(body)) return badRequest("Invalid JSON payload received. Expected an object.");
  const batch = request.params["action"] === "batchEmbedContents";
  const items = batch ? body["requests"] : [body];
  if (!Array.isArray(items) || items.length === 0) {
    return badRequest("* BatchEmbedContentsRequest.requests: requests is not specified\n");
  }
  const requests: EmbedRequest[] = [];
  for (const item of items) {
    const content = isRecord(item) ? item["content"] : undefined;
    if (!isRecord(content)) return badRequest("* EmbedContentRequest.content: content is not specified\n");
    const size = item["outputDimensionality"] ?? item["output_dimensionality"];
    const dimensions = typeof size === "number" && Number.isInteger(size) && size > 0 ? size : model.includes("gemini-embedding") ? 3072 : 768;
    requests.push({ text: collectText(content["parts"]).join(""), dimensions });
  }
  const vectors = () => requests.map((r) => ({ values: embeddingVector(r.text, r.dimensions) }));

  return {
    model,
    promptTokens: requests.reduce((sum, r) => sum + estimateTokens(r.text), 0),
    maxOutputTokens: undefined,
    generates: false,
    json: () => (batch ? { embeddings: vectors() } : { embedding: vectors()[0] }),
    stream: undefined,
  };
}

function badRequest(message: string): SimError {
  return { kind: "bad_request", message };
}
