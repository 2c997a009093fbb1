import { describe, expect, it } from "vitest";
import { UpstreamTargets } from "../../src/proxy/upstream-targets.js";

describe("UpstreamTargets", () => {
  it("sends a path to the key's base URL, the same answer when remembered", () => {
    const targets = new UpstreamTargets();
    const first = targets.resolve("openai", "/v1/chat/completions", "", "http://127.0.0.1:9000/v1");
    expect(first).toEqual({ origin: "http://127.0.0.1:9000", path: "/v1/chat/completions" });
    expect(targets.resolve("openai", "/v1/chat/completions", "", "http://127.0.0.1:9000/v1")).toBe(first);
    // Another key's base URL is another target.
    expect(targets.resolve("openai", "/v1/chat/completions", "", "http://127.0.0.1:9001/proxy/v1")).toEqual({
      origin: "http://127.0.0.1:9001",
      path: "/proxy/v1/chat/completions",
    });
    expect(targets.resolve("openai", "/v1/models", "", undefined)).toEqual({ origin: "https://api.openai.com", path: "/v1/models" });
    expect(targets.resolve("selfhosted", "/v1/models", "", undefined)).toBeUndefined();
  });

  it("drops a `key` parameter from the query, and keeps the key's own Azure api-version", () => {
    const targets = new UpstreamTargets();
    expect(targets.resolve("gemini", "/v1beta/models/m:generateContent", "?key=kp-client-token&alt=sse", undefined)).toEqual({
      origin: "https://generativelanguage.googleapis.com",
      path: "/v1beta/models/m:generateContent?alt=sse",
    });
    expect(targets.resolve("azure", "/openai/deployments/d/chat/completions", "", "https://r.openai.azure.com/openai?api-version=2024-10-21")).toEqual({
      origin: "https://r.openai.azure.com",
      path: "/openai/deployments/d/chat/completions?api-version=2024-10-21",
    });
  });

  it("remembers at most its capacity, and never a request with a query", () => {
    const targets = new UpstreamTargets(2);
    const a = targets.resolve("openai", "/v1/a", "", undefined);
    targets.resolve("openai", "/v1/b", "", undefined);
    expect(targets.resolve("openai", "/v1/a", "", undefined)).toBe(a);
    // Full: the next one starts over, so /v1/a is built anew.
    targets.resolve("openai", "/v1/c", "", undefined);
    expect(targets.resolve("openai", "/v1/a", "", undefined)).not.toBe(a);
    const q = targets.resolve("openai", "/v1/a", "?x=1", undefined);
    expect(targets.resolve("openai", "/v1/a", "?x=1", undefined)).not.toBe(q);
    expect(q).toEqual({ origin: "https://api.openai.com", path: "/v1/a?x=1" });
  });
});
