import { afterEach, describe, expect, it } from "vitest";
import { DeadlineSweep } from "../../src/proxy/deadline-sweep.js";

describe("DeadlineSweep", () => {
  const sweeps: DeadlineSweep[] = [];
  afterEach(() => {
    for (const s of sweeps.splice(0)) s.stop();
  });
  const sweep = () => {
    const s = new DeadlineSweep(60_000, () => 0);
    sweeps.push(s);
    return s;
  };

  it("fires each deadline once when its time has passed, and not before", () => {
    const s = sweep();
    const fired: string[] = [];
    s.arm(100, () => fired.push("a"));
    s.arm(250, () => fired.push("b"));
    s.expire(99);
    expect(fired).toEqual([]);
    s.expire(100);
    expect(fired).toEqual(["a"]);
    s.expire(300);
    s.expire(400);
    expect(fired).toEqual(["a", "b"]);
    expect(s.size).toBe(0);
  });

  it("a disarmed deadline never fires; a moved one fires at its new time; Infinity holds it", () => {
    const s = sweep();
    const fired: string[] = [];
    const gone = s.arm(10, () => fired.push("gone"));
    const moved = s.arm(10, () => fired.push("moved"));
    s.disarm(gone);
    moved.at = Infinity;
    s.expire(1_000);
    expect(fired).toEqual([]);
    moved.at = 1_500;
    s.expire(1_499);
    expect(fired).toEqual([]);
    s.expire(1_500);
    expect(fired).toEqual(["moved"]);
  });
});
