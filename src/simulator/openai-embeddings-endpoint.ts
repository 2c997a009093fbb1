import type { Dialect } from "./dialect.js";
import { embeddingBase64, embeddingVector } from "./embedding-vector.js";
import type { Endpoint, EndpointRequest, ParsedCall } from "./endpoint.js";
import { estimateTokens, isRecord } from "./estimate-tokens.js";
import { isError } from "./is-sim-error.js";
import { openaiBadRequest, openaiModel } from "./openai-request.js";
import type { SimError } from "./sim-error.js";

/**
 * `POST /v1/embeddings` (and Azure's deployment route). Honours
 * `encoding_format: "base64"`, which the openai SDK asks for by default and
 * decodes itself, and `dimensions`.
 */
export function openaiEmbeddingsEndpoint(dialect: Dialect): Endpoint {
  return { dialect, parse: (body, request) => parseEmbeddings(body, request, dialect) };
}

function parseEmbeddings(body: unknown, request: EndpointRequest, dialect: Dialect): ParsedCall | SimError {
  if (!isRecord(body)) return openaiBadRequest("Invalid request body: expected a JSON object.", null, "invalid_type");
  const model = openaiModel(body, request, dialect);
  if (isError(model)) return model;
  const inputs = embeddingInputs(body["input"]);
  if (isError(inputs)) return inputs;
  const format = body["encoding_format"] ?? "float";
  if (format !== "float" && format !== "base64") {
    return openaiBadRequest(
      "Invalid value for 'encoding_format': expected one of 'float' or 'base64'.",
      "encoding_format",
      "invalid_value",
    );
  }
  const requested = body["dimensions"];
  if (requested !== undefined && requested !== null && (typeof requested !== "number" || !Number.isInteger(requested) || requested < 1)) {
    return openaiBadRequest("Invalid 'dimensions': expected an integer >= 1.", "dimensions", "invalid_value");
  }
  const dimensions = typeof requested === "number" ? requested : model.includes("large") ? 3072 : 1536;
  const promptTokens = inputs.reduce((sum, input) => sum + input.tokens, 0);

  return {
    model,
    promptTokens,
    maxOutputTokens: undefined,
    generates: false,
    json: () => ({
      object: "list",
      data: inputs.map((input, index) => {
        const vector = embeddingVector(input.seed, dimensions);
        return { object: "embedding", index, embedding: format === "base64" ? embeddingBase64(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    }),
    stream: undefined,
  };
}

interface EmbeddingInput {
  /** What the vector is derived from. */
  seed: string;
  tokens: number;
}

/** `input`: a string, an array of strings, an array of token ids, or an array of those. */
function embeddingInputs(input: unknown): EmbeddingInput[] | SimError {
  if (input === undefined || input === null) {
    return openaiBadRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  }
  const invalid = openaiBadRequest(
    "Invalid 'input': expected a string, an array of strings, an array of integers, or an array of integer arrays.",
    "input",
    "invalid_type",
  );
  if (typeof input === "string") return [{ seed: input, tokens: estimateTokens(input) }];
  if (!Array.isArray(input) || input.length === 0) return invalid;
  if (input.every((item) => typeof item === "number")) return [{ seed: input.join(","), tokens: input.length }];
  const out: EmbeddingInput[] = [];
  for (const item of input) {
    if (typeof item === "string") out.push({ seed: item, tokens: estimateTokens(item) });
    else if (Array.isArray(item) && item.every((t) => typeof t === "number")) out.push({ seed: item.join(","), tokens: item.length });
    else return invalid;
  }
  return out;
}
