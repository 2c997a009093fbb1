import { describe, expect, it } from "vitest";
import { StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { compactCount, ratio, shortDuration } from "../../src/stats-table/stats-format.js";
import { snapshotFromProto, snapshotToProto } from "../../src/grpc/stats-messages.js";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { poolConfig } from "../support/pool-config.js";

describe("snapshot ↔ StreamStats message", () => {
  it("survives the round trip through the wire format, limits and times included", async () => {
    const clock = new ManualClock();
    const pool = new MemoryLeasePool({ clock });
    pool.applyConfig(
      poolConfig({
        openai: [
          { id: "a", secret: "sk-test-aaaa-0001", rpm: 10, tpm: 5_000, rpd: 100, maxConcurrent: 3, weight: 2, windows: [{ kind: "tokens", limit: 900, perMs: 10_000 }] },
          { id: "b", secret: "sk-test-bbbb-0002", label: "team key" },
        ],
      }),
    );
    const l = await pool.acquire({ provider: "openai", estimatedTokens: 40 });
    await pool.report(l.leaseId, { httpStatus: 429, retryAfterMs: 1_500, latencyMs: 812.5, promptTokens: 12 });
    await pool.acquire({ provider: "openai" });
    const snapshot = pool.snapshot();
    const wire = StreamStatsResponse.decode(StreamStatsResponse.encode(snapshotToProto(snapshot)).finish());
    const back = snapshotFromProto(wire);
    // Latency sample counts are not part of the message.
    const withoutSamples = JSON.parse(JSON.stringify(snapshot, (k, v: unknown) => (k === "samples" ? 0 : v))) as unknown;
    expect(JSON.parse(JSON.stringify(back))).toEqual(withoutSamples);
    expect(back.providers[0]?.keys[0]).toMatchObject({ state: "cooling_down", cooldownUntil: clock.now() + 1_500, weight: 2 });
  });
});

describe("stats formatting", () => {
  it("keeps numbers short and never rounds a ratio up to perfect", () => {
    expect([950, 1_234, 40_000, 1_500_000, 12_345_678].map(compactCount)).toEqual(["950", "1.2k", "40k", "1.5M", "12M"]);
    expect([undefined, 820, 1_940, 12_400, 125_000, 7_260_000].map(shortDuration)).toEqual(["-", "820ms", "1.9s", "12s", "2m05s", "2h01m"]);
    expect([1, 0.999, 0.5, 2 / 3].map(ratio)).toEqual(["1.00", "0.99", "0.50", "0.66"]);
  });
});
