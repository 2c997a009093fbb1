import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap, type HeapHandle } from "../../src/pool/min-heap.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

interface Item {
  priority: number;
  readonly id: number;
}

const order = (a: Item, b: Item) => a.priority < b.priority || (a.priority === b.priority && a.id < b.id);
const sorted = (items: Iterable<Item>) => [...items].sort((a, b) => (order(a, b) ? -1 : order(b, a) ? 1 : 0));

type Op =
  | { kind: "push"; priority: number }
  | { kind: "remove"; pick: number }
  | { kind: "update"; pick: number; priority: number }
  | { kind: "pop" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("push" as const), priority: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("update" as const), pick: fc.nat(), priority: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
);

describe("MinHeap", () => {
  it("agrees with a sorted list under pushes, removals, reprioritisations and pops (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
        const heap = new MinHeap<Item>(order);
        const live = new Map<Item, HeapHandle<Item>>();
        let nextId = 0;
        for (const o of ops) {
          const items = [...live.keys()];
          const target = items.length === 0 ? undefined : items[("pick" in o ? o.pick : 0) % items.length];
          if (o.kind === "push") {
            const item = { priority: o.priority, id: nextId++ };
            live.set(item, heap.push(item));
          } else if (o.kind === "remove" && target !== undefined) {
            heap.remove(live.get(target) as HeapHandle<Item>);
            live.delete(target);
          } else if (o.kind === "update" && target !== undefined) {
            target.priority = o.priority;
            heap.update(live.get(target) as HeapHandle<Item>);
          } else if (o.kind === "pop") {
            const expected = sorted(live.keys())[0];
            expect(heap.pop()).toBe(expected);
            if (expected !== undefined) live.delete(expected);
          }
          expect(heap.size).toBe(live.size);
          expect(heap.peek()).toBe(sorted(live.keys())[0]);
        }
      }),
      { numRuns: fuzzRuns(200) },
    );
  });

  it("ignores a handle already removed", () => {
    const heap = new MinHeap<Item>(order);
    const h = heap.push({ priority: 1, id: 1 });
    heap.push({ priority: 2, id: 2 });
    heap.remove(h);
    heap.remove(h);
    heap.update(h);
    expect(heap.size).toBe(1);
    expect(heap.peek()?.id).toBe(2);
  });
});
