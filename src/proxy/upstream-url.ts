import { apiForProvider, rewriteUrl } from "../provider-http/provider-api.js";

/**
 * The base URLs the providers document (what an SDK calls without a base URL
 * setting). A request to `/{provider}/<rest>` goes to this base's origin plus
 * `<rest>`, so a client's base URL is the documented one with its origin
 * replaced by the proxy's `/{provider}`: `https://api.openai.com/v1` becomes
 * `http://proxy/openai/v1`, `https://openrouter.ai/api/v1` becomes
 * `http://proxy/openrouter/api/v1`.
 */
export const BUILT_IN_BASE_URLS: Readonly<Record<string, string>> = Object.freeze({
  openai: "https://api.openai.com/v1",
  google: "https://generativelanguage.googleapis.com",
  gemini: "https://generativelanguage.googleapis.com",
  anthropic: "https://api.anthropic.com",
  openrouter: "https://openrouter.ai/api/v1",
  deepseek: "https://api.deepseek.com",
  mistral: "https://api.mistral.ai/v1",
  groq: "https://api.groq.com/openai/v1",
  together: "https://api.together.xyz/v1",
  xai: "https://api.x.ai/v1",
  dashscope: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
});

/** Stands in for the origin of a provider without a built-in one: replaced by the key's base URL. */
const PLACEHOLDER_ORIGIN = "http://upstream.invalid";

/** True when requests of `provider` can be routed with a key whose base URL is `keyBaseUrl`. */
export function hasUpstream(provider: string, keyBaseUrl: string | undefined): boolean {
  return (keyBaseUrl !== undefined && keyBaseUrl !== "") || BUILT_IN_BASE_URLS[provider] !== undefined;
}

/**
 * Where a proxied request goes with a key: the built-in origin plus the
 * path, re-based onto the key's `base_url` (which is an SDK base URL, such as
 * `http://127.0.0.1:8000/v1`) exactly as the client library's pool.fetch does,
 * so one configuration serves both. An Azure key's own `api-version` wins
 * over the client's: the operator knows what each resource supports.
 * Undefined when the provider has no built-in origin and the key no base URL.
 */
export function upstreamUrl(provider: string, path: string, search: string, keyBaseUrl: string | undefined): URL | undefined {
  const builtIn = BUILT_IN_BASE_URLS[provider];
  if (!hasUpstream(provider, keyBaseUrl)) return undefined;
  const origin = builtIn === undefined ? PLACEHOLDER_ORIGIN : new URL(builtIn).origin;
  const url = new URL(`${origin}${path}${search}`);
  const target = rewriteUrl(url, keyBaseUrl, builtIn);
  if (keyBaseUrl !== undefined && apiForProvider(provider) === "azure") {
    const version = new URL(keyBaseUrl).searchParams.get("api-version");
    if (version !== null) target.searchParams.set("api-version", version);
  }
  return target;
}
