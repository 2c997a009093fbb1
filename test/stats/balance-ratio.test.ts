import { describe, expect, it } from "vitest";
import { balanceRatio } from "../../src/pool/balance-ratio.js";

const even = (n: number, requests: number) => Array.from({ length: n }, () => ({ requests, weight: 1 }));

describe("balanceRatio", () => {
  it("is 1 without traffic, with one key, and when every key has its share", () => {
    expect(balanceRatio([])).toBe(1);
    expect(balanceRatio(even(5, 0))).toBe(1);
    expect(balanceRatio([{ requests: 40, weight: 1 }])).toBe(1);
    expect(balanceRatio(even(5, 2))).toBe(1);
  });

  it("is the smallest over the largest weight-normalised count", () => {
    expect(balanceRatio([{ requests: 3, weight: 1 }, { requests: 2, weight: 1 }, { requests: 3, weight: 1 }])).toBeCloseTo(2 / 3);
    // Weight 2 with twice the requests is perfectly even.
    expect(balanceRatio([{ requests: 20, weight: 2 }, { requests: 10, weight: 1 }])).toBe(1);
    expect(balanceRatio([{ requests: 10, weight: 2 }, { requests: 10, weight: 1 }])).toBe(0.5);
    expect(balanceRatio([{ requests: 0, weight: 1 }, { requests: 7, weight: 1 }])).toBe(0);
  });
});
