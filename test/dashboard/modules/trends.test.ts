import { describe, expect, it } from "vitest";
import { balanceTrend, pushSample } from "../../../src/http/dashboard/trends.js";

describe("the dashboard's in-page trends", () => {
  it("keeps samples for the given time and drops samples from the future", () => {
    const list: { t: number }[] = [];
    for (const t of [0, 1_000, 2_000, 5_000]) pushSample(list, { t }, 3_000);
    expect(list.map((s) => s.t)).toEqual([2_000, 5_000]);
    pushSample(list, { t: 4_000 }, 3_000);
    expect(list.map((s) => s.t)).toEqual([2_000, 4_000]);
  });

  it("compares the balance with a minute ago, says steady under 0.025, and waits for 10 s of samples", () => {
    const at = (t: number, balance: number) => ({ t, balance });
    expect(balanceTrend([at(0, 0.5), at(5_000, 0.9)], 5_000).direction).toBe("none");
    const rising = balanceTrend([at(0, 0.5), at(30_000, 0.7), at(70_000, 0.9)], 70_000);
    expect(rising).toMatchObject({ direction: "up", text: "▲ +0.40 in 1 min", title: "0.50 1 min ago" });
    expect(balanceTrend([at(0, 0.9), at(20_000, 0.5)], 20_000)).toMatchObject({ direction: "down", text: "▼ −0.40 in 20 s" });
    expect(balanceTrend([at(0, 0.9), at(20_000, 0.91)], 20_000)).toMatchObject({ direction: "flat", text: "→ steady over 20 s" });
  });
});
