/**
 * A binary min-heap of small integers (slots 0 … capacity-1), each present at
 * most once, with every slot's position kept so that it can be moved or
 * removed in O(log n) without a search. The priority lives outside, in
 * columns that `less` reads by slot.
 *
 * The key index walks a heap of thousands of keys on every lease; kept in
 * typed arrays, a step reads two integers and the priority columns, where a
 * heap of objects chases a handle and a value per child through memory that
 * a rotation over many keys has long since evicted from the cache.
 */
export class SlotHeap {
  private readonly items: Int32Array;
  /** Each slot's position in `items`; -1 when absent. */
  private readonly places: Int32Array;
  private count = 0;

  /** `less(a, b)`: slot a comes before slot b. A strict total order makes `peek` and `find` deterministic. */
  constructor(
    capacity: number,
    private readonly less: (a: number, b: number) => boolean,
  ) {
    this.items = new Int32Array(capacity);
    this.places = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return this.places[slot] !== -1;
  }

  /** The first slot; -1 when empty. */
  peek(): number {
    return this.count === 0 ? -1 : (this.items[0] as number);
  }

  /** Adds a slot that is absent; a present one is left where it is. */
  push(slot: number): void {
    if (this.places[slot] !== -1) return;
    const i = this.count++;
    this.items[i] = slot;
    this.places[slot] = i;
    this.up(i);
  }

  /** Restores the order after `slot`'s priority changed, in either direction; an absent slot is ignored. */
  update(slot: number): void {
    const i = this.places[slot] as number;
    if (i < 0) return;
    this.down(this.up(i));
  }

  remove(slot: number): void {
    const i = this.places[slot] as number;
    if (i < 0) return;
    this.places[slot] = -1;
    const last = this.items[--this.count] as number;
    if (i === this.count) return;
    this.items[i] = last;
    this.places[last] = i;
    this.down(this.up(i));
  }

  /**
   * The first slot that `match` accepts, or -1. Visits slots in ascending
   * order (best first down the tree, so O(k log k) for k rejected slots) and
   * stops at the first accepted; `match` must not modify the heap.
   */
  find(match: (slot: number) => boolean): number {
    if (this.count === 0) return -1;
    const root = this.items[0] as number;
    return match(root) ? root : this.findBelowRoot(match);
  }

  /** The rest of `find`, apart: its closure would make every call allocate a context, the first choice fitting or not. */
  private findBelowRoot(match: (slot: number) => boolean): number {
    const items = this.items;
    // Positions not yet visited whose parent was rejected, kept in order: rare (the first choice fits), so a plain sorted insert.
    const frontier: number[] = [];
    const enqueue = (at: number): void => {
      if (at >= this.count) return;
      let k = frontier.length;
      frontier.push(at);
      while (k > 0 && this.less(items[frontier[k - 1] as number] as number, items[at] as number)) {
        frontier[k] = frontier[k - 1] as number;
        k--;
      }
      frontier[k] = at;
    };
    enqueue(1);
    enqueue(2);
    for (let at = frontier.pop(); at !== undefined; at = frontier.pop()) {
      const slot = items[at] as number;
      if (match(slot)) return slot;
      enqueue(2 * at + 1);
      enqueue(2 * at + 2);
    }
    return -1;
  }

  private up(i: number): number {
    const items = this.items;
    const places = this.places;
    const slot = items[i] as number;
    while (i > 0) {
      const parentAt = (i - 1) >> 1;
      const parent = items[parentAt] as number;
      if (!this.less(slot, parent)) break;
      items[i] = parent;
      places[parent] = i;
      i = parentAt;
    }
    items[i] = slot;
    places[slot] = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const places = this.places;
    const n = this.count;
    const slot = items[i] as number;
    for (;;) {
      let childAt = 2 * i + 1;
      if (childAt >= n) break;
      let child = items[childAt] as number;
      if (childAt + 1 < n) {
        const right = items[childAt + 1] as number;
        if (this.less(right, child)) {
          childAt += 1;
          child = right;
        }
      }
      if (!this.less(child, slot)) break;
      items[i] = child;
      places[child] = i;
      i = childAt;
    }
    items[i] = slot;
    places[slot] = i;
  }
}
