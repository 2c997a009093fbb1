import { describe, expect, it } from "vitest";
import { linear, niceTicks, tickLabel, timeTicks } from "../../../src/http/dashboard/chart-scale.js";

describe("the dashboard's chart axes", () => {
  it("rounds the y axis up to steps of 1, 2 or 5 times a power of ten, from 0", () => {
    expect(niceTicks(7.3)).toEqual({ max: 8, step: 2, ticks: [0, 2, 4, 6, 8] });
    expect(niceTicks(130)).toEqual({ max: 150, step: 50, ticks: [0, 50, 100, 150] });
    expect(niceTicks(0.42).ticks).toEqual([0, 0.2, 0.4, 0.6]);
    expect(niceTicks(40_000).max).toBe(40_000);
    // An empty chart still has an axis.
    expect(niceTicks(0)).toEqual({ max: 1, step: 0.5, ticks: [0, 0.5, 1] });
  });

  it("puts every value under the top tick, whatever its size", () => {
    for (const v of [0.003, 1, 9.99, 10, 11, 99, 101, 1234, 98_765, 3.2e7]) {
      const { max, ticks } = niceTicks(v);
      expect(max).toBeGreaterThanOrEqual(v);
      expect(ticks.length).toBeLessThanOrEqual(6);
    }
  });

  it("places time ticks on round multiples of a step that fits the span", () => {
    const start = Date.UTC(2026, 0, 1, 12, 3, 17);
    const hour = timeTicks(start, start + 3_600_000, 6);
    expect(hour.step).toBe(10 * 60_000);
    expect(hour.ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["12:10", "12:20", "12:30", "12:40", "12:50", "13:00"]);
    expect(timeTicks(start, start + 24 * 3_600_000, 6).step).toBe(6 * 3_600_000);
    expect(timeTicks(start, start + 60_000, 6).step).toBe(10_000);
    expect(timeTicks(start, start + 3_600_000, 3).step).toBe(30 * 60_000);
  });

  it("maps data to pixels linearly, and labels ticks briefly", () => {
    const y = linear(0, 200, 140, 10);
    expect([y(0), y(100), y(200)]).toEqual([140, 75, 10]);
    expect([0, 0.5, 2.5, 150, 1_200, 40_000, 3_000_000].map(tickLabel)).toEqual(["0", "0.5", "2.5", "150", "1.2k", "40k", "3M"]);
  });
});
