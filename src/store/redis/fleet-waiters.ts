import type { Clock, TimerHandle } from "../../clock/clock.js";

/** A pending wake-up of one waiting acquisition. */
interface Sleeper {
  wake: () => void;
}

/**
 * Acquisitions of one provider waiting for capacity anywhere in the fleet.
 * A waiter sleeps until a sidecar announces freed capacity (pub/sub), its
 * own retry time, or a fallback poll, whichever comes first, then tries
 * again with a script; the store decides, so waking too often costs a round
 * trip, never a wrong lease.
 */
export class FleetWaiters {
  private readonly sleepers = new Set<Sleeper>();

  constructor(private readonly clock: Clock) {}

  get length(): number {
    return this.sleepers.size;
  }

  /** Resolves after `ms`, on a wake-up, or when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const sleeper: Sleeper = {
        wake: () => {
          if (!this.sleepers.delete(sleeper)) return;
          if (timer !== undefined) this.clock.clearTimer(timer);
          signal?.removeEventListener("abort", sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      timer = this.clock.setTimer(sleeper.wake, Math.max(1, ms));
      signal?.addEventListener("abort", sleeper.wake, { once: true });
    });
  }

  /** Capacity may have returned: every waiter tries again. */
  wakeAll(): void {
    for (const s of [...this.sleepers]) s.wake();
  }
}
