import { describe, expect, it } from "vitest";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };

describe("the proxy's reports carry the client's rights", () => {
  it("with two clients configured, one client's 401 through the proxy holds the key; the other's disables it, and each change names its client", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "attr", 1, `${sim.url}/v1`);
    sim.revoke(keys[0]!.secret);
    const server = await keypoolProxy(
      { openai: keys },
      {
        clients: [
          { name: "wiki", token: "kp-test-token-attr-wiki-01", providers: ["openai"] },
          { name: "batch", token: "kp-test-token-attr-batch-2", providers: ["openai"] },
        ],
        settings: { unauthorizedHoldMs: 1 },
      },
    );
    const call = async (token: string) =>
      (await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(chat) })).status;

    expect(await call("kp-test-token-attr-wiki-01")).not.toBe(200);
    const held = [...server.pool.keys()][0]!;
    expect(held.key.health).toMatchObject({ state: "cooling_down", by: "wiki" });
    // Read as written: a 1 ms hold may be over by now.
    expect(held.key.health.reason).toContain("awaits confirmation (1 of 2 clients)");

    // The hold is 1 ms: the key is back before the second client's call.
    await new Promise((r) => setTimeout(r, 5));
    expect(await call("kp-test-token-attr-batch-2")).not.toBe(200);
    expect([...server.pool.keys()][0]!.key.health).toMatchObject({ state: "disabled", by: "batch" });
    expect(poolKeys(server, "openai")["k1"]!.state).toBe("disabled");
  });
});
