/**
 * Time as the pool sees it. Everything time-dependent takes this instead of
 * Date.now()/setTimeout so that limit and cooldown logic can be tested with a
 * manually advanced clock, without sleeping and without fake timers under a
 * live gRPC server.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`; the handle cancels it. */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly __timer: unique symbol;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    // A pending cooldown or lease expiry must not keep a finished process alive.
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};
