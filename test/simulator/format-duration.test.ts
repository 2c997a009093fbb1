import { describe, expect, it } from "vitest";
import { ceilSeconds, formatGoDuration, formatProtoDuration } from "../../src/simulator/format-duration.js";

describe("formatGoDuration (OpenAI x-ratelimit-reset-*)", () => {
  it.each([
    [0, "0s"],
    [17, "17ms"],
    [999, "999ms"],
    [1_000, "1s"],
    [6_000, "6s"],
    [8_640, "8.64s"],
    [60_000, "1m0s"],
    [72_500, "1m12.5s"],
    [360_000, "6m0s"],
    [3_723_000, "1h2m3s"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe("formatProtoDuration (Gemini retryDelay)", () => {
  it.each([
    [20_000, "20s"],
    [250, "0.250s"],
    [4_500, "4.500s"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatProtoDuration(ms)).toBe(text);
  });
});

describe("ceilSeconds (Retry-After)", () => {
  it("rounds up", () => {
    expect(ceilSeconds(1)).toBe(1);
    expect(ceilSeconds(1_000)).toBe(1);
    expect(ceilSeconds(1_001)).toBe(2);
  });
});
