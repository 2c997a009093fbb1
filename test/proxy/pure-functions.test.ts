import { describe, expect, it } from "vitest";
import { clientCredential } from "../../src/proxy/client-credential.js";
import { errorBody } from "../../src/provider-http/error-body.js";
import { isConnectionFailure, shouldRetry } from "../../src/provider-http/failover-policy.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "../../src/proxy/hop-by-hop.js";
import { ProxyError } from "../../src/proxy/proxy-error.js";
import { resolveProxyOptions } from "../../src/proxy/proxy-options.js";
import { parseProxyRoute } from "../../src/proxy/proxy-route.js";
import { estimateRequest } from "../../src/proxy/request-estimate.js";
import { tailUsage, usageWatcher } from "../../src/proxy/response-usage.js";
import { upstreamUrl } from "../../src/proxy/upstream-url.js";

describe("routing", () => {
  it("splits /{provider}/<rest>?query, lowercasing the provider", () => {
    expect(parseProxyRoute("/OpenAI/v1/chat/completions?x=1")).toEqual({ provider: "openai", path: "/v1/chat/completions", search: "?x=1" });
    expect(parseProxyRoute("/google")).toEqual({ provider: "google", path: "/", search: "" });
    expect(parseProxyRoute("/")).toBeUndefined();
    expect(parseProxyRoute("/%ZZ/x")).toBeUndefined();
    expect(parseProxyRoute("http://evil.example/openai/v1")).toBeUndefined();
  });

  it("sends each provider's path to its documented origin, or re-bases it onto the key's base_url as pool.fetch does", () => {
    expect(upstreamUrl("openai", "/v1/chat/completions", "", undefined)?.href).toBe("https://api.openai.com/v1/chat/completions");
    expect(upstreamUrl("openrouter", "/api/v1/chat/completions", "", undefined)?.href).toBe("https://openrouter.ai/api/v1/chat/completions");
    expect(upstreamUrl("anthropic", "/v1/messages", "", undefined)?.href).toBe("https://api.anthropic.com/v1/messages");
    expect(upstreamUrl("google", "/v1beta/models/g:generateContent", "?alt=sse", undefined)?.href).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?alt=sse",
    );
    // A key's base_url is an SDK base URL: the SDK base path the request is under is replaced by it.
    expect(upstreamUrl("openai", "/v1/embeddings", "", "http://127.0.0.1:8000/v1")?.href).toBe("http://127.0.0.1:8000/v1/embeddings");
    expect(upstreamUrl("openai", "/v1/embeddings", "", "http://10.0.0.9:8000/openai/v1")?.href).toBe("http://10.0.0.9:8000/openai/v1/embeddings");
    // A provider without a built-in origin keeps the path, under the key's base path.
    expect(upstreamUrl("local", "/v1/chat/completions", "", "http://127.0.0.1:8000/v1")?.href).toBe("http://127.0.0.1:8000/v1/chat/completions");
    expect(upstreamUrl("local", "/chat/completions", "", "http://127.0.0.1:8000/v1")?.href).toBe("http://127.0.0.1:8000/v1/chat/completions");
    expect(upstreamUrl("local", "/v1/chat/completions", "", undefined)).toBeUndefined();
    // Dot segments cannot leave the upstream's origin.
    expect(upstreamUrl("openai", "/v1/../../../etc/passwd", "", "http://127.0.0.1:8000/v1")?.origin).toBe("http://127.0.0.1:8000");
  });

  it("an Azure key's endpoint and api-version win over the client's", () => {
    const url = upstreamUrl("azure", "/openai/deployments/d/chat/completions", "?api-version=2023-05-15", "https://res.openai.azure.com/openai?api-version=2024-10-21");
    expect(url?.href).toBe("https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21");
    const clientVersion = upstreamUrl("azure", "/openai/deployments/d/embeddings", "?api-version=2023-05-15", "https://res.openai.azure.com");
    expect(clientVersion?.searchParams.get("api-version")).toBe("2023-05-15");
  });
});

describe("client credentials", () => {
  const q = (s = "") => new URLSearchParams(s);
  it("finds the token where each SDK sends its API key, the API's own place first", () => {
    expect(clientCredential({ authorization: "Bearer kp-a" }, q(), "openai")).toEqual({ value: "kp-a", place: "authorization" });
    expect(clientCredential({ "x-api-key": "kp-b", authorization: "Bearer kp-c" }, q(), "anthropic")).toEqual({ value: "kp-b", place: "x-api-key" });
    expect(clientCredential({ "api-key": "kp-d" }, q(), "azure")).toEqual({ value: "kp-d", place: "api-key" });
    expect(clientCredential({ "x-goog-api-key": "kp-e" }, q("key=kp-f"), "gemini")).toEqual({ value: "kp-e", place: "x-goog-api-key" });
    expect(clientCredential({}, q("key=kp-f"), "gemini")).toEqual({ value: "kp-f", place: "key" });
    // Another place is still accepted (an SDK configured unusually).
    expect(clientCredential({ authorization: "Bearer kp-g" }, q(), "gemini")).toEqual({ value: "kp-g", place: "authorization" });
    expect(clientCredential({ authorization: "Basic a2V5" }, q(), "openai")).toBeUndefined();
    expect(clientCredential({}, q(), "openai")).toBeUndefined();
  });
});

describe("headers", () => {
  it("never forwards a credential, a hop-by-hop header or a header the Connection header names", () => {
    const out = upstreamRequestHeaders({
      authorization: "Bearer kp-token",
      "x-api-key": "kp-token",
      "api-key": "kp-token",
      "x-goog-api-key": "kp-token",
      connection: "keep-alive, x-private",
      "x-private": "1",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      te: "trailers",
      upgrade: "h2c",
      "proxy-authorization": "Basic x",
      host: "127.0.0.1:8080",
      "content-length": "12",
      "accept-encoding": "gzip, br",
      "x-keypool-max-wait": "1",
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-stainless-timeout": "600",
    });
    expect(out).toEqual({ "content-type": "application/json", "anthropic-version": "2023-06-01", "x-stainless-timeout": "600", "accept-encoding": "identity" });
  });

  it("passes response headers on without hop-by-hop ones; content-length only for an unchanged body", () => {
    const upstream = { "content-type": "text/event-stream", "content-length": "10", connection: "keep-alive", "transfer-encoding": "chunked", "x-ratelimit-remaining-requests": "9", "set-cookie": ["a=1", "b=2"] };
    expect(clientResponseHeaders(upstream)).toEqual({ "content-type": "text/event-stream", "content-length": "10", "x-ratelimit-remaining-requests": "9", "set-cookie": ["a=1", "b=2"] });
    expect(clientResponseHeaders(upstream, false)).not.toHaveProperty("content-length");
  });
});

describe("usage as the body passes", () => {
  it("reads SSE usage across chunk boundaries and JSON usage at the end", () => {
    const sse = usageWatcher("text/event-stream; charset=utf-8")!;
    const text = 'data: {"choices":[]}\n\ndata: {"usage":{"prompt_tokens":11,"completion_tokens":7}}\n\ndata: [DONE]\n\n';
    for (let i = 0; i < text.length; i += 5) sse.push(Buffer.from(text.slice(i, i + 5)));
    expect(sse.end()).toEqual({ promptTokens: 11, completionTokens: 7 });
    const json = usageWatcher("application/json")!;
    json.push(Buffer.from('{"usageMetadata":{"promptTokenCount":3,'));
    json.push(Buffer.from('"candidatesTokenCount":4}}'));
    expect(json.end()).toEqual({ promptTokens: 3, completionTokens: 4 });
    expect(usageWatcher("text/plain")).toBeUndefined();
  });

  it("reads the usage of a JSON body larger than 1 MiB from its tail, without keeping the whole body", () => {
    const json = usageWatcher("application/json")!;
    json.push(Buffer.from('{"data":[{"embedding":"'));
    for (let i = 0; i < 40; i++) json.push(Buffer.from("A".repeat(64 * 1024)));
    json.push(Buffer.from('"}],"usage":{"prompt_tokens":123,"total_tokens":123,"prompt_tokens_details":{"cached_tokens":0}}}'));
    expect(json.end()).toEqual({ promptTokens: 123 });
    // A "usage" inside a string of the answer is not taken for the real one.
    expect(tailUsage('{"usage":{"prompt_tokens":2,"completion_tokens":1},"text":"the \\"usage\\": {\\"prompt_tokens\\": 9}"}')).toEqual({ promptTokens: 2, completionTokens: 1 });
    expect(tailUsage('{"text":"no usage here"}')).toBeUndefined();
  });

  it("estimates a request from the client library's request facts", () => {
    const body = Buffer.from(JSON.stringify({ model: "gpt-4o-mini", max_tokens: 100, messages: [{ role: "user", content: "x".repeat(400) }] }));
    const estimate = estimateRequest("/v1/chat/completions", body);
    expect(estimate.model).toBe("gpt-4o-mini");
    expect(estimate.estimatedTokens).toBe(Math.ceil(body.length / 4) + 100);
    expect(estimateRequest("/v1beta/models/gemini-2.5-flash:generateContent", undefined)).toEqual({ model: "gemini-2.5-flash", estimatedTokens: 0 });
  });
});

describe("failover policy", () => {
  const policy = { maxAttempts: 3, retryServerErrors: false };
  it("retries a 429, a rejected key and a failed connection, within the attempts and the time left", () => {
    expect(shouldRetry({ kind: "answer", status: 429, outcome: "rate_limited" }, 1, policy, 1000)).toBe(true);
    expect(shouldRetry({ kind: "answer", status: 429, outcome: "quota_exhausted" }, 2, policy, 1000)).toBe(true);
    expect(shouldRetry({ kind: "answer", status: 400, outcome: "unauthorized" }, 1, policy, 1000)).toBe(true);
    expect(shouldRetry({ kind: "no_answer", connectionFailed: true }, 1, policy, 1000)).toBe(true);
    expect(shouldRetry({ kind: "answer", status: 429, outcome: "rate_limited" }, 3, policy, 1000)).toBe(false);
    expect(shouldRetry({ kind: "answer", status: 429, outcome: "rate_limited" }, 1, policy, 0)).toBe(false);
    expect(shouldRetry({ kind: "no_answer", connectionFailed: false }, 1, policy, 1000)).toBe(false);
    expect(shouldRetry({ kind: "answer", status: 400, outcome: "client_error" }, 1, policy, 1000)).toBe(false);
    expect(shouldRetry({ kind: "answer", status: 503, outcome: "server_error" }, 1, policy, 1000)).toBe(false);
    expect(shouldRetry({ kind: "answer", status: 503, outcome: "server_error" }, 1, { ...policy, retryServerErrors: true }, 1000)).toBe(true);
  });

  it("tells connection failures from timeouts and aborts", () => {
    expect(isConnectionFailure(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectionFailure(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }) }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error("t"), { code: "UND_ERR_HEADERS_TIMEOUT" }))).toBe(false);
    expect(isConnectionFailure(new DOMException("aborted", "AbortError"))).toBe(false);
  });
});

describe("errors in the client's format", () => {
  const busy = new ProxyError(429, "pool_busy", "keypool: busy", 2500);
  it("each API's SDK finds error.message and a code", () => {
    expect(errorBody("openai", busy)).toEqual({ error: { message: "keypool: busy", type: "keypool_error", param: null, code: "pool_busy" } });
    expect(errorBody("anthropic", busy)).toEqual({ type: "error", error: { type: "rate_limit_error", message: "keypool: busy", code: "pool_busy" } });
    expect(errorBody("gemini", busy)).toMatchObject({
      error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "keypool: busy", details: [{ reason: "POOL_BUSY" }, { retryDelay: "2.500s" }] },
    });
    expect(errorBody(undefined, busy)).toEqual({ error: { code: "pool_busy", message: "keypool: busy" } });
  });
});

describe("options", () => {
  it("fills defaults and refuses values that cannot work", () => {
    expect(resolveProxyOptions({ maxAttempts: 2, maxWaitMs: undefined as unknown as number })).toMatchObject({ maxAttempts: 2, maxBodyBytes: 10 * 1024 * 1024, maxWaitMs: 0 });
    expect(() => resolveProxyOptions({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => resolveProxyOptions({ upstreamTimeoutMs: -1 })).toThrow(/upstreamTimeoutMs/);
  });
});
