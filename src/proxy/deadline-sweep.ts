/** One armed deadline; `at` may be moved (a body's idle limit moves with each chunk). */
export interface Deadline {
  /** performance.now() time; Infinity holds it (time spent waiting for a slow client does not count). */
  at: number;
  readonly onExpire: () => void;
}

/**
 * Every proxied request's deadlines on one timer: the time to an answer's
 * headers, the idle limit of a body. A timer per request (armed, refreshed on
 * every chunk, cleared) costs more than the request's own work at a few
 * thousand requests a second; here arming is a set insertion, and one
 * interval checks them all every `resolutionMs` while any is armed, so a
 * deadline fires at most that much late. The interval is unref'd: it never
 * holds the process open.
 */
export class DeadlineSweep {
  private readonly armed = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly resolutionMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `onExpire` once `at` has passed, unless disarmed first. */
  arm(at: number, onExpire: () => void): Deadline {
    const deadline: Deadline = { at, onExpire };
    this.armed.add(deadline);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.expire(this.now()), this.resolutionMs);
      this.timer.unref();
    }
    return deadline;
  }

  disarm(deadline: Deadline): void {
    this.armed.delete(deadline);
  }

  /** Fires and removes every deadline due at `now`; the interval stops once none is armed (it calls this). */
  expire(now: number): void {
    for (const deadline of this.armed) {
      if (deadline.at > now) continue;
      this.armed.delete(deadline);
      deadline.onExpire();
    }
    if (this.armed.size === 0) this.stop();
  }

  get size(): number {
    return this.armed.size;
  }

  /** Stops the interval (armed deadlines stay, and restart it when another is armed). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
