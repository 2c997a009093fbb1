import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import { createLogger } from "../../src/telemetry/logger.js";
import type { TestClient } from "../support/grpc-client.js";
import { it } from "../support/keypool-fixture.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * `probe: true`: a key a 401 disabled is rechecked by the sidecar itself with
 * the provider's model listing, against the simulator answering as OpenAI
 * does. No caller's request is spent on it: while the provider refuses the
 * key, callers never get it; once the provider takes it again, it is back.
 */

const REVOKED = "sk-test-recheck-revoked-0001";
const GOOD = "sk-test-recheck-good-0002";

async function leasedIds(client: TestClient, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const lease = await client.acquire({ provider: "openai" });
    ids.push(lease.keyId);
    await client.report({ leaseId: lease.leaseId, httpStatus: 200 });
  }
  return ids;
}

describe("the sidecar rechecks a revoked key with probe: true", () => {
  it("keeps it from callers while the provider refuses it and brings it back when the provider takes it; no secret in the log", async ({ keypool }) => {
    const sim = await startSimulator({ keys: { [REVOKED]: { label: "revoked" }, [GOOD]: { label: "good" } } });
    try {
      const dir = mkdtempSync(join(tmpdir(), "keypool-recheck-"));
      const configFile = join(dir, "keypool.json");
      writeFileSync(
        configFile,
        JSON.stringify({
          settings: { unauthorized_recheck: "300ms" },
          openai: { base_url: `${sim.url}/v1`, probe: true, keys: [{ id: "revoked", key: REVOKED }, { id: "good", key: GOOD }] },
        }),
      );
      const lines: string[] = [];
      const server = await keypool.start({
        configFile,
        env: {},
        recheckScanMs: 50,
        log: createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(line) } }),
      });
      const client = keypool.connect(server.grpcAddress);
      const keyOf = (id: string) => server.pool.snapshot().providers[0]!.keys.find((k) => k.keyId === id)!;

      sim.revoke(REVOKED);
      // The provider refuses the key on a real call; the caller reports what it got.
      for (;;) {
        const lease = await client.acquire({ provider: "openai" });
        if (lease.keyId !== "revoked") {
          await client.report({ leaseId: lease.leaseId, httpStatus: 200 });
          continue;
        }
        const res = await fetch(`${sim.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
        });
        expect(res.status).toBe(401);
        await client.report({ leaseId: lease.leaseId, httpStatus: res.status, errorBody: Buffer.from(await res.text()) });
        break;
      }
      expect(keyOf("revoked").state).toBe("disabled");

      // Rechecks come and find the key still refused: it stays out, and no caller is handed it as a probe.
      await waitUntil(() => keyOf("revoked").stateReason.includes("still refused on recheck"), "a failed recheck", 5_000);
      // The recheck asked the provider: its model listing answered 401 on top of the one real call.
      expect(sim.stats().byLabel["revoked"]!.unauthorized).toBeGreaterThanOrEqual(2);
      const firstRecheckUntil = keyOf("revoked").cooldownUntil;
      expect(await leasedIds(client, 12)).toEqual(Array(12).fill("good"));
      await waitUntil(() => keyOf("revoked").cooldownUntil !== firstRecheckUntil, "a second recheck pushing the next one out", 5_000);
      expect(keyOf("revoked").stateReason).toContain("still refused on recheck");
      expect(keyOf("revoked").state).toBe("disabled");

      sim.restore(REVOKED);
      await waitUntil(() => keyOf("revoked").state === "active", "the key back after the provider takes it", 5_000);
      expect(keyOf("revoked").changedBy).toBe("recheck");
      expect(await leasedIds(client, 6)).toContain("revoked");

      const log = lines.join("");
      expect(log).toContain("key still refused on recheck");
      expect(log).toContain("provider accepted the key on recheck");
      for (const secret of [REVOKED, GOOD]) expect(log).not.toContain(secret);
    } finally {
      await sim.close();
    }
  });
});
