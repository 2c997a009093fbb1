import { describe, expect, it } from "vitest";
import { storeText } from "../../../src/http/dashboard/store-text.js";

const clock = (t: number) => new Date(t).toISOString().slice(11, 19);
const store = {
  kind: "redis",
  location: "redis://:***@redis:6379",
  failure_mode: "local",
  degraded: false,
  degraded_since: null,
  reason: "",
  sidecars_alive: 3,
  sidecar_id: "abc",
  limits_divided_by: null,
};

describe("the dashboard's store line", () => {
  it("is absent without a shared store, quiet while it answers, loud while it does not", () => {
    expect(storeText(undefined, clock)).toBeUndefined();
    expect(storeText(store, clock)).toEqual({ state: "ok", text: "redis store · 3 sidecars alive", title: "redis://:***@redis:6379" });
    const since = "2026-12-05T14:03:11.000Z";
    const local = { ...store, degraded: true, degraded_since: since, reason: "did not answer", limits_divided_by: 3 };
    expect(storeText(local, clock)).toMatchObject({ state: "degraded", text: "redis store unreachable since 14:03:11: serving alone with 1/3 of every limit" });
    expect(storeText({ ...local, failure_mode: "closed", limits_divided_by: null }, clock).text).toBe("redis store unreachable since 14:03:11: refusing every acquisition");
  });
});
