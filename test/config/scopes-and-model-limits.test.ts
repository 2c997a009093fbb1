import { describe, expect, it } from "vitest";
import { describeConfig } from "../../src/config/describe-config.js";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import { errorsOf, keysOf, okConfig } from "./results.js";

const parse = (doc: unknown) => parseConfigDocument(JSON.stringify(doc), {});
const K1 = "sk-test-cfg-scope-0001";
const K2 = "sk-test-cfg-scope-0002";

describe("scopes and per-model limits in the config document", () => {
  it("reads scopes, a key's scope, per-model limits and spend_recheck", () => {
    const config = okConfig(
      parse({
        google: {
          scopes: { "proj-a": { rpm: 60, models: { "gemini-2.5-pro": { rpm: 5, rpd: 100 } } } },
          models: { "gemini-2.5-flash": { rpm: 10 } },
          keys: [{ key: K1, scope: "proj-a" }, K2],
        },
        settings: { spend_recheck: "2h" },
      }),
    );
    const google = config.providers.get("google");
    expect(google?.scopes?.["proj-a"]).toEqual({
      name: "proj-a",
      rpm: 60,
      tpm: undefined,
      rpd: undefined,
      modelLimits: { "gemini-2.5-pro": { rpm: 5, tpm: undefined, rpd: 100 } },
    });
    const [k1, k2] = keysOf(config, "google");
    expect(k1?.scope).toBe("proj-a");
    expect(k2?.scope).toBeUndefined();
    // An object of limits restricts nothing: the key still serves every model.
    expect(k1?.models).toBeUndefined();
    expect(k2?.modelLimits).toEqual({ "gemini-2.5-flash": { rpm: 10, tpm: undefined, rpd: undefined } });
    expect(config.settings.spendRecheckMs).toBe(7_200_000);
  });

  it("keeps today's list of allowed models", () => {
    const [k] = keysOf(okConfig(parse({ openai: { keys: [{ key: K1, models: ["gpt-4o", "gpt-4o-mini"] }] } })), "openai");
    expect(k?.models).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(k?.modelLimits).toBeUndefined();
  });

  it("names the field and the reason for an unknown scope, without repeating it", () => {
    const errors = errorsOf(parse({ openai: { scopes: { a: {} }, keys: [K1, { key: K2, scope: "sk-test-cfg-typo-9999" }] } }));
    expect(errors).toEqual(["openai.keys[1].scope: unknown scope (defined under openai.scopes: a)"]);
    expect(errorsOf(parse({ openai: { scope: "b", keys: [K1] } }))).toEqual(["openai.scope: unknown scope (defined under openai.scopes: none)"]);
  });

  it("rejects bad limits, scope names and model entries with field and reason", () => {
    const errors = errorsOf(
      parse({
        openai: {
          scopes: { "bad name!": {}, ok: { rpm: 0, models: { "gpt-4o": { rmp: 3 } } } },
          models: 7,
          keys: [K1],
        },
      }),
    );
    expect(errors).toContain("openai.scopes.ok.rpm: expected a positive integer");
    expect(errors).toContain('openai.scopes.ok.models.gpt-4o.rmp: unknown field');
    expect(errors).toContain('openai.models: expected an array of model names, or an object of limits per model such as {"gpt-4o": {"rpm": 5}}');
    // The name itself is not repeated: a misplaced key could sit there.
    expect(errors).toContain("openai.scopes.<name hidden>: invalid name (scope names: 1 to 64 letters, digits, '.', '_' or '-'; model names: not empty)");
  });

  it("check-config shows scopes, per-model limits, spend_recheck and where learned limits come from, never a secret", () => {
    const config = okConfig(
      parse({
        google: {
          scopes: { "proj-a": { rpm: 60, models: { "gemini-2.5-pro": { rpm: 5, rpd: 100 } } } },
          keys: [{ key: K1, id: "a", scope: "proj-a", models: { "gemini-2.5-flash": { rpm: 10 } } }, { key: K2, id: "b" }],
        },
      }),
    );
    const text = describeConfig(config);
    expect(text).toContain("  learned limits: read at run time from the provider's answers (gemini dialect); the smaller of configured and learned applies");
    expect(text).toContain("  scope proj-a: limits rpm=60; per model: gemini-2.5-pro rpm=5 rpd=100; keys a");
    expect(text).toContain("    limits: none configured; per model: gemini-2.5-flash rpm=10");
    expect(text).toContain("    scope: proj-a");
    expect(text).toContain("    scope: its own");
    expect(text).toContain("spend_recheck: 1h");
    expect(text).not.toContain(K1);
  });
});
