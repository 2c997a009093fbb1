import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedKey } from "../../src/simulator/simulated-key.js";
import { SlidingWindow } from "../../src/simulator/sliding-window.js";

describe("SlidingWindow", () => {
  it("counts an event from its arrival until arrival + length", () => {
    const w = new SlidingWindow(1_000);
    w.add(100, 1);
    expect(w.used(100)).toBe(1);
    expect(w.used(1_099)).toBe(1);
    expect(w.used(1_100)).toBe(0);
  });

  it("says how long until an amount fits, and undefined when it never can", () => {
    const w = new SlidingWindow(1_000);
    w.add(0, 4);
    w.add(300, 4);
    expect(w.waitFor(500, 2, 10)).toBe(0);
    expect(w.waitFor(500, 3, 10)).toBe(500); // the first 4 must leave: at 1000
    expect(w.waitFor(500, 7, 10)).toBe(800); // both must leave: at 1300
    expect(w.waitFor(500, 11, 10)).toBeUndefined();
    expect(w.untilEmpty(500)).toBe(800);
  });
});

describe("SimulatedKey admission (property)", () => {
  const arrivals = fc.array(
    fc.record({ gap: fc.integer({ min: 0, max: 400 }), tokens: fc.integer({ min: 1, max: 40 }) }),
    { maxLength: 120 },
  );

  it("never lets more than rpm requests or tpm tokens into any window, and refuses only what does not fit", () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 40, max: 120 }), (events, rpm, tpm) => {
        const windowMs = 1_000;
        const key = new SimulatedKey("k", { rpm, tpm }, windowMs);
        const accepted: { at: number; tokens: number }[] = [];
        let now = 0;
        for (const { gap, tokens } of events) {
          now += gap;
          const inWindow = accepted.filter((a) => a.at > now - windowMs);
          const usedTokens = inWindow.reduce((s, a) => s + a.tokens, 0);
          const fits = inWindow.length + 1 <= rpm && usedTokens + tokens <= tpm;
          const admission = key.admit(now, tokens, tokens);
          expect(admission.ok).toBe(fits);
          if (admission.ok) {
            accepted.push({ at: now, tokens });
          } else if (admission.violation.retryAfterMs !== undefined) {
            // Waiting exactly that long frees enough room for this limit.
            const later = now + admission.violation.retryAfterMs;
            const still = accepted.filter((a) => a.at > later - windowMs);
            const need = admission.violation.kind === "tpm" ? tokens : 1;
            const used = admission.violation.kind === "tpm" ? still.reduce((s, a) => s + a.tokens, 0) : still.length;
            expect(used + need).toBeLessThanOrEqual(admission.violation.limit);
          }
        }
        // Invariant over every interval of window length.
        for (const a of accepted) {
          const inInterval = accepted.filter((b) => b.at >= a.at && b.at < a.at + windowMs);
          expect(inInterval.length).toBeLessThanOrEqual(rpm);
          expect(inInterval.reduce((s, b) => s + b.tokens, 0)).toBeLessThanOrEqual(tpm);
        }
      }),
    );
  });
});
