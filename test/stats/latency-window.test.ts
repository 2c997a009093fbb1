import { describe, expect, it } from "vitest";
import { LatencyWindow } from "../../src/pool/latency-window.js";

describe("LatencyWindow", () => {
  it("gives nearest-rank p50/p95/p99 of the reports held, none before the first", () => {
    const w = new LatencyWindow();
    expect(w.percentiles(0)).toBeUndefined();
    // 1..100 ms in shuffled order: nearest rank gives exactly 50, 95 and 99.
    const values = Array.from({ length: 100 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101));
    for (const v of values) w.add(v, 0);
    expect(w.percentiles(0)).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 });
  });

  it("keeps only the last `capacity` reports, so memory stays fixed", () => {
    const w = new LatencyWindow(10);
    for (let i = 0; i < 1_000; i++) w.add(i < 990 ? 10_000 : 5, 0);
    expect(w.percentiles(0)).toEqual({ p50: 5, p95: 5, p99: 5, samples: 10 });
  });

  it("grows its ring with the reports up to capacity, losing nothing on the way", () => {
    const w = new LatencyWindow(100);
    for (let i = 1; i <= 250; i++) {
      w.add(i, 0);
      // The last min(i, 100) reports, whatever the ring's size at the time.
      const held = Math.min(i, 100);
      const first = i - held;
      expect(w.percentiles(0)).toEqual({ samples: held, p50: first + Math.ceil(held * 0.5), p95: first + Math.ceil(held * 0.95), p99: first + Math.ceil(held * 0.99) });
    }
  });

  it("forgets reports older than the maximum age, and recomputes when one ages out", () => {
    const w = new LatencyWindow(1_000, 60_000);
    w.add(900, 0);
    w.add(100, 30_000);
    expect(w.percentiles(59_999)?.p99).toBe(900);
    expect(w.percentiles(60_000)).toEqual({ p50: 100, p95: 100, p99: 100, samples: 1 });
    expect(w.percentiles(90_000)).toBeUndefined();
    w.add(250, 90_000);
    expect(w.percentiles(90_000)?.p50).toBe(250);
  });

  it("ignores values that are no latency", () => {
    const w = new LatencyWindow();
    w.add(Number.NaN, 0);
    w.add(-1, 0);
    w.add(Infinity, 0);
    expect(w.percentiles(0)).toBeUndefined();
  });
});
