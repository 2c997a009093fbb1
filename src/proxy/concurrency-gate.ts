/** Counts requests in flight against a limit; entering beyond it is refused, never queued. */
export class ConcurrencyGate {
  private active = 0;

  constructor(readonly limit: number) {}

  /** Takes a slot; false when all are taken. */
  tryEnter(): boolean {
    if (this.active >= this.limit) return false;
    this.active += 1;
    return true;
  }

  /** Gives a slot back; call once per successful tryEnter. */
  leave(): void {
    if (this.active > 0) this.active -= 1;
  }

  get inFlight(): number {
    return this.active;
  }
}
