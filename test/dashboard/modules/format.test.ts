import { describe, expect, it } from "vitest";
import { compact, latency, limitsText, per, timeLeft } from "../../../src/http/dashboard/format.js";

describe("dashboard formatting", () => {
  it("writes counts in at most four characters", () => {
    expect([0, 999, 1_000, 1_250, 15_400, 998_000, 1_500_000, 25_000_000, 2_100_000_000].map(compact)).toEqual([
      "0",
      "999",
      "1k",
      "1.3k",
      "15k",
      "998k",
      "1.5M",
      "25M",
      "2.1G",
    ]);
    expect([null, undefined, Number.NaN, Infinity].map(compact)).toEqual(["–", "–", "–", "–"]);
  });

  it("writes latencies, times left and window lengths as a person reads them", () => {
    expect([420.4, 1_250, 12_500, null].map(latency)).toEqual(["420 ms", "1.25 s", "12.5 s", "–"]);
    expect([4_200, 42_000, 725_000, 11_520_000, 3 * 86_400_000].map(timeLeft)).toEqual(["4.2 s", "42 s", "12 min 05 s", "3 h 12 min", "3 days"]);
    expect([60_000, 3_600_000, 6_000, 300_000, 7_200_000].map(per)).toEqual(["min", "h", "6 s", "5 min", "2 h"]);
  });

  it("names every configured limit of a key in one line, and nothing when there is none", () => {
    const limits = { rpm: 60, tpm: 40_000, rpd: null, max_concurrent: 4, windows: [{ requests: 5, per_ms: 10_000 }, { tokens: 1_000_000, per_ms: 86_400_000 }] };
    expect(limitsText(limits)).toBe("60 rpm · 40k tpm · 4 open · 5/10 s · 1M tok/24 h");
    expect(limitsText({ rpm: null, tpm: null, rpd: 5_000, max_concurrent: null, windows: [] })).toBe("5k rpd");
    expect(limitsText({ rpm: null, tpm: null, rpd: null, max_concurrent: null, windows: [] })).toBe("");
  });
});
