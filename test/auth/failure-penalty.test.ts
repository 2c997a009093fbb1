import { describe, expect, it } from "vitest";
import { FailurePenalty, type PenaltySettings } from "../../src/auth/failure-penalty.js";
import { sourceOf } from "../../src/auth/auth-failures.js";

const SETTINGS: PenaltySettings = {
  windowMs: 60_000,
  freeFailures: 3,
  budget: 8,
  baseDelayMs: 100,
  maxDelayMs: 500,
  maxPendingPerSource: 2,
  logIntervalMs: 10_000,
  maxSources: 3,
};

describe("per-source penalty for failed authentication", () => {
  it("answers the first failures at once, then with a doubling delay up to its cap, then refuses until the window ends", () => {
    const p = new FailurePenalty(SETTINGS);
    const t0 = 1_000_000;
    const verdicts = [];
    for (let i = 0; i < 10; i++) {
      const { verdict } = p.fail("10.0.0.1", t0 + i);
      verdicts.push(verdict);
      if (verdict.response === "delayed") p.released("10.0.0.1");
    }
    expect(verdicts).toEqual([
      { response: "immediate" },
      { response: "immediate" },
      { response: "immediate" },
      { response: "delayed", delayMs: 100 },
      { response: "delayed", delayMs: 200 },
      { response: "delayed", delayMs: 400 },
      { response: "delayed", delayMs: 500 },
      { response: "delayed", delayMs: 500 },
      { response: "refused", retryAfterMs: 60_000 - 8 },
      { response: "refused", retryAfterMs: 60_000 - 9 },
    ]);
    // A new window starts the count over.
    expect(p.fail("10.0.0.1", t0 + 60_000).verdict).toEqual({ response: "immediate" });
  });

  it("caps the delayed answers a source may have pending; the others are refused rather than held", () => {
    const p = new FailurePenalty(SETTINGS);
    const responses = Array.from({ length: 7 }, (_, i) => p.fail("10.0.0.2", i).verdict.response);
    expect(responses).toEqual(["immediate", "immediate", "immediate", "delayed", "delayed", "refused", "refused"]);
    p.released("10.0.0.2");
    expect(p.fail("10.0.0.2", 10).verdict.response).toBe("delayed");
  });

  it("keeps sources apart: one source's failures never slow another", () => {
    const p = new FailurePenalty(SETTINGS);
    for (let i = 0; i < 20; i++) p.fail("10.0.0.3", i);
    expect(p.fail("10.0.0.3", 21).verdict.response).toBe("refused");
    expect(p.fail("10.0.0.4", 22).verdict).toEqual({ response: "immediate" });
  });

  it("asks for one log line per source and interval, carrying the number of failures it stands for", () => {
    const p = new FailurePenalty(SETTINGS);
    const logged: [number, number][] = [];
    for (let t = 0; t < 25_000; t += 100) {
      const n = p.fail("10.0.0.5", t).logFailures;
      if (n !== undefined) logged.push([t, n]);
    }
    expect(logged).toEqual([
      [0, 1],
      [10_000, 100],
      [20_000, 100],
    ]);
  });

  it("remembers a bounded number of sources, forgetting the least recently failed", () => {
    const p = new FailurePenalty(SETTINGS);
    for (let i = 0; i < 9; i++) p.fail("10.0.0.6", i);
    expect(p.fail("10.0.0.6", 9).verdict.response).toBe("refused");
    for (const s of ["a", "b", "c"]) p.fail(s, 10);
    expect(p.size).toBe(3);
    // 10.0.0.6 was forgotten: it starts over.
    expect(p.fail("10.0.0.6", 11).verdict.response).toBe("immediate");
  });

  it("reduces a peer address to its host", () => {
    expect(sourceOf("ipv4:127.0.0.1:54321")).toBe("127.0.0.1");
    expect(sourceOf("ipv6:[::1]:54321")).toBe("::1");
    expect(sourceOf("::ffff:127.0.0.1")).toBe("::ffff:127.0.0.1");
    expect(sourceOf("127.0.0.1")).toBe("127.0.0.1");
    expect(sourceOf("unix:/run/keypool.sock")).toBe("unix");
    expect(sourceOf(undefined)).toBe("unix");
  });
});
