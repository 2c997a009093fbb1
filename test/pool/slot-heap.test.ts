import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlotHeap } from "../../src/pool/slot-heap.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

const CAPACITY = 24;

type Op =
  | { kind: "push"; slot: number; priority: number }
  | { kind: "remove"; slot: number }
  | { kind: "update"; slot: number; priority: number }
  | { kind: "find"; modulus: number };

const slot = fc.integer({ min: 0, max: CAPACITY - 1 });
const priority = fc.integer({ min: 0, max: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("push" as const), slot, priority }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), slot }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("update" as const), slot, priority }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("find" as const), modulus: fc.integer({ min: 1, max: 7 }) }) },
);

describe("SlotHeap", () => {
  it("agrees with a sorted list of its slots under pushes, removals, reprioritisations and searches (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
        const priorities = new Float64Array(CAPACITY);
        // Priority, then slot: a strict total order, so that the first is one slot.
        const before = (a: number, b: number) => (priorities[a] as number) < (priorities[b] as number) || (priorities[a] === priorities[b] && a < b);
        const heap = new SlotHeap(CAPACITY, before);
        const live = new Set<number>();
        const sorted = (slots: Iterable<number>) => [...slots].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
        for (const o of ops) {
          if (o.kind === "push") {
            // A present slot stays where it is: its priority is not changed behind the heap's back.
            if (!live.has(o.slot)) priorities[o.slot] = o.priority;
            heap.push(o.slot);
            live.add(o.slot);
          } else if (o.kind === "remove") {
            heap.remove(o.slot);
            live.delete(o.slot);
          } else if (o.kind === "update") {
            priorities[o.slot] = o.priority;
            heap.update(o.slot);
          } else {
            const visited: number[] = [];
            const match = (s: number) => {
              visited.push(s);
              return s % o.modulus === 0;
            };
            const expected = sorted(live).find((s) => s % o.modulus === 0) ?? -1;
            expect(heap.find(match)).toBe(expected);
            // Visited in ascending order, and nothing beyond the answer.
            expect(visited).toEqual(sorted(visited));
            if (expected !== -1) expect(visited.every((s) => !before(expected, s))).toBe(true);
          }
          expect(heap.size).toBe(live.size);
          expect(heap.peek()).toBe(sorted(live)[0] ?? -1);
          for (let s = 0; s < CAPACITY; s++) expect(heap.has(s)).toBe(live.has(s));
        }
      }),
      { numRuns: fuzzRuns(200) },
    );
  });

  it("ignores a slot it does not hold, and an empty heap finds nothing", () => {
    const heap = new SlotHeap(4, (a, b) => a < b);
    expect(heap.find(() => true)).toBe(-1);
    heap.push(2);
    heap.remove(3);
    heap.update(1);
    heap.remove(2);
    heap.remove(2);
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBe(-1);
  });
});
