import { describe, expect, it } from "vitest";
import { configFromEnv, defaultSettings, keyIdFor } from "../../src/config/index.js";
import { errorsOf, keysOf, okConfig } from "./results.js";

const secrets = (config: ReturnType<typeof okConfig>, provider: string): string[] =>
  keysOf(config, provider).map((k) => k.secret);

describe("configFromEnv", () => {
  it("reads <NAME>_API_KEYS lists for any provider, trimming and dropping empties", () => {
    const config = okConfig(
      configFromEnv({ OPENAI_API_KEYS: " sk-test-0001, sk-test-0002,,", MY_LLM_API_KEYS: "ml-test-0001" }),
    );
    expect([...config.providers.keys()]).toEqual(["my_llm", "openai"]);
    expect(secrets(config, "openai")).toEqual(["sk-test-0001", "sk-test-0002"]);
    expect(secrets(config, "my_llm")).toEqual(["ml-test-0001"]);
    expect(config.settings).toEqual(defaultSettings);
    expect(config.warnings).toEqual([]);
  });

  it("fills every key field with ids, masks and defaults", () => {
    const [key] = keysOf(okConfig(configFromEnv({ OPENAI_API_KEY: "sk-test-0000AbCd" })), "openai");
    expect(key).toEqual({
      id: keyIdFor("sk-test-0000AbCd"),
      secret: "sk-test-0000AbCd",
      masked: "…AbCd",
      label: keyIdFor("sk-test-0000AbCd"),
      provider: "openai",
      weight: 1,
      rpm: undefined,
      tpm: undefined,
      rpd: undefined,
      maxConcurrent: undefined,
      windows: [],
      models: undefined,
      baseUrl: undefined,
      enabled: true,
    });
  });

  it.each([
    ["OPENAI_API_KEY", "openai"],
    ["AZURE_OPENAI_API_KEY", "azure"],
    ["GOOGLE_API_KEY", "google"],
    ["GEMINI_API_KEY", "google"],
    ["ANTHROPIC_API_KEY", "anthropic"],
    ["OPENROUTER_API_KEY", "openrouter"],
    ["DEEPSEEK_API_KEY", "deepseek"],
    ["MISTRAL_API_KEY", "mistral"],
    ["GROQ_API_KEY", "groq"],
    ["DASHSCOPE_API_KEY", "dashscope"],
    ["TOGETHER_API_KEY", "together"],
    ["XAI_API_KEY", "xai"],
    ["AZURE_OPENAI_API_KEYS", "azure"],
    ["GEMINI_API_KEYS", "google"],
  ])("maps %s to provider %s", (variable, provider) => {
    const config = okConfig(configFromEnv({ [variable]: "test-key-0001" }));
    expect([...config.providers.keys()]).toEqual([provider]);
  });

  it("ignores the singular form for unknown providers", () => {
    const result = configFromEnv({ STRIPE_API_KEY: "test-key-0001", OPENAI_API_KEY: "sk-test-0001" });
    expect([...okConfig(result).providers.keys()]).toEqual(["openai"]);
  });

  it("merges singular, plural and alias variables without duplicates or warnings", () => {
    const config = okConfig(
      configFromEnv({
        GOOGLE_API_KEYS: "g-test-0001,g-test-0002",
        GEMINI_API_KEYS: "g-test-0002,g-test-0003",
        GEMINI_API_KEY: "g-test-0001",
        GOOGLE_API_KEY: "g-test-0004",
      }),
    );
    // Lists first (in variable-name order), then single keys; each secret once.
    expect(secrets(config, "google")).toEqual(["g-test-0002", "g-test-0003", "g-test-0001", "g-test-0004"]);
    expect(config.warnings).toEqual([]);
  });

  it("warns about a key repeated within one variable, naming its id only", () => {
    const config = okConfig(configFromEnv({ OPENAI_API_KEYS: "sk-test-0001,sk-test-0002,sk-test-0001" }));
    expect(secrets(config, "openai")).toEqual(["sk-test-0001", "sk-test-0002"]);
    expect(config.warnings).toEqual([
      `OPENAI_API_KEYS (key 3): duplicate of OPENAI_API_KEYS (key 1), key id ${keyIdFor("sk-test-0001")}; ignored`,
    ]);
  });

  it("applies per-provider limit and base URL variables to every key", () => {
    const config = okConfig(
      configFromEnv({
        OPENAI_API_KEYS: "sk-test-0001,sk-test-0002",
        OPENAI_KEY_RPM: "60",
        OPENAI_KEY_TPM: "90000",
        OPENAI_KEY_RPD: "10000",
        OPENAI_KEY_MAX_CONCURRENT: "4",
        OPENAI_BASE_URL: "https://proxy.example.test/v1",
        GEMINI_API_KEY: "g-test-0001",
        GEMINI_KEY_RPM: "15",
      }),
    );
    for (const key of keysOf(config, "openai")) {
      expect(key).toMatchObject({ rpm: 60, tpm: 90_000, rpd: 10_000, maxConcurrent: 4, baseUrl: "https://proxy.example.test/v1" });
    }
    expect(config.providers.get("openai")?.baseUrl).toBe("https://proxy.example.test/v1");
    expect(keysOf(config, "google")[0]?.rpm).toBe(15);
  });

  it.each([
    ["OPENAI_KEY_RPM", "sixty", "OPENAI_KEY_RPM: expected a positive integer"],
    ["OPENAI_KEY_TPM", "0", "OPENAI_KEY_TPM: expected a positive integer"],
    ["OPENAI_KEY_RPD", "1.5", "OPENAI_KEY_RPD: expected a positive integer"],
    ["OPENAI_KEY_MAX_CONCURRENT", "-1", "OPENAI_KEY_MAX_CONCURRENT: expected a positive integer"],
    ["OPENAI_BASE_URL", "ftp://example.test", "OPENAI_BASE_URL: expected an http or https URL"],
  ])("rejects %s=%s", (variable, value, message) => {
    expect(errorsOf(configFromEnv({ OPENAI_API_KEYS: "sk-test-0001", [variable]: value }))).toEqual([message]);
  });

  it("rejects aliases that disagree", () => {
    const errors = errorsOf(configFromEnv({ GEMINI_API_KEY: "g-test-0001", GEMINI_KEY_RPM: "10", GOOGLE_KEY_RPM: "20" }));
    expect(errors).toEqual(["GEMINI_KEY_RPM and GOOGLE_KEY_RPM: conflicting values; set only one"]);
  });

  it("rejects keys with whitespace without echoing them", () => {
    const errors = errorsOf(configFromEnv({ OPENAI_API_KEYS: "sk-test-0001,sk-test 0002" }));
    expect(errors).toEqual(["OPENAI_API_KEYS (key 2): the key contains whitespace, control or non-ASCII characters"]);
  });

  it("explains how to configure when there are no keys", () => {
    for (const env of [{}, { OPENAI_API_KEYS: " , " }, { HOME: "/root", STRIPE_API_KEY: "x" }]) {
      const errors = errorsOf(configFromEnv(env));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^no API keys configured: set OPENAI_API_KEYS=k1,k2 .*--config FILE/);
    }
  });

  it("never treats KEYPOOL_* variables as providers", () => {
    const result = configFromEnv({ KEYPOOL_API_KEYS: "client-token-0001", KEYPOOL_API_KEY: "client-token-0002" });
    expect(result.ok).toBe(false);
  });
});
