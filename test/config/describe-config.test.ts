import { describe, expect, it } from "vitest";
import { describeConfig, keyIdFor, parseConfigDocument } from "../../src/config/index.js";
import { okConfig } from "./results.js";

describe("describeConfig", () => {
  const config = okConfig(
    parseConfigDocument(
      JSON.stringify({
        openai: {
          base_url: "https://user:hunter2-password@proxy.example.test/v1",
          keys: [
            { key: "sk-test-0000AbCd", label: "main", rpm: 60, max_concurrent: 2, limits: [{ requests: 10, per: "10s" }] },
            { key: "sk-test-0000WxYz", models: ["gpt-4o"], enabled: false, weight: 2 },
            "sk-test-0000AbCd",
          ],
        },
        settings: { lease_ttl: "5m" },
      }),
      {},
    ),
  );
  const text = describeConfig(config);

  it("lists every key with id, label, masked key, weight, limits, models, base URL and state", () => {
    const second = keyIdFor("sk-test-0000WxYz");
    expect(text).toContain("provider openai: 2 keys (1 enabled)");
    expect(text).toContain(`id: ${keyIdFor("sk-test-0000AbCd")}`);
    expect(text).toContain("label: main");
    expect(text).toContain("key: …AbCd");
    expect(text).toContain("limits: rpm=60 max_concurrent=2 windows=10 requests/10s");
    expect(text).toContain(`id: ${second}\n    label: ${second}\n    key: …WxYz\n    enabled: no\n    weight: 2`);
    expect(text).toContain("models: gpt-4o");
    expect(text).toContain("models: all");
    expect(text).toContain("limits: none configured");
    expect(text).toContain("lease_ttl: 5m (max 1h)");
  });

  it("includes warnings", () => {
    expect(text).toContain(`warnings (1):\n  - openai.keys[2]: duplicate of openai.keys[0]`);
  });

  it("never shows a secret or base URL credentials", () => {
    expect(text).not.toContain("sk-test-0000");
    expect(text).not.toContain("hunter2");
    expect(text).toContain("https://***:***@proxy.example.test/v1");
  });

  it("scrubs a key that reached a base URL", () => {
    const leaky = okConfig(
      parseConfigDocument(
        JSON.stringify({ google: { keys: ["AIza-test-SECRET-0001"], base_url: "https://g.example.test/?key=AIza-test-SECRET-0001" } }),
        {},
      ),
    );
    expect(describeConfig(leaky)).not.toContain("AIza-test-SECRET-0001");
  });
});
