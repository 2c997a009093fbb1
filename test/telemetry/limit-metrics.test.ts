import { describe, expect } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { it } from "../support/keypool-fixture.js";

describe("/metrics: configured and learned limits side by side", () => {
  it("keypool_key_limit by source, holder, model, dimension and window; keypool_learned_remaining; no secret", async ({ keypool }) => {
    const secret = "sk-test-limit-metrics-0001";
    const r = parseConfigDocument(JSON.stringify({ openai: { rpm: 30, scopes: { org: { models: { "gpt-4o": { rpd: 500 } } } }, keys: [{ key: secret, id: "m1", scope: "org" }] } }), {});
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const server = await keypool.start({ adminListen: "127.0.0.1:0", config: r.config });
    const c = keypool.connect(server.grpcAddress);
    const lease = await c.acquire({ provider: "openai", model: "gpt-4o" });
    await c.report({
      leaseId: lease.leaseId,
      httpStatus: 200,
      responseHeaders: { "x-ratelimit-limit-tokens": "40000", "x-ratelimit-remaining-tokens": "39000", "x-ratelimit-reset-tokens": "1.5s" },
    });
    const text = await (await fetch(`http://${server.adminAddress}/metrics`)).text();
    expect(text).not.toContain(secret);
    const m = parsePrometheusText(text);
    expect(m.types.get("keypool_key_limit")).toBe("gauge");
    const v = (labels: Record<string, string>) => sampleValue(m, "keypool_key_limit", { provider: "openai", key_id: "m1", ...labels });
    expect(v({ source: "configured", holder: "key", model: "", dimension: "requests", window_seconds: "60" })).toBe(30);
    expect(v({ source: "configured", holder: "scope", model: "gpt-4o", dimension: "requests", window_seconds: "86400" })).toBe(500);
    expect(v({ source: "openai-headers", holder: "scope", model: "gpt-4o", dimension: "tokens", window_seconds: "60" })).toBe(40_000);
    expect(sampleValue(m, "keypool_learned_remaining", { key_id: "m1", source: "openai-headers", dimension: "tokens" })).toBe(39_000);
  });
});
