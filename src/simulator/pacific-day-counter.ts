import { nextPacificMidnight } from "../provider-http/rate-limits/pacific-midnight.js";

/**
 * Requests of the current calendar day in Los Angeles, as Gemini counts its
 * per-day quotas: everything is forgotten at midnight Pacific. The same
 * methods as a SlidingWindow, so a day limit can use either.
 */
export class PacificDayCounter {
  private count = 0;
  private resetAt: number | undefined;

  used(now: number): number {
    this.roll(now);
    return this.count;
  }

  /** 0 if `amount` fits under `limit`, the time until midnight if it does not, undefined if it never can. */
  waitFor(now: number, amount: number, limit: number): number | undefined {
    if (amount > limit) return undefined;
    this.roll(now);
    return this.count + amount <= limit ? 0 : (this.resetAt ?? now) - now;
  }

  add(now: number, amount: number): void {
    this.roll(now);
    this.count += amount;
  }

  clear(): void {
    this.count = 0;
    this.resetAt = undefined;
  }

  private roll(now: number): void {
    if (this.resetAt !== undefined && now < this.resetAt) return;
    this.count = 0;
    this.resetAt = nextPacificMidnight(now);
  }
}
