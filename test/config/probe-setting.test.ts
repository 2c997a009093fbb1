import { describe, expect, it } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import { errorsOf, keysOf, okConfig } from "./results.js";

const parse = (doc: unknown) => parseConfigDocument(JSON.stringify(doc), {});
const K1 = "sk-test-cfg-probe-0001";
const K2 = "sk-test-cfg-probe-0002";

describe("probe: the sidecar rechecks keys a 401/403 disabled", () => {
  it("is set on a provider for its keys, overridden per key, and off by default", () => {
    const config = okConfig(parse({ openai: { probe: true, keys: [K1, { key: K2, probe: false }] }, anthropic: { keys: [K1] } }));
    const [k1, k2] = keysOf(config, "openai");
    expect(k1?.probe).toBe(true);
    expect(k2?.probe).toBeUndefined();
    expect(keysOf(config, "anthropic")[0]?.probe).toBeUndefined();
  });

  it("rejects a value that is not a boolean, naming the field", () => {
    const errors = errorsOf(parse({ openai: { keys: [{ key: K1, probe: "sometimes" }] } }));
    expect(errors.join("\n")).toMatch(/openai\.keys\[0\]\.probe/);
  });

  it("is refused for Azure, whose keys have no call to check them with: they would never come back", () => {
    const errors = errorsOf(parse({ azure: { probe: true, keys: [K1, { key: K2, probe: true }] } })).join("\n");
    expect(errors).toMatch(/azure\.probe: this provider's API has no call that checks a key/);
    expect(errors).toMatch(/azure\.keys\[1\]\.probe/);
  });
});
