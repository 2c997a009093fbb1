import { anthropicDialect } from "./anthropic-dialect.js";
import { anthropicMessagesEndpoint } from "./anthropic-messages-endpoint.js";
import { azureDialect } from "./azure-dialect.js";
import type { Dialect } from "./dialect.js";
import type { Endpoint } from "./endpoint.js";
import { geminiDialect } from "./gemini-dialect.js";
import { geminiEmbedEndpoint } from "./gemini-embed-endpoint.js";
import { geminiGenerateEndpoint } from "./gemini-generate-endpoint.js";
import { openaiChatEndpoint } from "./openai-chat-endpoint.js";
import { openaiDialect } from "./openai-dialect.js";
import { openaiEmbeddingsEndpoint } from "./openai-embeddings-endpoint.js";

export interface Route {
  endpoint: Endpoint;
  params: Record<string, string>;
}

const openaiChat = openaiChatEndpoint(openaiDialect);
const openaiEmbeddings = openaiEmbeddingsEndpoint(openaiDialect);
const azureChat = openaiChatEndpoint(azureDialect);
const azureEmbeddings = openaiEmbeddingsEndpoint(azureDialect);

/** Fixed paths. The OpenAI ones also answer without the /v1 prefix, as some base URLs leave it out. */
const fixed: Record<string, Endpoint> = {
  "/v1/chat/completions": openaiChat,
  "/chat/completions": openaiChat,
  "/v1/embeddings": openaiEmbeddings,
  "/embeddings": openaiEmbeddings,
  "/v1/messages": anthropicMessagesEndpoint,
};

const geminiPath = /^\/(?:v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;
const azurePath = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

/** The endpoint serving `POST path`, or undefined. `path` is the decoded pathname. */
export function matchRoute(method: string, path: string, url: URL): Route | undefined {
  if (method !== "POST") return undefined;
  const endpoint = fixed[path];
  if (endpoint !== undefined) return { endpoint, params: {} };

  const gemini = geminiPath.exec(path);
  if (gemini !== null) {
    const [, model = "", action = ""] = gemini;
    const endpoint = action === "embedContent" || action === "batchEmbedContents" ? geminiEmbedEndpoint : geminiGenerateEndpoint;
    return { endpoint, params: { model, action } };
  }

  const azure = azurePath.exec(path);
  // Azure answers 404 when api-version is missing.
  if (azure !== null && url.searchParams.get("api-version")) {
    const [, deployment = "", operation = ""] = azure;
    return { endpoint: operation === "embeddings" ? azureEmbeddings : azureChat, params: { deployment } };
  }
  return undefined;
}

/** The dialect a 404 for `path` is written in. */
export function dialectForPath(path: string): Dialect {
  if (path.startsWith("/v1beta/") || path.startsWith("/v1/models/")) return geminiDialect;
  if (path.startsWith("/openai/")) return azureDialect;
  if (path.startsWith("/v1/messages")) return anthropicDialect;
  return openaiDialect;
}
