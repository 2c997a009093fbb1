import { anthropicDialect } from "./anthropic-dialect.js";
import type { Dialect, Headers } from "./dialect.js";
import { geminiDialect } from "./gemini-dialect.js";
import { openaiDialect } from "./openai-dialect.js";

/** The models each listing names; the simulator serves any model name, these are what a listing shows. */
const listedModels: Readonly<Record<Dialect["name"], readonly string[]>> = {
  openai: ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"],
  azure: [],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5"],
  gemini: ["gemini-2.5-pro", "gemini-2.5-flash", "text-embedding-004"],
};

/**
 * The dialect of a model listing, the cheapest authenticated call of each
 * API: `GET /v1/models` (OpenAI-compatible, also `/models`; Anthropic when
 * the request carries Anthropic's headers) and `GET /v1beta/models` (Gemini;
 * also `/v1/models` with a Gemini credential). Undefined for anything else.
 */
export function listingDialect(method: string, path: string, headers: Headers, url: URL): Dialect | undefined {
  if (method !== "GET") return undefined;
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  if (trimmed === "/v1beta/models") return geminiDialect;
  if (trimmed !== "/v1/models" && trimmed !== "/models") return undefined;
  if (headers["x-goog-api-key"] !== undefined || url.searchParams.has("key")) return geminiDialect;
  if (headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined) return anthropicDialect;
  return openaiDialect;
}

/** The listing's body, in the dialect's own shape. */
export function listingBody(dialect: Dialect, now: number): unknown {
  const models = listedModels[dialect.name];
  const created = Math.floor(now / 1000);
  switch (dialect.name) {
    case "anthropic":
      return {
        data: models.map((id) => ({ type: "model", id, display_name: id, created_at: new Date(now).toISOString() })),
        has_more: false,
        first_id: models[0] ?? null,
        last_id: models.at(-1) ?? null,
      };
    case "gemini":
      return { models: models.map((id) => ({ name: `models/${id}`, displayName: id, supportedGenerationMethods: ["generateContent"] })) };
    default:
      return { object: "list", data: models.map((id) => ({ id, object: "model", created, owned_by: "simulator" })) };
  }
}
