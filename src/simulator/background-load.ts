import type { SimulatorBackgroundLoad } from "./types.js";

/**
 * Traffic from outside (a notebook, another service) on a key: requests
 * arriving evenly at `rpm` per window, generated lazily up to the current
 * time by the simulator's clock, so runs are exact and need no timers.
 */
export class BackgroundLoad {
  private nextAt: number | undefined;

  constructor(
    readonly load: SimulatorBackgroundLoad,
    private readonly windowMs: number,
    /** How far back arrivals still matter: older ones have left every window. */
    private readonly horizonMs: number,
  ) {}

  /** Offers every arrival due by `now` to `arrive`, in time order. */
  catchUp(now: number, arrive: (at: number) => void): void {
    if (this.load.rpm <= 0) return;
    const spacing = this.windowMs / this.load.rpm;
    this.nextAt ??= now;
    if (this.nextAt < now - this.horizonMs) this.nextAt += Math.floor((now - this.horizonMs - this.nextAt) / spacing + 1) * spacing;
    while (this.nextAt <= now) {
      arrive(this.nextAt);
      this.nextAt += spacing;
    }
  }
}
