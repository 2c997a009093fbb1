import type { SimulatorBackgroundLoad } from "./types.js";

/**
 * Traffic from outside (a notebook, another service) on a key: requests
 * arriving evenly at `rpm` per window, generated lazily up to the current
 * time by the simulator's clock, so runs are exact and need no timers.
 */
export class BackgroundLoad {
  private startAt: number | undefined;
  /** Arrivals offered so far; the next one is at startAt + arrivals * windowMs / rpm. */
  private arrivals = 0;

  constructor(
    readonly load: SimulatorBackgroundLoad,
    private readonly windowMs: number,
    /** How far back arrivals still matter: older ones have left every window. */
    private readonly horizonMs: number,
  ) {}

  /** Offers every arrival due by `now` to `arrive`, in time order. */
  catchUp(now: number, arrive: (at: number) => void): void {
    if (this.load.rpm <= 0) return;
    this.startAt ??= now;
    const start = this.startAt;
    // Computed from the start rather than summed, so that no rounding drift builds up.
    const at = (n: number) => start + (n * this.windowMs) / this.load.rpm;
    const oldest = Math.ceil(((now - this.horizonMs - start) * this.load.rpm) / this.windowMs);
    if (oldest > this.arrivals) this.arrivals = oldest;
    while (at(this.arrivals) <= now) arrive(at(this.arrivals++));
  }
}
