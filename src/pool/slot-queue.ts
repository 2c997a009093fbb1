/**
 * Slot numbers in the order they were added, with the time each is to be
 * forgotten, in a ring that doubles when full: what is due is found at the
 * head, and pushing and shifting allocate nothing once the ring is large enough.
 */
export class SlotQueue {
  private slots = new Int32Array(1024);
  private times = new Float64Array(1024);
  private head = 0;
  private length = 0;

  push(slot: number, forgetAt: number): void {
    if (this.length === this.slots.length) this.grow();
    const i = (this.head + this.length) & (this.slots.length - 1);
    this.slots[i] = slot;
    this.times[i] = forgetAt;
    this.length += 1;
  }

  /** The head's slot; -1 when the queue is empty. */
  peek(): number {
    return this.length === 0 ? -1 : (this.slots[this.head] as number);
  }

  /** When the head is to be forgotten; Infinity when the queue is empty. */
  peekTime(): number {
    return this.length === 0 ? Infinity : (this.times[this.head] as number);
  }

  shift(): void {
    if (this.length === 0) return;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.length -= 1;
  }

  private grow(): void {
    const n = this.slots.length;
    const slots = new Int32Array(n * 2);
    const times = new Float64Array(n * 2);
    for (let k = 0; k < this.length; k++) {
      slots[k] = this.slots[(this.head + k) & (n - 1)] as number;
      times[k] = this.times[(this.head + k) & (n - 1)] as number;
    }
    this.slots = slots;
    this.times = times;
    this.head = 0;
  }
}
