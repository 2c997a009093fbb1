import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["1m", 60_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["1m30s", 90_000],
    ["1.5s", 1_500],
    [" 2s ", 2_000],
    ["250", 250],
    [250, 250],
    [0, 0],
  ])("reads %j as %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([["ten seconds"], ["1w"], ["-5s"], ["s"], [""], ["1s 2s"], [-1], [1.5], [Number.NaN], [null], [true], [{}]])(
    "rejects %j",
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );
});

describe("formatDuration", () => {
  it("writes the shortest exact form", () => {
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(1_500)).toBe("1s500ms");
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(0)).toBe("0ms");
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 1_000, 61_000, 86_400_000 + 1, 123_456_789]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
