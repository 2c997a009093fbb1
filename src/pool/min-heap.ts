/** A value's place in a `MinHeap`, kept so that the value can be moved or removed without a search. */
export interface HeapHandle<T> {
  readonly value: T;
  /** Position in the heap's array; -1 once removed. */
  index: number;
}

/**
 * A binary min-heap whose members can be repositioned or removed in
 * O(log n) through the handle `push` returns. The priority lives in the
 * values themselves: after changing it, call `update` with the handle.
 */
export class MinHeap<T> {
  private readonly items: HeapHandle<T>[] = [];

  /** `less(a, b)`: a comes before b. It must be a strict total order for `peek` to be deterministic. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0]?.value;
  }

  push(value: T): HeapHandle<T> {
    return this.insert({ value, index: -1 });
  }

  /**
   * Adds a handle made by the caller, not in any heap: a value that is its
   * own handle (`value` pointing back at itself) costs no second object.
   */
  insert<H extends HeapHandle<T>>(handle: H): H {
    handle.index = this.items.length;
    this.items.push(handle);
    this.up(handle.index);
    return handle;
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top?.value;
  }

  /** Restores the order after `handle.value`'s priority changed, in either direction. */
  update(handle: HeapHandle<T>): void {
    if (handle.index < 0) return;
    this.down(this.up(handle.index));
  }

  remove(handle: HeapHandle<T>): void {
    const i = handle.index;
    if (i < 0) return;
    handle.index = -1;
    const last = this.items.pop() as HeapHandle<T>;
    if (i === this.items.length) return;
    this.items[i] = last;
    last.index = i;
    this.down(this.up(i));
  }

  private up(i: number): number {
    const items = this.items;
    const h = items[i] as HeapHandle<T>;
    while (i > 0) {
      const parentAt = (i - 1) >> 1;
      const parent = items[parentAt] as HeapHandle<T>;
      if (!this.less(h.value, parent.value)) break;
      items[i] = parent;
      parent.index = i;
      i = parentAt;
    }
    items[i] = h;
    h.index = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const h = items[i] as HeapHandle<T>;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less((items[right] as HeapHandle<T>).value, (items[child] as HeapHandle<T>).value)) child = right;
      const c = items[child] as HeapHandle<T>;
      if (!this.less(c.value, h.value)) break;
      items[i] = c;
      c.index = i;
      i = child;
    }
    items[i] = h;
    h.index = i;
  }
}
