import type { Clock, TimerHandle } from "../../clock/clock.js";
import { KeypoolError } from "../../protocol/keypool-error.js";
import type { Lease } from "../../pool/types.js";
import type { NormalizedAcquire } from "../../pool/validate-request.js";

interface Waiter {
  readonly req: NormalizedAcquire;
  readonly enqueuedAt: number;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (err: unknown) => void;
  cleanup: () => void;
}

export interface WaitQueueHooks {
  /** Milliseconds until some key could serve `req` by time alone; Infinity if none ever can. */
  retryDelay(req: NormalizedAcquire, now: number): number;
  /** Leases a key to a waiter if one can serve it now. */
  tryGrant(req: NormalizedAcquire, waitedMs: number): Lease | undefined;
  /** The error for a waiter whose max wait ran out. */
  timedOut(req: NormalizedAcquire): KeypoolError;
}

/**
 * The acquisitions of one provider waiting for a key, first come first
 * served. Capacity that returns by an event is offered through `serve`; one
 * timer wakes the queue when the earliest key frees up by time alone.
 */
export class WaitQueue {
  private waiters: Waiter[] = [];
  private wakeTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly hooks: WaitQueueHooks,
  ) {}

  get length(): number {
    return this.waiters.length;
  }

  /** The waiting acquisitions, oldest first (for statistics). */
  requests(): NormalizedAcquire[] {
    return this.waiters.map((w) => w.req);
  }

  /** Waits until a key is granted, the max wait runs out, or `signal` aborts. */
  enqueue(req: NormalizedAcquire, signal: AbortSignal | undefined): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { req, enqueuedAt: this.clock.now(), resolve, reject, cleanup: () => {} };
      const leave = (err: unknown) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        waiter.cleanup();
        this.scheduleWake();
        reject(err);
      };
      const timer = this.clock.setTimer(() => leave(this.hooks.timedOut(req)), req.maxWaitMs);
      const onAbort = () => leave(new KeypoolError("CANCELLED", "the acquisition was cancelled while waiting"));
      signal?.addEventListener("abort", onAbort, { once: true });
      // One cleanup removes both the timer and the abort listener, whichever ends the wait.
      waiter.cleanup = () => {
        this.clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.waiters.push(waiter);
      this.scheduleWake();
    });
  }

  /** Grants freed capacity to waiters in arrival order; one that cannot use it lets the next try. */
  serve(): void {
    if (this.waiters.length === 0) return;
    const now = this.clock.now();
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i] as Waiter;
      const lease = this.hooks.tryGrant(w.req, now - w.enqueuedAt);
      if (lease === undefined) {
        i += 1;
        continue;
      }
      this.waiters.splice(i, 1);
      w.cleanup();
      w.resolve(lease);
    }
    this.scheduleWake();
  }

  /** Ends every wait with `err` (provider removed, shutdown). */
  rejectAll(err: KeypoolError): void {
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(err);
    }
    this.scheduleWake();
  }

  /** Wakes the waiters when the earliest key frees up by time alone (window slide, cooldown end). */
  private scheduleWake(): void {
    if (this.wakeTimer !== undefined) this.clock.clearTimer(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.waiters.length === 0) return;
    const now = this.clock.now();
    let soonest = Infinity;
    for (const w of this.waiters) soonest = Math.min(soonest, this.hooks.retryDelay(w.req, now));
    if (!Number.isFinite(soonest)) return;
    this.wakeTimer = this.clock.setTimer(() => {
      this.wakeTimer = undefined;
      this.serve();
    }, Math.max(1, soonest));
  }
}
