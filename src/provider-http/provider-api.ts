/** The wire API a provider speaks, which decides where its key goes. */
export type ProviderApi = "openai" | "azure" | "gemini" | "anthropic";

/** Public endpoints the official SDKs call by default, replaced by a key's base URL. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderApi, string | undefined>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  gemini: "https://generativelanguage.googleapis.com",
  // Every Azure resource has its own host.
  azure: undefined,
};

/**
 * The API of a configured provider name: `google`/`gemini` speak Gemini,
 * `anthropic` Anthropic, `azure*` Azure OpenAI, and every other name
 * (openai, openrouter, groq, a local server, ...) the OpenAI-compatible API.
 */
export function apiForProvider(provider: string): ProviderApi {
  const name = provider.toLowerCase();
  if (name === "google" || name === "gemini" || name.startsWith("gemini") || name.startsWith("google")) return "gemini";
  if (name.startsWith("anthropic") || name === "claude") return "anthropic";
  if (name.startsWith("azure")) return "azure";
  return "openai";
}

/** Every header a provider key may travel in; placeholders an SDK put there are removed. */
const CREDENTIAL_HEADERS = ["authorization", "api-key", "x-api-key", "x-goog-api-key"];

/**
 * Puts `apiKey` where the API expects it, after removing any credential the
 * caller's SDK set (its placeholder key must never reach the provider):
 * `Authorization: Bearer` (OpenAI-compatible), `api-key` (Azure),
 * `x-goog-api-key` (Gemini, also dropping a `?key=`), `x-api-key` (Anthropic).
 */
export function applyKey(headers: Headers, url: URL, api: ProviderApi, apiKey: string): void {
  for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  if (api === "gemini") url.searchParams.delete("key");
  const [name, value] = keyHeader(api, apiKey);
  headers.set(name, value);
}

/** The header an API takes its key in, and the key as that header's value. */
export function keyHeader(api: ProviderApi, apiKey: string): readonly [name: string, value: string] {
  switch (api) {
    case "openai":
      return ["authorization", `Bearer ${apiKey}`];
    case "azure":
      return ["api-key", apiKey];
    case "gemini":
      return ["x-goog-api-key", apiKey];
    case "anthropic":
      return ["x-api-key", apiKey];
  }
}

/**
 * The URL a request goes to when its key has a base URL: the part of the
 * request URL that the SDK's base URL (`sdkBaseUrl`, default the API's public
 * endpoint) covers is replaced by the key's base URL. A request outside that
 * base keeps its path and query and only changes origin, gaining the key's
 * base path when it does not already start with it.
 */
export function rewriteUrl(url: URL, keyBaseUrl: string | undefined, sdkBaseUrl: string | undefined): URL {
  if (keyBaseUrl === undefined || keyBaseUrl === "") return url;
  const target = new URL(keyBaseUrl);
  const targetPath = trimSlash(target.pathname);
  if (sdkBaseUrl !== undefined && sdkBaseUrl !== "") {
    const base = new URL(sdkBaseUrl);
    const basePath = trimSlash(base.pathname);
    if (base.origin === url.origin && (url.pathname === basePath || url.pathname.startsWith(`${basePath}/`) || basePath === "")) {
      const rest = url.pathname.slice(basePath.length);
      return withParts(target, `${targetPath}${rest}`, url);
    }
  }
  const path = targetPath === "" || url.pathname === targetPath || url.pathname.startsWith(`${targetPath}/`) ? url.pathname : `${targetPath}${url.pathname}`;
  return withParts(target, path, url);
}

function withParts(target: URL, path: string, from: URL): URL {
  const out = new URL(target.origin);
  out.pathname = path === "" ? "/" : path;
  out.search = from.search;
  // A base URL may carry query parameters of its own (Azure's api-version); the request's win.
  for (const [k, v] of target.searchParams) if (!out.searchParams.has(k)) out.searchParams.set(k, v);
  out.hash = from.hash;
  return out;
}

function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}
