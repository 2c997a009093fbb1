import { describe, expect, it } from "vitest";
import { configFingerprint, describeConfigDifference } from "../../src/config/config-fingerprint.js";
import { parseConfigAnnouncement } from "../../src/config/config-announcement.js";
import { poolConfig } from "../support/pool-config.js";

const S1 = "sk-test-fingerprint-0001";
const S2 = "sk-test-fingerprint-0002";

describe("configuration fingerprint", () => {
  it("is the same for the same keys in another order, and for settings that belong to one sidecar", () => {
    const one = poolConfig({ openai: [{ secret: S1, id: "a" }, { secret: S2, id: "b" }] }, { stateFile: "/var/one.json", store: "redis://:pw@one:6379" });
    const two = poolConfig({ openai: [{ secret: S2, id: "b" }, { secret: S1, id: "a" }] }, { stateFile: "/var/two.json", store: "redis://other:6379" });
    expect(configFingerprint(one).digest).toBe(configFingerprint(two).digest);
    expect(describeConfigDifference(configFingerprint(one), configFingerprint(two))).toEqual([]);
  });

  it("tells apart a changed secret, limit or shared setting, and never holds a secret or the store's password", () => {
    const base = configFingerprint(poolConfig({ openai: [{ secret: S1, id: "a", rpm: 10 }] }, { store: "redis://:hunter2@h:6379" }));
    const secret = configFingerprint(poolConfig({ openai: [{ secret: S2, id: "a", rpm: 10 }] }));
    const limit = configFingerprint(poolConfig({ openai: [{ secret: S1, id: "a", rpm: 11 }] }));
    const settings = configFingerprint(poolConfig({ openai: [{ secret: S1, id: "a", rpm: 10 }] }, { leaseTtlMs: 1_000 }));
    for (const other of [secret, limit]) expect(describeConfigDifference(base, other)).toEqual(["provider openai: keys configured differently: a"]);
    expect(describeConfigDifference(base, settings)).toEqual(["settings differ"]);
    const text = JSON.stringify(base);
    for (const leak of [S1, S1.slice(-4), "hunter2"]) expect(text).not.toContain(leak);
  });

  it("names keys and providers present on one side only, a long list cut to ten ids", () => {
    const ids = Array.from({ length: 13 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    const here = configFingerprint(poolConfig({ openai: ids.map((id) => ({ secret: `sk-${id}`, id })), gemini: [{ secret: S1, id: "g" }] }));
    const there = configFingerprint(poolConfig({ openai: [], anthropic: [{ secret: S2, id: "c" }] }));
    expect(describeConfigDifference(here, there)).toEqual([
      "provider anthropic: configured there only",
      "provider gemini: configured here only",
      "provider openai: keys only here: k00, k01, k02, k03, k04, k05, k06, k07, k08, k09 and 3 more",
    ]);
  });

  it("an announcement read back from the store is taken only when whole", () => {
    const fingerprint = configFingerprint(poolConfig({ openai: [{ secret: S1, id: "a" }] }));
    const good = { sidecar: "pod-1/42", generation: 3, at: 1_700_000_000_000, fingerprint };
    expect(parseConfigAnnouncement(JSON.stringify(good))).toEqual(good);
    for (const bad of ["not json", "null", JSON.stringify({ ...good, generation: "3" }), JSON.stringify({ ...good, fingerprint: { ...fingerprint, providers: { openai: { a: 1 } } } })]) {
      expect(parseConfigAnnouncement(bad)).toBeUndefined();
    }
  });
});
