import { describe, expect, it } from "vitest";
import { capacityText, perMinuteCapacity } from "../../../src/http/dashboard/capacity.js";

const limits = (fields: Record<string, unknown>) => ({ limits: { rpm: null, tpm: null, windows: [], ...fields } });

describe("the dashboard's capacity figures", () => {
  it("takes a key's tightest limit of at most a minute, scaled to a minute, and ignores longer windows", () => {
    expect(perMinuteCapacity(limits({ rpm: 60 }), "requests")).toBe(60);
    expect(perMinuteCapacity(limits({ rpm: 60, windows: [{ requests: 5, per_ms: 10_000 }] }), "requests")).toBe(30);
    expect(perMinuteCapacity(limits({ rpm: 60, windows: [{ requests: 100, per_ms: 3_600_000 }] }), "requests")).toBe(60);
    expect(perMinuteCapacity(limits({ tpm: 40_000, windows: [{ requests: 5, per_ms: 10_000 }] }), "tokens")).toBe(40_000);
    expect(perMinuteCapacity(limits({}), "requests")).toBe(Infinity);
  });

  it("says how much of the enabled keys' limits is used, what is unavailable, and what runs on keys out of rotation", () => {
    expect(capacityText(30, 0, 120, 120, "request", 0, 2)).toBe("25% of the enabled keys' limits");
    expect(capacityText(30, 4, 120, 60, "request", 0, 2)).toBe("25% of the enabled keys' limits · 60 not available now · 4 on keys out of rotation");
    expect(capacityText(5, 0, Infinity, Infinity, "token", 2, 2)).toBe("no token limits configured");
    expect(capacityText(5, 0, Infinity, Infinity, "token", 1, 2)).toBe("no token limit on 1 of 2 keys");
    expect(capacityText(0, 3, 0, 0, "request", 0, 0)).toBe("no enabled key · 3 on keys out of rotation");
  });
});
