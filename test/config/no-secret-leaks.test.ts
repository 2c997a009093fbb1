import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ConfigResult, configFromEnv, describeConfig, parseConfigDocument } from "../../src/config/index.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

/**
 * Invariant 6: no output carries a secret. Every fake secret below contains
 * "SECRET", so any error, warning or description that contains that word
 * has leaked (part of) one.
 */
const SECRETS = Array.from({ length: 8 }, (_, i) => `sk-test-SECRET-000${i + 1}`);
const [S1, S2, S3, S4, S5, S6, S7] = SECRETS as [string, string, string, string, string, string, string, string];

const ENV = {
  OPENAI_API_KEYS: `${S5},${S6}`,
  K: S7,
  SPACED: `${S1} ${S2}`,
};

/** Everything a caller could print: errors, or warnings plus the description. */
function outputs(result: ConfigResult): string[] {
  return result.ok ? [...result.config.warnings, describeConfig(result.config)] : result.errors;
}

function expectNoLeak(result: ConfigResult): void {
  for (const text of outputs(result)) expect(text).not.toMatch(/SECRET/);
}

describe("no secret in any output", () => {
  const malformed: Record<string, string> = {
    "key is a number": `{"openai": {"keys": [{"key": 12}, "${S1}"]}}`,
    "key too long": `{"openai": {"keys": ["${S1.repeat(400)}"]}}`,
    "key with whitespace": `{"openai": {"keys": ["${S1} ${S2}", {"key": "${S3}\\t"}]}}`,
    "key with control character": `{"openai": {"keys": ["${S1}\\u0000"]}}`,
    "key with non-ASCII": `{"openai": {"keys": ["${S1}…"]}}`,
    "commas in an object key": `{"openai": {"keys": [{"key": "${S1},${S2}"}]}}`,
    "keys is a string": `{"openai": {"keys": "${S1}"}}`,
    "keys in a typo field": `{"openai": {"keys": ["${S1}"], "kyes": ["${S2}"]}}`,
    "secret as a field name": `{"openai": {"keys": ["${S1}"], "${S2}": 1}}`,
    "long key as a field name": `{"openai": {"keys": ["${S1}"], "${S3.repeat(3)}": 1}}`,
    "secret as a provider name": `{"${S1}": {"keys": ["${S1}"]}}`,
    "secret in a number field": `{"openai": {"keys": ["${S4}"], "rpm": "${S1}", "weight": "${S2}"}}`,
    "secret as a base URL": `{"openai": {"keys": ["${S4}"], "base_url": "${S1}"}}`,
    "secret as a duration": `{"openai": {"keys": [{"key": "${S4}", "limits": [{"requests": 1, "per": "${S1}"}]}]}}`,
    "secret as models": `{"openai": {"keys": ["${S4}"], "models": "${S1}"}}`,
    "secret as an id": `{"openai": {"keys": [{"key": "${S1}", "id": "${S1}"}]}}`,
    "secret in a label": `{"openai": {"keys": [{"key": "${S1}", "label": "key ${S1}"}]}}`,
    "another provider's secret in a label": `{"a": {"keys": ["${S1}"]}, "b": {"keys": [{"key": "${S2}", "label": "${S1}"}]}}`,
    "secret in settings": `{"openai": {"keys": ["${S4}"]}, "settings": {"lease_ttl": "${S1}", "window_margin": "${S2}"}}`,
    "settings is a secret": `{"openai": {"keys": ["${S4}"]}, "settings": "${S1}"}`,
    "top level is a secret": `"${S1}"`,
    "top level is an array of secrets": `["${S1}", "${S2}"]`,
    "JSON error right after a secret": `{"openai": {"keys": ["${S1}" "${S2}"]}}`,
    "JSON error inside a secret's string": `{"openai": {"keys": ["${S1}\\q"]}}`,
    "unterminated string with a secret": `{"openai": {"keys": ["${S1}`,
    "single-quoted secret": `{"openai": {"keys": ['${S1}']}}`,
    "bare secret": `{"openai": {"keys": [${S1}]}}`,
    "malformed interpolation in a secret": `{"openai": {"keys": ["${S1}\${", "${S2}\${1x}"]}}`,
    "missing variable next to a secret": `{"openai": {"keys": ["${S1}\${NOPE}"]}}`,
    "interpolated secret with whitespace": `{"openai": {"keys": ["\${SPACED}"]}}`,
    "interpolated secret as a number": `{"openai": {"keys": ["${S4}"], "rpm": "\${K}"}}`,
    "duplicate secrets": `{"openai": {"keys": ["${S1}", "${S1}", {"key": "${S1}", "id": "x"}, "\${OPENAI_API_KEYS}", "${S5}"]}}`,
    "id collision": `{"openai": {"keys": [{"key": "${S1}", "id": "main"}, {"key": "${S2}", "id": "main"}]}}`,
  };

  for (const [name, text] of Object.entries(malformed)) {
    it(`in the file source: ${name}`, () => {
      expectNoLeak(parseConfigDocument(text, ENV, "config.json"));
    });
  }

  it("in the file source: a valid config's warnings and description", () => {
    const result = parseConfigDocument(
      JSON.stringify({ openai: { keys: ["${OPENAI_API_KEYS}", S1, S1, { key: S2, label: "two" }] } }),
      ENV,
    );
    expect(result.ok).toBe(true);
    expectNoLeak(result);
  });

  it("in the env source", () => {
    const cases: Record<string, string>[] = [
      { OPENAI_API_KEYS: `${S1},${S2} ${S3}` },
      { OPENAI_API_KEYS: S1, OPENAI_KEY_RPM: S2, OPENAI_KEY_TPM: S3, OPENAI_BASE_URL: S4 },
      { GEMINI_API_KEY: S1, GEMINI_KEY_RPM: S2, GOOGLE_KEY_RPM: S3 },
      { OPENAI_API_KEYS: `${S1},${S1}`, OPENAI_API_KEY: S1 },
      { OPENAI_API_KEYS: S1.repeat(500) },
      { KEYPOOL_API_KEYS: S1 },
    ];
    for (const env of cases) expectNoLeak(configFromEnv(env));
  });
});

describe("parseConfigDocument on arbitrary input (property)", () => {
  const secret = fc.constantFrom(...SECRETS);
  // Strings that are, contain or produce secrets, well-formed or not.
  const secretish = fc.oneof(
    secret,
    secret.map((s) => `${s} tail`),
    fc.tuple(secret, secret).map(([a, b]) => `${a},${b}`),
    secret.map((s) => s.repeat(300)),
    secret.map((s) => `${s}\${`),
    secret.map((s) => `${s}\${NOPE}`),
    fc.constantFrom("${OPENAI_API_KEYS}", "${K}", "${K:-x}", "${SPACED}", "${MISSING}", "${MISSING:-sk-test-SECRET-0008}", "$${K}"),
  );
  const plain = fc.oneof(
    fc.integer({ min: -5, max: 100_000 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 6 }),
    fc.constantFrom("10s", "1m", "0", "-1", "1.5", "true", "https://x.example.test/v1", "ftp://x", ""),
  );
  const leaf = fc.oneof(secretish, plain);
  const field = fc.constantFrom(
    "keys", "key", "weight", "rpm", "tpm", "rpd", "max_concurrent", "limits", "requests", "tokens", "per",
    "models", "base_url", "enabled", "settings", "lease_ttl", "max_lease_ttl", "window_margin", "server_error_threshold",
    "openai", "google", "my-llm", "rmp", "Bad Name", "__proto__",
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(field, tie("value"), { maxKeys: 4 }),
    ),
  }));
  // Shapes close to valid documents, so that deep paths (builds, warnings,
  // descriptions) are reached as well as early rejections.
  const window = fc.record({ requests: leaf, tokens: leaf, per: leaf }, { requiredKeys: [] });
  const keyObject = fc.record(
    {
      key: fc.oneof(secretish, plain),
      id: fc.constantFrom("main", "backup", "k_0", "bad id"),
      label: fc.constantFrom("primary", "team-${TEAM:-a}", ""),
      rpm: leaf,
      limits: fc.array(window, { maxLength: 2 }),
      models: fc.oneof(fc.array(fc.constantFrom("gpt-4o", "o3", ""), { maxLength: 2 }), leaf),
      enabled: leaf,
      rmp: leaf,
    },
    { requiredKeys: ["key"] },
  );
  const provider = fc.record(
    {
      keys: fc.array(fc.oneof(secretish, secret, keyObject, value), { maxLength: 4 }),
      rpm: leaf,
      weight: leaf,
      base_url: leaf,
      limits: fc.array(window, { maxLength: 2 }),
      settings: value,
    },
    { requiredKeys: ["keys"] },
  );
  const settings = fc.dictionary(fc.constantFrom("lease_ttl", "max_lease_ttl", "window_margin", "backoff_initial", "max_wait"), leaf);
  const document = fc.oneof(
    fc.dictionary(fc.constantFrom("openai", "google", "my-llm", "Bad Name"), fc.oneof(provider, value), { maxKeys: 3 }),
    fc.record({ openai: provider, settings }, { requiredKeys: ["openai"] }),
    value,
  );
  // Valid documents (with duplicates and windows), so that successful loads
  // are checked too: their warnings and descriptions.
  const goodKey = fc.oneof(
    secret,
    fc.constantFrom("${OPENAI_API_KEYS}", "${K}", `${S1},${S2}`),
    fc.record(
      {
        key: secret,
        id: fc.constantFrom("main", "backup"),
        label: fc.constantFrom("primary", "team-${TEAM:-a}"),
        rpm: fc.integer({ min: 1, max: 1_000 }),
        limits: fc.array(fc.record({ tokens: fc.integer({ min: 1, max: 9 }), per: fc.constantFrom("1s", "1m", 500) }), { maxLength: 2 }),
        models: fc.array(fc.constantFrom("gpt-4o", "o3"), { minLength: 1, maxLength: 2 }),
        enabled: fc.boolean(),
        base_url: fc.constant("https://x.example.test/v1"),
      },
      { requiredKeys: ["key"] },
    ),
  );
  const goodProvider = fc.record(
    {
      keys: fc.array(goodKey, { minLength: 1, maxLength: 5 }),
      rpm: fc.integer({ min: 1, max: 100 }).map(String),
      weight: fc.constantFrom(1, 2.5, "3"),
      base_url: fc.constant("https://proxy.example.test"),
    },
    { requiredKeys: ["keys"] },
  );
  const goodDocument = fc.dictionary(fc.constantFrom("openai", "google", "my-llm"), goodProvider, { minKeys: 1, maxKeys: 3 });

  // Text: the document, sometimes damaged, so that JSON syntax errors near secrets occur.
  const text = fc.oneof(
    { arbitrary: goodDocument.map((d) => JSON.stringify(d)), weight: 2 },
    document.map((d) => JSON.stringify(d) ?? "null"),
    fc
      .tuple(document, fc.nat(), fc.constantFrom("", "}", "]", ",", '"', "x", "\\", "\n", "{", "'"), fc.nat({ max: 3 }))
      .map(([d, at, insert, cut]) => {
        const t = JSON.stringify(d) ?? "null";
        const i = at % (t.length + 1);
        return t.slice(0, i) + insert + t.slice(i + cut);
      }),
    fc.string({ maxLength: 40 }),
  );

  it("never throws and never leaks a secret", () => {
    fc.assert(
      fc.property(text, (input) => {
        const result = parseConfigDocument(input, ENV, "config.json");
        if (result.ok) expect(result.config.providers.size).toBeGreaterThan(0);
        else expect(result.errors.length).toBeGreaterThan(0);
        expectNoLeak(result);
      }),
      { numRuns: fuzzRuns(3_000) },
    );
  });
});
