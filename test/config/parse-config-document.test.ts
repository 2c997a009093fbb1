import { describe, expect, it } from "vitest";
import { defaultSettings, keyIdFor, parseConfigDocument } from "../../src/config/index.js";
import { errorsOf, keysOf, okConfig } from "./results.js";

/** Parses a document given as a JS value (most tests) with `env`. */
function parse(doc: unknown, env: Record<string, string> = {}) {
  return parseConfigDocument(JSON.stringify(doc, null, 2), env, "config.json");
}

describe("parseConfigDocument: the env-compatible form", () => {
  const doc = { openai: { keys: ["${OPENAI_API_KEYS}"] }, google: { keys: ["${GOOGLE_API_KEYS}"] } };

  it("reads comma-separated lists from interpolated variables", () => {
    const config = okConfig(
      parse(doc, { OPENAI_API_KEYS: "sk-test-0001, sk-test-0002,", GOOGLE_API_KEYS: "g-test-0001" }),
    );
    expect([...config.providers.keys()]).toEqual(["openai", "google"]);
    expect(keysOf(config, "openai").map((k) => k.secret)).toEqual(["sk-test-0001", "sk-test-0002"]);
    expect(keysOf(config, "google")[0]).toMatchObject({
      id: keyIdFor("g-test-0001"),
      label: keyIdFor("g-test-0001"),
      provider: "google",
      weight: 1,
      enabled: true,
      windows: [],
      models: undefined,
    });
    expect(config.settings).toEqual(defaultSettings);
  });

  it("reports each missing variable with its location", () => {
    expect(errorsOf(parse(doc, { OPENAI_API_KEYS: "sk-test-0001" }))).toEqual([
      "missing environment variable GOOGLE_API_KEYS (at google.keys[0])",
    ]);
  });

  it("skips a provider whose keys interpolate to nothing, with a warning", () => {
    const optional = { openai: { keys: ["${OPENAI_API_KEYS}"] }, google: { keys: ["${GOOGLE_API_KEYS:-}"] } };
    const config = okConfig(parse(optional, { OPENAI_API_KEYS: "sk-test-0001" }));
    expect([...config.providers.keys()]).toEqual(["openai"]);
    expect(config.warnings).toEqual(["google: no keys (all entries are empty); provider skipped"]);
  });

  it("fails when no provider has any key", () => {
    const errors = errorsOf(parse({ openai: { keys: ["${OPENAI_API_KEYS:-}"] } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^config\.json: no API keys configured/);
    expect(errorsOf(parse({}))[0]).toMatch(/^config\.json: no API keys configured/);
  });
});

describe("parseConfigDocument: interpolation", () => {
  it("interpolates every string, with defaults, and accepts clean numeric strings", () => {
    const config = okConfig(
      parse(
        {
          openai: {
            keys: [{ key: "${KEY}", label: "team-${TEAM:-core}", rpm: "${RPM:-60}", enabled: "${ON:-true}" }],
            weight: "${WEIGHT:-2.5}",
            base_url: "https://${HOST}/v1",
          },
          settings: { lease_ttl: "${TTL:-5m}", window_margin: "0.1" },
        },
        { KEY: "sk-test-0001", HOST: "llm.example.test", TTL: "" },
      ),
    );
    expect(keysOf(config, "openai")[0]).toMatchObject({
      secret: "sk-test-0001",
      label: "team-core",
      rpm: 60,
      enabled: true,
      weight: 2.5,
      baseUrl: "https://llm.example.test/v1",
    });
    expect(config.settings.leaseTtlMs).toBe(300_000);
    expect(config.settings.windowMarginRatio).toBe(0.1);
  });

  it("rejects numeric strings that are not clean integers", () => {
    const errors = errorsOf(parse({ openai: { keys: ["sk-test-0001"], rpm: "${RPM}" } }, { RPM: "60/min" }));
    expect(errors).toEqual(["openai.rpm: expected a positive integer"]);
  });

  it("supports $${ as a literal", () => {
    const config = okConfig(parse({ openai: { keys: [{ key: "sk-test-0001", label: "cost $${x}" }] } }));
    expect(keysOf(config, "openai")[0]?.label).toBe("cost ${x}");
  });

  it("reports missing variables and schema errors together, without noise from the placeholder", () => {
    const errors = errorsOf(parse({ openai: { keys: ["sk-test-0001"], rpm: "${RPM}", rmp: 5 } }));
    expect(errors).toEqual(["missing environment variable RPM (at openai.rpm)", "openai.rmp: unknown field"]);
  });
});

describe("parseConfigDocument: keys", () => {
  it("splits string entries at commas and keeps document order", () => {
    const config = okConfig(parse({ openai: { keys: ["sk-test-0001,sk-test-0002", " sk-test-0003 ", ""] } }));
    expect(keysOf(config, "openai").map((k) => k.secret)).toEqual(["sk-test-0001", "sk-test-0002", "sk-test-0003"]);
  });

  it("reads object entries with every field", () => {
    const config = okConfig(
      parse({
        openai: {
          keys: [
            {
              key: "sk-test-0001",
              id: "prod-east.1",
              label: "Production east",
              weight: 2,
              rpm: 500,
              tpm: 200_000,
              rpd: 10_000,
              max_concurrent: 8,
              limits: [
                { requests: 10, per: "10s" },
                { tokens: 5_000, per: 1_000 },
              ],
              models: ["gpt-4o", "gpt-4o-mini", "gpt-4o"],
              base_url: "https://eu.example.test/v1",
              enabled: false,
            },
          ],
        },
      }),
    );
    expect(keysOf(config, "openai")[0]).toEqual({
      id: "prod-east.1",
      secret: "sk-test-0001",
      masked: "…0001",
      label: "Production east",
      provider: "openai",
      weight: 2,
      rpm: 500,
      tpm: 200_000,
      rpd: 10_000,
      maxConcurrent: 8,
      windows: [
        { kind: "requests", limit: 10, perMs: 10_000 },
        { kind: "tokens", limit: 5_000, perMs: 1_000 },
      ],
      models: ["gpt-4o", "gpt-4o-mini"],
      baseUrl: "https://eu.example.test/v1",
      enabled: false,
    });
  });

  it("applies provider defaults, overridden per key", () => {
    const config = okConfig(
      parse({
        openai: {
          keys: ["sk-test-0001", { key: "sk-test-0002", rpm: 10, limits: [], models: ["o3"], enabled: true }],
          weight: 3,
          rpm: 60,
          tpm: 1_000,
          limits: [{ requests: 5, per: "1s" }],
          models: ["gpt-4o"],
          base_url: "https://proxy.example.test",
          enabled: false,
        },
      }),
    );
    const [first, second] = keysOf(config, "openai");
    expect(first).toMatchObject({
      weight: 3,
      rpm: 60,
      tpm: 1_000,
      windows: [{ kind: "requests", limit: 5, perMs: 1_000 }],
      models: ["gpt-4o"],
      baseUrl: "https://proxy.example.test",
      enabled: false,
    });
    expect(second).toMatchObject({ weight: 3, rpm: 10, tpm: 1_000, windows: [], models: ["o3"], enabled: true });
    expect(config.providers.get("openai")?.baseUrl).toBe("https://proxy.example.test");
  });

  it("keeps one key for a repeated secret and warns with its id", () => {
    const config = okConfig(parse({ openai: { keys: ["sk-test-0001", "sk-test-0002", { key: "sk-test-0001", rpm: 5 }] } }));
    expect(keysOf(config, "openai").map((k) => k.secret)).toEqual(["sk-test-0001", "sk-test-0002"]);
    expect(keysOf(config, "openai")[0]?.rpm).toBeUndefined();
    expect(config.warnings).toEqual([
      `openai.keys[2]: duplicate of openai.keys[0], key id ${keyIdFor("sk-test-0001")}; ignored`,
    ]);
  });

  it("allows the same secret in two providers", () => {
    const config = okConfig(parse({ openrouter: { keys: ["or-test-0001"] }, backup: { keys: ["or-test-0001"] } }));
    expect(config.warnings).toEqual([]);
    expect(keysOf(config, "backup")[0]?.id).toBe(keysOf(config, "openrouter")[0]?.id);
  });

  it("rejects one id for two different secrets", () => {
    const errors = errorsOf(
      parse({ openai: { keys: [{ key: "sk-test-0001", id: "main" }, { key: "sk-test-0002", id: "main" }] } }),
    );
    expect(errors).toEqual(["openai.keys[1]: id main is already used by openai.keys[0] for a different key"]);
  });

  it("rejects an explicit id that takes another key's generated id", () => {
    const errors = errorsOf(parse({ openai: { keys: ["sk-test-0001", { key: "sk-test-0002", id: keyIdFor("sk-test-0001") }] } }));
    expect(errors).toEqual([`openai.keys[1]: id ${keyIdFor("sk-test-0001")} is already used by openai.keys[0] for a different key`]);
  });

  it("rejects a label or id that contains the key", () => {
    const errors = errorsOf(parse({ openai: { keys: [{ key: "sk-test-SECRET-0001", label: "sk-test-SECRET-0001 (main)" }] } }));
    expect(errors).toEqual(["openai.keys[0]: the id or label must not contain an API key"]);
  });
});

describe("parseConfigDocument: validation", () => {
  it("names unknown fields at every level", () => {
    const errors = errorsOf(
      parse({
        openai: { keys: ["sk-test-0001", { key: "sk-test-0002", rmp: 5 }], limit: [], base_uri: "x" },
        settings: { lease_tll: "1m" },
      }),
    );
    expect(errors).toEqual([
      "openai.keys[1].rmp: unknown field",
      "openai.limit: unknown field",
      "openai.base_uri: unknown field",
      "settings.lease_tll: unknown field",
    ]);
  });

  it("collects every error with a human reason", () => {
    const errors = errorsOf(
      parse({
        openai: {
          keys: [
            12,
            { key: "sk-test-0001", rpm: 0, tpm: 1.5, weight: -1, id: "has space", enabled: "yes" },
            { rpm: 5 },
            { key: "sk-test-0002", limits: [{ requests: 1 }, { requests: 1, tokens: 1, per: "1s" }, { tokens: 1, per: "soon" }] },
            { key: "sk-test-0003", models: [], base_url: "ftp://example.test" },
          ],
        },
        Bad_Name: { keys: ["sk-test-0004"] },
        google: { keys: [] },
        mistral: { keys: "sk-test-0005" },
        groq: [],
      }),
    );
    expect(errors).toEqual([
      'openai.keys[0]: expected a key string or an object with a "key" field',
      "openai.keys[1].id: expected an id of 1 to 64 letters, digits, '.', '_' or '-'",
      "openai.keys[1].weight: expected a positive number",
      "openai.keys[1].rpm: expected a positive integer",
      "openai.keys[1].tpm: expected a positive integer",
      "openai.keys[1].enabled: expected true or false",
      "openai.keys[2].key: required",
      "openai.keys[3].limits[0].per: required",
      'openai.keys[3].limits[1]: expected exactly one of "requests" or "tokens"',
      'openai.keys[3].limits[2].per: expected a duration such as "500ms", "10s", "1m", "1h" or "1d", or a number of milliseconds',
      'openai.keys[4].models: expected at least one model (omit "models" to serve every model)',
      "openai.keys[4].base_url: expected an http or https URL",
      'Bad_Name: invalid provider name (expected 1 to 64 lowercase letters, digits, "_" or "-")',
      "google.keys: expected at least one key",
      "mistral.keys: expected an array",
      "groq: expected an object",
    ]);
  });

  it("rejects malformed keys without echoing them", () => {
    const long = "sk-test-" + "x".repeat(5_000);
    const errors = errorsOf(
      parse({ openai: { keys: [long, "sk-test-0001,sk test 0002", { key: "sk-test-0003,sk-test-0004" }, { key: 12 }, { key: "  " }] } }),
    );
    expect(errors).toEqual([
      "openai.keys[0]: the key is longer than 4096 characters",
      "openai.keys[1]: key 2 of 2: the key contains whitespace, control or non-ASCII characters",
      'openai.keys[2].key: expected one key (use a separate entry per key, or a plain string "k1,k2")',
      "openai.keys[3].key: expected a string",
      "openai.keys[4].key: the key is empty",
    ]);
  });

  it("requires a JSON object at the top level", () => {
    for (const text of ["[]", "null", '"sk-test-0001"', "42"]) {
      expect(errorsOf(parseConfigDocument(text, {}, "c.json"))[0]).toMatch(/^c\.json: expected a JSON object of providers/);
    }
  });

  it("reports JSON syntax errors with line and column", () => {
    const text = '{\n  "openai": {\n    "keys": ["sk-test-0001"],,\n  }\n}';
    expect(errorsOf(parseConfigDocument(text, {}, "config.json"))).toEqual([
      "config.json: invalid JSON at line 3, column 30: expected a double-quoted property name",
    ]);
    expect(errorsOf(parseConfigDocument("", {}))).toEqual(["inline: invalid JSON at line 1, column 1: the document is empty"]);
  });

  it("tolerates a byte order mark", () => {
    okConfig(parseConfigDocument('\uFEFF{"openai": {"keys": ["sk-test-0001"]}}', {}));
  });
});

describe("parseConfigDocument: settings", () => {
  it("reads every setting, leaving the rest at their defaults", () => {
    const config = okConfig(
      parse({
        openai: { keys: ["sk-test-0001"] },
        settings: {
          lease_ttl: "5m",
          max_lease_ttl: "2h",
          max_wait: 0,
          window_margin: 0.1,
          window_margin_max: "500ms",
          backoff_initial: "2s",
          backoff_max: "5m",
          quota_cooldown: "6h",
          unauthorized_recheck: "1h",
          max_rate_limit_cooldown: "2h",
          max_quota_cooldown: "12h",
          unauthorized_quorum: 3,
          unauthorized_window: "5m",
          unauthorized_hold: "10s",
          max_key_actions_per_client: 4,
          server_error_cooldown: "45s",
          server_error_threshold: 3,
          max_open_leases_per_client: 50,
          acquire_rate_per_client: 20,
          max_waiting_per_provider: 200,
          state_file: "/var/lib/keypool/state.json",
          state_interval: "30s",
          spend_recheck: "3h",
          store: "redis://redis.internal:6379/2",
          store_prefix: "team-a:",
          store_failure: "closed",
        },
      }),
    );
    expect(config.settings).toEqual({
      leaseTtlMs: 300_000,
      maxLeaseTtlMs: 7_200_000,
      maxWaitMs: 0,
      windowMarginRatio: 0.1,
      windowMarginMaxMs: 500,
      backoffInitialMs: 2_000,
      backoffMaxMs: 300_000,
      quotaCooldownMs: 21_600_000,
      unauthorizedRecheckMs: 3_600_000,
      maxRateLimitCooldownMs: 7_200_000,
      maxQuotaCooldownMs: 43_200_000,
      unauthorizedQuorum: 3,
      unauthorizedWindowMs: 300_000,
      unauthorizedHoldMs: 10_000,
      maxKeyActionsPerClient: 4,
      serverErrorThreshold: 3,
      serverErrorCooldownMs: 45_000,
      maxOpenLeasesPerClient: 50,
      acquireRatePerClient: 20,
      maxWaitingPerProvider: 200,
      spendRecheckMs: 10_800_000,
      stateFile: "/var/lib/keypool/state.json",
      stateIntervalMs: 30_000,
      store: "redis://redis.internal:6379/2",
      storePrefix: "team-a:",
      storeFailure: "closed",
    });
    expect(okConfig(parse({ openai: { keys: ["sk-test-0001"] }, settings: {} })).settings).toEqual(defaultSettings);
  });

  it("rejects out-of-range and inconsistent settings", () => {
    const errors = errorsOf(
      parse({
        openai: { keys: ["sk-test-0001"] },
        settings: { window_margin: 0.6, lease_ttl: 0, quota_cooldown: "30d", server_error_threshold: 0 },
      }),
    );
    expect(errors).toEqual([
      "settings.lease_ttl: expected a duration greater than zero",
      "settings.window_margin: expected a number from 0 to 0.5",
      "settings.quota_cooldown: expected at most 24d",
      "settings.server_error_threshold: expected a positive integer",
    ]);
    expect(errorsOf(parse({ openai: { keys: ["sk-test-0001"] }, settings: { lease_ttl: "2h", backoff_initial: "2m" } }))).toEqual([
      "settings.lease_ttl: must not exceed max_lease_ttl (1h)",
      "settings.backoff_initial: must not exceed backoff_max (1m)",
    ]);
  });

  it("bounds the report caps and the quorum settings, naming the field", () => {
    expect(
      errorsOf(
        parse({
          openai: { keys: ["sk-test-0001"] },
          settings: { unauthorized_quorum: 0, max_key_actions_per_client: 1.5, unauthorized_hold: 0, max_rate_limit_cooldown: "30d" },
        }),
      ),
    ).toEqual([
      "settings.max_rate_limit_cooldown: expected at most 24d",
      "settings.unauthorized_quorum: expected a positive integer",
      "settings.unauthorized_hold: expected a duration greater than zero",
      "settings.max_key_actions_per_client: expected a positive integer",
    ]);
    // A cap below what the pool itself would choose would silently shorten its own cooldowns.
    expect(errorsOf(parse({ openai: { keys: ["sk-test-0001"] }, settings: { backoff_max: "2h", quota_cooldown: "2d" } }))).toEqual([
      "settings.backoff_max: must not exceed max_rate_limit_cooldown (1h)",
      "settings.quota_cooldown: must not exceed max_quota_cooldown (1d)",
    ]);
  });
});

describe("parseConfigDocument: immutability", () => {
  it("returns a deeply frozen config", () => {
    const config = okConfig(
      parse({ openai: { keys: [{ key: "sk-test-0001", models: ["m"], limits: [{ requests: 1, per: "1s" }] }] } }),
    );
    const provider = config.providers.get("openai");
    const key = provider?.keys[0];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.settings)).toBe(true);
    expect(Object.isFrozen(config.warnings)).toBe(true);
    expect(Object.isFrozen(config.providers)).toBe(true);
    expect(Object.isFrozen(provider)).toBe(true);
    expect(Object.isFrozen(provider?.keys)).toBe(true);
    expect(Object.isFrozen(key)).toBe(true);
    expect(Object.isFrozen(key?.models)).toBe(true);
    expect(Object.isFrozen(key?.windows[0])).toBe(true);
    const providers = config.providers as Map<string, unknown>;
    expect(() => providers.set("x", {})).toThrow(TypeError);
    expect(() => providers.delete("openai")).toThrow(TypeError);
    expect(() => providers.clear()).toThrow(TypeError);
    expect(() => {
      (key as { rpm: number }).rpm = 1;
    }).toThrow(TypeError);
    expect(config.providers.size).toBe(1);
  });

  it("does not share the frozen defaults object", () => {
    const config = okConfig(parse({ openai: { keys: ["sk-test-0001"] } }));
    expect(config.settings).toEqual(defaultSettings);
    expect(config.settings).not.toBe(defaultSettings);
  });
});
