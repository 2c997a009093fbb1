import { describe, expect, it } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { loadModelUsage } from "../../src/http/dashboard/usage-loader.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolConfig } from "../support/pool-config.js";
import { start } from "./dashboard-harness.js";

/*
 * The page's per-model sums, read from a real sidecar's history over HTTP:
 * a charted range that spans the top of an hour (or of a day) counts all
 * of it, not only what came after the turn.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

describe("the dashboard's per-model sums", () => {
  for (const [range, before, after] of [
    ["1h", 20, 10],
    ["24h", 120, 10],
  ] as const) {
    it(`over the last ${range}, count the requests on both sides of the turn of the ${range === "1h" ? "hour" : "day"}`, async () => {
      const turn = Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS;
      const clock = new ManualClock(turn - before * MINUTE_MS);
      const { base, client } = await start(poolConfig({ openai: [{ id: "k1", secret: "sk-test-usage-range-0001" }] }), { clock });
      const minutes = before + after;
      for (let i = 0; i < minutes; i++) {
        const lease = await client.acquire({ provider: "openai", model: "gpt-4o" });
        await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 90, completionTokens: 10 });
        clock.advance(MINUTE_MS);
      }
      const getJson = async (path: string): Promise<unknown> => {
        const res = await fetch(`${base}${path}`);
        return res.ok ? res.json() : undefined;
      };
      const usage = await loadModelUsage(getJson, "openai", ["gpt-4o"], ["k1"], range);
      expect(usage.byModel.get("gpt-4o")).toEqual({ requests: minutes, rate_limited: 0, errors: 0, tokens: minutes * 100 });
      expect(usage.byKey.get("k1")?.get("gpt-4o")?.requests).toBe(minutes);
    });
  }
});
