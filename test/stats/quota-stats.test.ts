import { describe, expect, it } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import { snapshotFromProto, snapshotToProto } from "../../src/grpc/stats-messages.js";
import { snapshotToJson } from "../../src/pool/stats-json.js";
import { renderStatsTable } from "../../src/stats-table/stats-table.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";

async function pool() {
  const r = parseConfigDocument(
    JSON.stringify({
      openai: {
        scopes: { org: { rpm: 100, models: { "gpt-4o": { rpm: 10 } } } },
        keys: [{ key: "sk-test-qstats-0001", id: "s1", scope: "org", models: { "gpt-4o-mini": { tpm: 5000 } } }, { key: "sk-test-qstats-0002", id: "lone" }],
      },
    }),
    {},
  );
  if (!r.ok) throw new Error(r.errors.join("\n"));
  const clock = new ManualClock();
  const p = new MemoryLeasePool({ clock });
  p.applyConfig(r.config);
  for (let i = 0; i < 2; i++) {
    const lease = await p.acquire({ provider: "openai", model: "gpt-4o" });
    const headers = { "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "50", "x-ratelimit-reset-requests": "10s" };
    await p.report(lease.leaseId, { httpStatus: 200, answer: { headers } });
  }
  return p;
}

describe("statistics show configured and learned limits side by side, and where each came from", () => {
  it("the snapshot, its proto round trip, the JSON and the table", async () => {
    const snap = (await pool()).snapshot();
    const keys = snap.providers[0]!.keys;
    const s1 = keys.find((k) => k.keyId === "s1")!;
    const lone = keys.find((k) => k.keyId === "lone")!;
    expect(s1.scope).toMatchObject({ name: "org", state: "active", limits: { rpm: 100 }, modelLimits: { "gpt-4o": { rpm: 10 } }, requestsInWindow: 1 });
    expect(s1.modelLimits).toEqual({ "gpt-4o-mini": { rpm: undefined, tpm: 5000, rpd: undefined } });
    // An organization's limit is the scope's for a key with a scope, the key's own for a key without one.
    expect(s1.learnedLimits).toEqual([expect.objectContaining({ holder: "scope", model: "gpt-4o", limit: 60, remaining: 50, others: 9, source: "openai-headers" })]);
    expect(lone.scope).toBeUndefined();
    expect(lone.learnedLimits).toEqual([expect.objectContaining({ holder: "key", model: "gpt-4o", limit: 60, remaining: 50 })]);

    expect(snapshotFromProto(snapshotToProto(snap)).providers[0]!.keys.map((k) => [k.scope, k.modelLimits, k.learnedLimits])).toEqual(
      keys.map((k) => [k.scope, k.modelLimits, k.learnedLimits]),
    );
    const json = snapshotToJson(snap) as { providers: { keys: Record<string, unknown>[] }[] };
    expect(json.providers[0]!.keys[0]).toMatchObject({
      scope: { name: "org", limits: { rpm: 100, tpm: null, rpd: null } },
      learned_limits: [{ holder: "scope", dimension: "requests", window_ms: 60_000, limit: 60, remaining: 50, source: "openai-headers" }],
    });
    const table = renderStatsTable(snap);
    expect(table).toContain("  s1: configured per model gpt-4o-mini tpm 5k; scope org (rpm 100; gpt-4o rpm 10; 1 req/min); learned requests 60/1m00s for gpt-4o, 50 left for 10s, 9 used by others (scope, openai-headers)");
    expect(table).toContain("  lone: learned requests 60/1m00s for gpt-4o, 50 left for 10s, 9 used by others (key, openai-headers)");
  });
});
