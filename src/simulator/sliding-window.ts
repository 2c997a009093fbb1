/**
 * A sliding-window log: each accepted event is kept with its arrival time and
 * amount, and counts in every interval of `lengthMs` that contains it, i.e.
 * from its arrival until `arrival + lengthMs` (exclusive). No calendar buckets.
 */
export class SlidingWindow {
  private times: number[] = [];
  private amounts: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(readonly lengthMs: number) {}

  /** Total amount counted at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.sum;
  }

  /**
   * Milliseconds from `now` until the amount counted leaves room for `amount`
   * under `limit`: 0 if it fits already, undefined if it never can.
   */
  waitFor(now: number, amount: number, limit: number): number | undefined {
    if (amount > limit) return undefined;
    this.prune(now);
    let excess = this.sum + amount - limit;
    if (excess <= 0) return 0;
    for (let i = this.head; i < this.times.length; i++) {
      excess -= this.amounts[i] ?? 0;
      if (excess <= 0) return (this.times[i] ?? now) + this.lengthMs - now;
    }
    return undefined;
  }

  /** Milliseconds from `now` until nothing is counted any more. */
  untilEmpty(now: number): number {
    this.prune(now);
    const last = this.times[this.times.length - 1];
    return last === undefined ? 0 : last + this.lengthMs - now;
  }

  /** Counts `amount` arriving at `now` (times must not go backwards). */
  add(now: number, amount: number): void {
    this.prune(now);
    const last = this.times[this.times.length - 1];
    this.times.push(last !== undefined && now < last ? last : now);
    this.amounts.push(amount);
    this.sum += amount;
  }

  clear(): void {
    this.times = [];
    this.amounts = [];
    this.head = 0;
    this.sum = 0;
  }

  private prune(now: number): void {
    const cutoff = now - this.lengthMs;
    while (this.head < this.times.length && (this.times[this.head] ?? Infinity) <= cutoff) {
      this.sum -= this.amounts[this.head] ?? 0;
      this.head++;
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.amounts = this.amounts.slice(this.head);
      this.head = 0;
    }
  }
}
