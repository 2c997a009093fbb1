import type { Clock, TimerHandle } from "../../clock/clock.js";
import { MinHeap, type HeapHandle } from "../../pool/min-heap.js";

/** Its own handle in the heap: one object per deadline, where a separate handle made two. */
class Deadline<T> implements HeapHandle<Deadline<T>> {
  readonly value: Deadline<T> = this;
  index = -1;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly item: T,
  ) {}
}

/** Cancels a deadline; doing so twice, or after it came due, does nothing. */
export type DeadlineHandle = { readonly __deadline: unique symbol };

/**
 * Many deadlines (lease TTLs, cooldown ends) behind one clock timer, set for
 * the earliest. Adding a later deadline or cancelling one leaves the timer
 * alone, even the last one: a timer that finds nothing due sets itself for
 * the next, or for nothing. One lease at a time (add, then cancel, over and
 * over) thus costs one timer per lease TTL instead of setting and clearing
 * one per lease. Deadlines due at the same time come out in the order they
 * were added.
 */
export class DeadlineScheduler<T> {
  private readonly heap = new MinHeap<Deadline<T>>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  private timer: TimerHandle | undefined;
  private armedAt = Infinity;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (item: T) => void,
  ) {}

  add(item: T, at: number): DeadlineHandle {
    const handle = this.heap.insert(new Deadline(at, this.seq++, item));
    if (at < this.armedAt) this.arm(at);
    return handle as unknown as DeadlineHandle;
  }

  cancel(handle: DeadlineHandle): void {
    this.heap.remove(handle as unknown as Deadline<T>);
  }

  get size(): number {
    return this.heap.size;
  }

  close(): void {
    this.closed = true;
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private arm(at: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.armedAt = at;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    for (let next = this.heap.peek(); next !== undefined && next.at <= now; next = this.heap.peek()) {
      this.heap.pop();
      this.onDue(next.item);
    }
    const next = this.heap.peek();
    if (next !== undefined && next.at < this.armedAt) this.arm(next.at);
  }
}
