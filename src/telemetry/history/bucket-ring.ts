import { F, FIELDS, MAX_COUNTER } from "./bucket-fields.js";

/**
 * A fixed number of buckets of one width, reused round-robin: bucket number
 * n (time / width) lives in slot n mod slots, and a slot still holding an
 * older bucket number is cleared when time reaches it. No timers: time
 * moves only with the events recorded and the reads made.
 */
export class BucketRing {
  readonly rows: Uint32Array;

  constructor(
    readonly widthMs: number,
    readonly slots: number,
  ) {
    this.rows = new Uint32Array(slots * FIELDS);
  }

  /** A ring of the same width and buckets, its own copy of the counters. */
  copy(): BucketRing {
    const ring = new BucketRing(this.widthMs, this.slots);
    ring.rows.set(this.rows);
    return ring;
  }

  /** Bytes this ring holds, whatever the traffic. */
  static bytes(slots: number): number {
    return slots * FIELDS * Uint32Array.BYTES_PER_ELEMENT;
  }

  /** Adds `amount` to counter `field` of the bucket containing `at`. */
  add(at: number, field: number, amount: number): void {
    const offset = this.rowFor(at);
    if (offset < 0) return;
    this.rows[offset + field] = Math.min(MAX_COUNTER, (this.rows[offset + field] ?? 0) + Math.max(0, Math.round(amount)));
  }

  /** Raises counter `field` of the bucket containing `at` to at least `value`. */
  raise(at: number, field: number, value: number): void {
    const offset = this.rowFor(at);
    if (offset < 0) return;
    this.rows[offset + field] = Math.min(MAX_COUNTER, Math.max(this.rows[offset + field] ?? 0, Math.round(value)));
  }

  /**
   * Adds another sidecar's counters (FIELDS - 1 of them, no epoch) to bucket
   * number `n`: sums, but the largest latency is the largest of both.
   */
  merge(n: number, counters: readonly number[]): void {
    const offset = this.rowFor(n * this.widthMs);
    if (offset < 0) return;
    for (let f = 1; f < FIELDS; f++) {
      const v = counters[f - 1] ?? 0;
      const held = this.rows[offset + f] ?? 0;
      this.rows[offset + f] = f === F.latencyMaxMs ? Math.max(held, v) : Math.min(MAX_COUNTER, held + v);
    }
  }

  /** Row offset of bucket number `n`, or -1 when the ring no longer (or not yet) holds it. */
  offsetOf(n: number): number {
    const offset = (n % this.slots) * FIELDS;
    return this.rows[offset + F.epoch] === n + 1 ? offset : -1;
  }

  /**
   * The row for the bucket containing `at`, cleared if it held an older
   * bucket. -1 when the slot already holds a newer bucket: the time is older
   * than the ring keeps (a clock that stepped back), and is dropped.
   */
  private rowFor(at: number): number {
    const n = Math.floor(at / this.widthMs);
    const offset = (n % this.slots) * FIELDS;
    const held = this.rows[offset + F.epoch] ?? 0;
    if (held === n + 1) return offset;
    if (held > n + 1) return -1;
    this.rows.fill(0, offset, offset + FIELDS);
    this.rows[offset + F.epoch] = n + 1;
    return offset;
  }
}
