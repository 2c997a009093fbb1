import { describe, expect, it } from "vitest";
import { FairAdmission } from "../../src/grpc/fair-admission.js";

/** An admission whose turns run only when the test says so. */
function manual(startsPerTurn: number, sharedStartsPerTurn = startsPerTurn) {
  const turns: (() => void)[] = [];
  const admission = new FairAdmission(startsPerTurn, (fn) => turns.push(fn), sharedStartsPerTurn);
  const turn = () => turns.shift()?.();
  return { admission, turn, pending: () => turns.length };
}

describe("per-client admission", () => {
  it("starts nothing at once, then at most its budget per turn", () => {
    const { admission, turn } = manual(4);
    const started: number[] = [];
    for (let i = 0; i < 10; i++) admission.admit("a", () => started.push(i));
    expect(started).toEqual([]);
    turn();
    expect(started).toEqual([0, 1, 2, 3]);
    turn();
    turn();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(admission.queued).toBe(0);
    expect(admission.started).toBe(10);
  });

  it("a call of another client arriving behind a burst of 10,000 starts within one round of the next turn", () => {
    const { admission, turn } = manual(32);
    const order: string[] = [];
    for (let i = 0; i < 10_000; i++) admission.admit("flood", () => order.push("flood"));
    turn();
    expect(order).toHaveLength(32);
    admission.admit("victim", () => order.push("victim"));
    turn();
    // The burst's earlier calls do not go first: the victim is second in the very next turn.
    expect(order.indexOf("victim")).toBe(33);
    expect(admission.queued).toBe(10_000 - 63);
  });

  it("turns shrink to the shared budget while a second client calls, and grow back when one calls alone", () => {
    const { admission, turn } = manual(32, 4);
    let flood = 0;
    let victim = 0;
    for (let i = 0; i < 10_000; i++) admission.admit("flood", () => (flood += 1));
    turn();
    expect(flood).toBe(32);
    admission.admit("victim", () => (victim += 1));
    turn();
    // One of the flood's, the victim's, then the flood's alone: four starts in all.
    expect([flood, victim]).toEqual([35, 1]);
    for (let i = 0; i < 255; i++) turn();
    expect(flood).toBe(35 + 255 * 4);
    // 256 turns after the victim's last call, the flood has the whole budget again.
    turn();
    expect(flood).toBe(35 + 255 * 4 + 32);
  });

  it("serves clients round-robin, each in arrival order", () => {
    const { admission, turn, pending } = manual(100);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) admission.admit("a", () => order.push(`a${i}`));
    admission.admit("b", () => order.push("b0"));
    for (let i = 0; i < 2; i++) admission.admit("c", () => order.push(`c${i}`));
    turn();
    expect(order).toEqual(["a0", "b0", "c0", "a1", "c1", "a2"]);
    expect(pending()).toBe(0);
  });
});
