import { describe, expect, it } from "vitest";
import { apiForProvider, applyKey, requestFacts, rewriteUrl } from "../../clients/typescript/src/index.js";

const rewrite = (url: string, keyBase: string | undefined, sdkBase: string | undefined) => rewriteUrl(new URL(url), keyBase, sdkBase).href;

describe("rewriteUrl", () => {
  it("replaces the SDK's base URL by the key's, keeping the rest of the path and the query", () => {
    expect(rewrite("https://api.openai.com/v1/chat/completions", "http://127.0.0.1:8000/v1", "https://api.openai.com/v1")).toBe("http://127.0.0.1:8000/v1/chat/completions");
    expect(rewrite("https://api.openai.com/v1/chat/completions?x=1", "https://api.groq.com/openai/v1/", "https://api.openai.com/v1")).toBe(
      "https://api.groq.com/openai/v1/chat/completions?x=1",
    );
    expect(rewrite("https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?alt=sse", "http://sim:1", "https://generativelanguage.googleapis.com")).toBe(
      "http://sim:1/v1beta/models/m:generateContent?alt=sse",
    );
  });

  it("outside the SDK's base, changes the origin and adds the key's base path once", () => {
    expect(rewrite("https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=1", "http://sim:2", undefined)).toBe(
      "http://sim:2/openai/deployments/d/chat/completions?api-version=1",
    );
    expect(rewrite("https://custom.example/v1/chat/completions", "http://sim:3/v1", "https://api.openai.com/v1")).toBe("http://sim:3/v1/chat/completions");
    expect(rewrite("https://custom.example/chat/completions", "http://sim:3/v1", "https://api.openai.com/v1")).toBe("http://sim:3/v1/chat/completions");
    expect(rewrite("https://api.openai.com/v1/models", undefined, "https://api.openai.com/v1")).toBe("https://api.openai.com/v1/models");
  });
});

describe("applyKey", () => {
  it("removes every placeholder credential and puts the key where the API expects it", () => {
    const cases = [
      ["openai", "authorization", "Bearer sk-test-1"],
      ["azure", "api-key", "sk-test-1"],
      ["gemini", "x-goog-api-key", "sk-test-1"],
      ["anthropic", "x-api-key", "sk-test-1"],
    ] as const;
    for (const [api, header, value] of cases) {
      const headers = new Headers({ authorization: "Bearer unused", "x-api-key": "unused", "api-key": "unused", "x-goog-api-key": "unused", accept: "a" });
      const url = new URL("https://x.example/p?key=unused&alt=sse");
      applyKey(headers, url, api, "sk-test-1");
      expect([...headers.entries()]).toEqual([["accept", "a"], [header, value]]);
      expect(url.searchParams.get("key")).toBe(api === "gemini" ? null : "unused");
    }
  });

  it("knows the API from the provider name", () => {
    expect(["openai", "openrouter", "local", "google", "gemini", "anthropic", "azure", "azure_openai"].map(apiForProvider)).toEqual([
      "openai", "openai", "openai", "gemini", "gemini", "anthropic", "azure", "azure",
    ]);
  });
});

describe("requestFacts", () => {
  it("finds the model and estimates prompt plus completion cap", () => {
    const body = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 100, messages: [{ role: "user", content: "x".repeat(400) }] });
    const facts = requestFacts(new URL("https://api.openai.com/v1/chat/completions"), body);
    expect(facts.model).toBe("gpt-4o-mini");
    expect(facts.estimatedTokens).toBe(Math.ceil(body.length / 4) + 100);
    const gemini = requestFacts(new URL("https://g.example/v1beta/models/gemini-2.5-flash:generateContent"), JSON.stringify({ generationConfig: { maxOutputTokens: 50 } }));
    expect(gemini.model).toBe("gemini-2.5-flash");
    expect(gemini.estimatedTokens).toBeGreaterThan(50);
    expect(requestFacts(new URL("https://x.example/openai/deployments/dep-1/chat/completions"), undefined)).toEqual({ model: "dep-1", estimatedTokens: 0 });
  });

  it("takes a model name with a percent sign as written: a body is not URL-encoded, and a malformed escape in a path does not throw", () => {
    expect(requestFacts(new URL("https://api.openai.com/v1/chat/completions"), '{"model":"%"}').model).toBe("%");
    expect(requestFacts(new URL("https://g.example/v1beta/models/gem%ZZini:generateContent"), undefined).model).toBe("gem%ZZini");
    expect(requestFacts(new URL("https://g.example/v1beta/models/gemini%2D2:generateContent"), undefined).model).toBe("gemini-2");
  });
});
