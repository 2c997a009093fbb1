import { describe, expect, it } from "vitest";
import { windowSpecs } from "../../src/pool/pooled-key.js";
import { UsageLog } from "../../src/pool/usage-log.js";
import { heldShare, shareOfLimits } from "../../src/store/failover/share-of-limits.js";
import { seedUsage } from "../../src/store/redis/view-seeds.js";
import { defaultSettings } from "../../src/config/types.js";
import { poolConfig, testKey } from "../support/pool-config.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe("shareOfLimits", () => {
  it("divides every limit by the sidecars, rounding down, and concurrency after the leases already open", () => {
    const config = poolConfig({
      openai: [
        { secret: "sk-a", id: "a", rpm: 10, tpm: 1_001, rpd: 99, maxConcurrent: 7, windows: [{ kind: "requests", limit: 5, perMs: 10_000 }] },
        { secret: "sk-b", id: "b", rpm: 1 },
        { secret: "sk-c", id: "c" },
      ],
    });
    const shared = shareOfLimits(config, 3, (_p, id) => (id === "a" ? 2 : 0));
    const [a, b, c] = shared.providers.get("openai")!.keys;
    expect(a).toMatchObject({ rpm: 3, tpm: 333, rpd: 33, maxConcurrent: 1, windows: [{ kind: "requests", limit: 1, perMs: 10_000 }] });
    // A limit below the fleet's size rounds to nothing: never above it fleet-wide.
    expect(b).toMatchObject({ rpm: 0 });
    expect(c).toMatchObject({ rpm: undefined, tpm: undefined, rpd: undefined, maxConcurrent: undefined });
    // The running configuration is untouched.
    expect(config.providers.get("openai")!.keys[0]!.rpm).toBe(10);
    expect(shareOfLimits(config, 0, () => 0).providers.get("openai")!.keys[0]!.rpm).toBe(10);
  });
});

describe("heldShare", () => {
  it("holds one sidecar's share of every window, as requests at the time of holding", () => {
    const config = poolConfig({ openai: [{ secret: "sk-a", id: "a", rpm: 10, tpm: 1_000 }, { secret: "sk-b", id: "b" }] });
    const [a, b] = heldShare(config, 2, T0);
    expect(a!.usage).toEqual([[T0, 0], [T0, 0], [T0, 0], [T0, 0], [T0, 500]]);
    expect(b!.usage).toEqual([]);
  });
});

describe("seedUsage", () => {
  it("gives a fresh log at least the counts of every window, each entry leaving its windows no earlier than the real ones", () => {
    const key = testKey("openai", { secret: "sk-a", rpm: 100, tpm: 10_000, rpd: 1_000, windows: [{ kind: "requests", limit: 50, perMs: 10_000 }] });
    const specs = windowSpecs(key, defaultSettings);
    // minute requests, minute tokens, day requests, 10 s requests
    const counts: [number, number][] = [[7, 0], [7, 900], [40, 0], [3, 0]];
    const seeds = seedUsage(specs, counts, T0);
    const log = new UsageLog(specs);
    for (const [at, tokens] of seeds) log.record(at, tokens);
    log.advance(T0);
    expect(specs.map((_, i) => log.requests(i))).toEqual([7, 7, 40, 3]);
    expect(log.usage(1).tokens).toBe(900);
    // The 10 s window's requests are the newest: they leave it first, the minute's later, the day's last.
    const tenSeconds = 10_000 + specs[3]!.marginMs;
    log.advance(T0 + tenSeconds);
    expect(log.requests(3)).toBe(0);
    expect(log.requests(0)).toBe(7);
    log.advance(T0 + tenSeconds + MINUTE + specs[0]!.marginMs);
    expect([log.requests(0), log.requests(2)]).toEqual([0, 40]);
    log.advance(T0 + DAY + specs[2]!.marginMs + tenSeconds + MINUTE);
    expect(log.requests(2)).toBe(0);
  });

  it("tokens counted without requests of their own still count, and nothing counted seeds nothing", () => {
    const key = testKey("openai", { secret: "sk-a", tpm: 500 });
    const specs = windowSpecs(key, defaultSettings);
    expect(seedUsage(specs, [[0, 0], [0, 0]], T0)).toEqual([]);
    expect(seedUsage(specs, [[0, 0], [0, 120]], T0)).toEqual([[T0, 120]]);
    expect(seedUsage(specs, [[2, 0], [2, 50]], T0)).toEqual([[T0, 0], [T0, 50]]);
  });
});
