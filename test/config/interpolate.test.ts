import { describe, expect, it } from "vitest";
import { interpolateDocument, interpolateString } from "../../src/config/interpolate.js";

describe("interpolateString", () => {
  const env = { A: "alpha", EMPTY: "" };

  it("replaces ${VAR} anywhere in the string", () => {
    expect(interpolateString("x-${A}-y", env)).toEqual({ value: "x-alpha-y" });
  });

  it("uses :- defaults for unset or empty variables", () => {
    expect(interpolateString("${MISSING:-60}", env).value).toBe("60");
    expect(interpolateString("${EMPTY:-60}", env).value).toBe("60");
    expect(interpolateString("${A:-60}", env).value).toBe("alpha");
    expect(interpolateString("${MISSING:-}", env)).toEqual({ value: "" });
  });

  it("uses - defaults only for unset variables", () => {
    expect(interpolateString("${EMPTY-x}", env).value).toBe("");
    expect(interpolateString("${MISSING-x}", env).value).toBe("x");
  });

  it("keeps $${ as a literal ${ and leaves lone dollars alone", () => {
    expect(interpolateString("$${A} costs $5", env)).toEqual({ value: "${A} costs $5" });
  });

  it("reports a missing variable by name", () => {
    expect(interpolateString("${NOPE}", env).error).toBe("missing environment variable NOPE");
  });

  it("reports malformed references without quoting the string", () => {
    const unterminated = interpolateString("sk-test-SECRET-0001${A", env).error;
    const invalid = interpolateString("sk-test-SECRET-0001${1A}", env).error;
    expect(unterminated).toMatch(/unterminated/);
    expect(invalid).toMatch(/invalid variable reference/);
    expect(`${unterminated} ${invalid}`).not.toContain("SECRET");
  });
});

describe("interpolateDocument", () => {
  it("interpolates string values at any depth and leaves other values alone", () => {
    const doc = { a: ["${A}", 1, true, null, { b: "${A}${A}" }], "${A}": "k" };
    const result = interpolateDocument(doc, { A: "x" });
    expect(result.value).toEqual({ a: ["x", 1, true, null, { b: "xx" }], "${A}": "k" });
    expect(result.problems).toEqual([]);
  });

  it("locates missing variables by path", () => {
    const result = interpolateDocument({ openai: { keys: ["ok", "${OPENAI_API_KEYS}"] } }, {});
    expect(result.problems.map((p) => p.message)).toEqual([
      "missing environment variable OPENAI_API_KEYS (at openai.keys[1])",
    ]);
    expect(result.failedPaths).toEqual([["openai", "keys", 1]]);
  });

  it("keeps a __proto__ field as a plain field", () => {
    const doc = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const value = interpolateDocument(doc, {}).value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("refuses absurd nesting instead of exhausting the stack", () => {
    let doc: unknown = "leaf";
    for (let i = 0; i < 10_000; i += 1) doc = [doc];
    const result = interpolateDocument(doc, {});
    expect(result.problems.map((p) => p.message)).toEqual(["the document is nested more than 32 levels deep"]);
  });
});
