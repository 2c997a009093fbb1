import { describe, expect, it } from "vitest";
import { displayName, formatPath } from "../../src/config/problem.js";

describe("formatPath", () => {
  it("writes paths as people read them", () => {
    expect(formatPath(["openai", "keys", 2, "rpm"])).toBe("openai.keys[2].rpm");
    expect(formatPath(["my-llm", "limits", 0, "per"])).toBe("my-llm.limits[0].per");
    expect(formatPath([])).toBe("");
  });

  it("shows name-like fields, hides what may be a pasted key", () => {
    expect(displayName("rmp")).toBe("rmp");
    expect(displayName("server_error_threshold")).toBe("server_error_threshold");
    expect(displayName("gpt4")).toBe("gpt4");
    expect(displayName("sk-test-SECRET-0001")).toBe("<name hidden>"); // digit-heavy
    expect(displayName("a3f9c2d1e8b74f60a3f9c2d1e8b74f60")).toBe("<name hidden>"); // hex key
    expect(displayName("x".repeat(40))).toBe("<name hidden>"); // long
    expect(displayName("has space")).toBe("<name hidden>");
    expect(formatPath(["openai", "sk-test-SECRET-0001"])).toBe("openai.<name hidden>");
  });
});
