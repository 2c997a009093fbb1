import { describe, expect, it } from "vitest";
import { parseRfc3339 } from "../../src/provider-http/rate-limits/anthropic-headers.js";
import { parseGoDuration, parseProtoDuration } from "../../src/provider-http/rate-limits/go-duration.js";
import { nextPacificMidnight } from "../../src/provider-http/rate-limits/pacific-midnight.js";

describe("Go durations (OpenAI, Groq resets)", () => {
  it.each([
    ["1s", 1000],
    ["6m0s", 360_000],
    ["12ms", 12],
    ["1.5s", 1500],
    ["1h2m3.5s", 3_723_500],
    ["2m59.56s", 179_560],
    ["7.66s", 7660],
    ["0s", 0],
    ["0", 0],
    ["500us", 1],
    ["1500µs", 2],
    ["250ns", 0],
  ])("%s is %i ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "s", "1", "-1s", "1 s", "1.s", "1d", "1s ", "abc", "1e3s", "1m-2s", "9".repeat(70) + "s"])("rejects %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("protobuf durations (Gemini retryDelay)", () => {
  it.each([
    ["2s", 2000],
    ["37.5s", 37_500],
    ["0.250s", 250],
    ["53.034877398s", 53_035],
  ])("%s is %i ms", (text, ms) => {
    expect(parseProtoDuration(text)).toBe(ms);
  });

  it.each(["2", "2m", "-2s", "s", "2.s", "1m2s"])("rejects %j", (text) => {
    expect(parseProtoDuration(text)).toBeUndefined();
  });
});

describe("RFC 3339 times (Anthropic resets)", () => {
  it.each([
    ["2026-03-01T12:00:30Z", Date.UTC(2026, 2, 1, 12, 0, 30)],
    ["2026-03-01T12:00:30.250Z", Date.UTC(2026, 2, 1, 12, 0, 30, 250)],
    ["2026-03-01T12:00:30.123456789Z", Date.UTC(2026, 2, 1, 12, 0, 30, 123)],
    ["2026-03-01T04:00:30-08:00", Date.UTC(2026, 2, 1, 12, 0, 30)],
    ["2026-03-01t12:00:30z", Date.UTC(2026, 2, 1, 12, 0, 30)],
  ])("%s", (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
  });

  it.each(["2026-03-01 12:00:30Z", "2026-03-01T12:00:30", "Sun, 01 Mar 2026 12:00:30 GMT", "2026-13-45T99:00:30Z", "1740830430"])("rejects %j", (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

describe("next midnight in Los Angeles (Gemini per-day quotas)", () => {
  it.each([
    // Winter, PST (UTC-8): midnight is 08:00 UTC.
    ["2026-01-15T20:00:00Z", "2026-01-16T08:00:00.000Z"],
    ["2026-01-15T07:59:59Z", "2026-01-15T08:00:00.000Z"],
    ["2026-01-15T08:00:00Z", "2026-01-16T08:00:00.000Z"],
    // Summer, PDT (UTC-7): midnight is 07:00 UTC.
    ["2026-07-04T12:00:00Z", "2026-07-05T07:00:00.000Z"],
    // The day DST starts (8 March 2026) is 23 hours long: its end is at 07:00 UTC.
    ["2026-03-08T09:00:00Z", "2026-03-09T07:00:00.000Z"],
    // The day before it still begins and ends in PST.
    ["2026-03-07T09:00:00Z", "2026-03-08T08:00:00.000Z"],
    // The day DST ends (1 November 2026) is 25 hours long: from 07:00 UTC to 08:00 UTC the next day.
    ["2026-11-01T08:00:00Z", "2026-11-02T08:00:00.000Z"],
    ["2026-10-31T20:00:00Z", "2026-11-01T07:00:00.000Z"],
    // The year turns.
    ["2026-12-31T23:00:00Z", "2027-01-01T08:00:00.000Z"],
  ])("after %s it is %s", (now, midnight) => {
    expect(new Date(nextPacificMidnight(Date.parse(now))).toISOString()).toBe(midnight);
  });
});
