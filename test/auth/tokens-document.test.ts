import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthState } from "../../src/auth/auth-state.js";
import { sha256 } from "../../src/auth/client-registry.js";
import { parseTokensDocument } from "../../src/auth/tokens-document.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

const WIKI = "kp-test-token-wiki-0001";
const OPS = "kp-test-token-ops-00002";

function registry(doc: unknown, env: Record<string, string> = {}) {
  const r = parseTokensDocument(JSON.stringify(doc), env);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.registry;
}

describe("tokens file", () => {
  it("authenticates by token, by SHA-256 of a token and by certificate name, with scopes", () => {
    const reg = registry(
      {
        clients: [
          { name: "wiki", token: "${WIKI_TOKEN}", providers: ["openai"] },
          { name: "ops", token_sha256: sha256(OPS).toString("hex"), providers: ["*"], admin: true },
          { name: "batch", certificate_cn: "batch.internal", providers: ["google"] },
        ],
      },
      { WIKI_TOKEN: WIKI },
    );
    const auth = new AuthState({ tokensFile: "tokens.json", env: {} });
    auth.use(reg);
    const wiki = auth.authenticate(WIKI, undefined);
    expect(wiki).toMatchObject({ name: "wiki", admin: false });
    expect(() => AuthState.requireProvider(wiki, "openai")).not.toThrow();
    expect(() => AuthState.requireProvider(wiki, "google")).toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));
    expect(() => AuthState.requireAdmin(wiki)).toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));
    const ops = auth.authenticate(OPS, undefined);
    expect(ops).toMatchObject({ name: "ops", admin: true, providers: undefined });
    expect(auth.authenticate(undefined, "batch.internal").name).toBe("batch");
    expect(() => auth.authenticate("kp-test-token-wrong-000", undefined)).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    expect(() => auth.authenticate(undefined, undefined)).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    expect(() => auth.authenticate(undefined, "stranger")).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
  });

  it("reads the stats right, which is off unless given, and refuses a value that is not a boolean", () => {
    const reg = registry({
      clients: [
        { name: "watcher", token: WIKI, providers: ["openai"], stats: true },
        { name: "ops", token: OPS, providers: ["*"] },
      ],
    });
    expect(reg.byToken(WIKI)).toMatchObject({ name: "watcher", stats: true, admin: false });
    expect(reg.byToken(OPS)).toMatchObject({ name: "ops", stats: false });
    const bad = parseTokensDocument(JSON.stringify({ clients: [{ name: "w", token: WIKI, providers: ["*"], stats: "yes" }] }), {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.join("\n")).toMatch(/clients\[0\]\.stats/);
  });

  it("without a tokens file every caller is the anonymous administrator", () => {
    const auth = new AuthState({ env: {} });
    expect(auth.authenticate(undefined, undefined)).toMatchObject({ name: "", admin: true, providers: undefined });
  });

  it("rejects malformed documents with the place and the reason, never the token", () => {
    const cases: [unknown, RegExp][] = [
      [{ clients: [] }, /clients: expected at least one client/],
      [{ clients: [{ name: "a", token: "short", providers: ["openai"] }] }, /clients\[0\]\.token: expected a token of at least 16 characters/],
      [{ clients: [{ name: "a", providers: ["openai"] }] }, /clients\[0\]: expected "token", "token_sha256" or "certificate_cn"/],
      [{ clients: [{ name: "a", token: WIKI, providers: [] }] }, /clients\[0\]\.providers/],
      [{ clients: [{ name: "a", token: WIKI, providers: ["openai"], admn: true }] }, /clients\[0\]\.admn: unknown field/],
      [
        { clients: [{ name: "a", token: WIKI, providers: ["*"] }, { name: "b", token: WIKI, providers: ["*"] }] },
        /clients\[1\]: another client has the same token/,
      ],
      [{ clients: [{ name: "a", token: "${MISSING_TOKEN}", providers: ["*"] }] }, /missing environment variable MISSING_TOKEN/],
    ];
    for (const [doc, message] of cases) {
      const r = parseTokensDocument(JSON.stringify(doc), {});
      expect(r.ok).toBe(false);
      const text = r.ok ? "" : r.errors.join("\n");
      expect(text).toMatch(message);
      expect(text).not.toContain(WIKI);
    }
    const syntax = parseTokensDocument(`{"clients": [{"name": "a", "token": "${WIKI}",}]}`, {}, "tokens.json");
    expect(syntax.ok ? "" : syntax.errors[0]).toMatch(/^tokens\.json: invalid JSON at line 1, column \d+/);
    expect(syntax.ok ? "" : syntax.errors[0]).not.toContain(WIKI);
  });

  it("never throws and never echoes a token on hostile documents", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ minLength: 16, maxLength: 40 }), (value, token) => {
        const doc = { clients: [{ name: "x", token, providers: ["*"] }], extra: value };
        const text = JSON.stringify(doc);
        const r = parseTokensDocument(text, {});
        expect(r.ok).toBe(false);
        if (!r.ok && token.trim().length >= 8) for (const e of r.errors) expect(e).not.toContain(token);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
