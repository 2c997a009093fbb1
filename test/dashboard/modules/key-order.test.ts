import { describe, expect, it } from "vitest";
import { errorRate, keyMatches, problemOf, sortKeys } from "../../../src/http/dashboard/key-order.js";

/** A key as the snapshot's JSON has it, with only what ordering reads. */
function key(id: string, fields: Record<string, unknown> = {}) {
  return {
    key_id: id,
    label: "",
    masked_key: `…${id.slice(-4)}`,
    state: "active",
    successes_total: 0,
    rate_limited_total: 0,
    errors_total: 0,
    requests_in_window: 0,
    utilization: 0,
    ...fields,
  };
}

const ids = (keys: { key_id: string }[]) => keys.map((k) => k.key_id);
const noFilter = { text: "", state: "", provider: "", model: "" };

describe("the dashboard's key order and filter", () => {
  it("puts problem keys first: disabled, exhausted, cooling down, a high error rate, then draining and active in configuration order", () => {
    const keys = [
      key("a1"),
      key("d1", { state: "draining" }),
      key("c1", { state: "cooling_down" }),
      key("e1", { successes_total: 6, errors_total: 4 }),
      key("a2"),
      key("x1", { state: "disabled" }),
      key("q1", { state: "exhausted" }),
    ];
    expect(ids(sortKeys(keys, "problems"))).toEqual(["x1", "q1", "c1", "e1", "d1", "a1", "a2"]);
    // Unknown sorts fall back to problems first.
    expect(ids(sortKeys(keys, "nonsense"))).toEqual(["x1", "q1", "c1", "e1", "d1", "a1", "a2"]);
    expect(ids(keys)).toEqual(["a1", "d1", "c1", "e1", "a2", "x1", "q1"]);
  });

  it("sorts by id, by requests, utilization, 429s and errors, busiest first, ties in configuration order", () => {
    const keys = [key("b", { requests_in_window: 3, utilization: 0.2 }), key("a", { requests_in_window: 9, rate_limited_total: 2 }), key("c", { requests_in_window: 3, utilization: 0.9 })];
    expect(ids(sortKeys(keys, "id"))).toEqual(["a", "b", "c"]);
    expect(ids(sortKeys(keys, "requests"))).toEqual(["a", "b", "c"]);
    expect(ids(sortKeys(keys, "utilization"))).toEqual(["c", "b", "a"]);
    expect(ids(sortKeys(keys, "rate_limited"))).toEqual(["a", "b", "c"]);
  });

  it("counts a high error rate only over enough reports, 429s included", () => {
    expect(errorRate(key("k", { successes_total: 5, errors_total: 4 }))).toBeUndefined();
    expect(errorRate(key("k", { successes_total: 8, rate_limited_total: 1, errors_total: 1 }))).toBeCloseTo(0.2);
    expect(problemOf(key("k", { successes_total: 8, rate_limited_total: 1, errors_total: 1 }))).toBe("error_rate");
    expect(problemOf(key("k", { successes_total: 9, errors_total: 1 }))).toBe("");
    expect(problemOf(key("k", { state: "draining" }))).toBe("");
  });

  it("filters by state, problems, model and text over id, label and masked key", () => {
    const keys = [key("prod-a", { label: "Production A" }), key("batch", { state: "cooling_down" }), key("old", { state: "draining", masked_key: "…9f3c" })];
    const models = new Map([["prod-a", new Set(["gpt-4o"])], ["batch", new Set(["gpt-4o-mini", "gpt-4o"])]]);
    const pick = (filter: Partial<typeof noFilter>) => ids(keys.filter((k) => keyMatches(k, { ...noFilter, ...filter }, (id: string) => models.get(id))));
    expect(pick({})).toEqual(["prod-a", "batch", "old"]);
    expect(pick({ state: "problems" })).toEqual(["batch"]);
    expect(pick({ state: "draining" })).toEqual(["old"]);
    expect(pick({ model: "gpt-4o-mini" })).toEqual(["batch"]);
    expect(pick({ model: "gpt-4o" })).toEqual(["prod-a", "batch"]);
    expect(pick({ text: " production " })).toEqual(["prod-a"]);
    expect(pick({ text: "9F3C" })).toEqual(["old"]);
    expect(pick({ text: "a", state: "active" })).toEqual(["prod-a"]);
  });
});
