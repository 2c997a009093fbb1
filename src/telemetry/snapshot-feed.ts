/** Shortest and longest time between snapshots a subscriber may ask for. */
export const MIN_STATS_INTERVAL_MS = 100;
export const MAX_STATS_INTERVAL_MS = 60_000;
export const DEFAULT_STATS_INTERVAL_MS = 1_000;

export interface SnapshotFeedOptions<T> {
  readonly intervalMs: number;
  /** Builds the message to send now (a fresh snapshot). */
  build(): T;
  /**
   * Hands one message to the transport; `flushed` is called once the transport
   * has taken it (the peer's flow control let it out). Until then no other
   * message is built for this subscriber.
   */
  send(message: T, flushed: () => void): void;
  /** Building or sending failed; the feed has stopped. */
  onError(err: unknown): void;
}

/**
 * Paces snapshots to one subscriber: one at once, then one per interval. At
 * most one message is ever in the transport's hands: when a tick finds the
 * previous one still unflushed (a slow or stalled reader), it is skipped and
 * the reader gets a fresh snapshot as soon as it catches up. A slow reader
 * therefore always sees the latest state and costs a bounded amount of memory,
 * and it does not slow anyone else down. Pacing is wall-clock time (the
 * injected clock only dates the snapshots), so that a frozen test clock does
 * not freeze the stream.
 */
export class SnapshotFeed<T> {
  /** Messages handed to the transport. */
  sent = 0;
  /** Ticks skipped because the previous message had not been flushed yet. */
  skipped = 0;
  private pending = false;
  private stale = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SnapshotFeedOptions<T>) {}

  start(): void {
    this.push();
    if (this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    // A stats subscriber alone must not keep a finished process alive.
    this.timer.unref();
  }

  /** True while the last message is still with the transport. */
  get waitingForFlush(): boolean {
    return this.pending;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.pending) {
      this.stale = true;
      this.skipped += 1;
      return;
    }
    this.push();
  }

  private push(): void {
    if (this.stopped) return;
    this.pending = true;
    this.stale = false;
    try {
      const message = this.options.build();
      this.sent += 1;
      this.options.send(message, () => {
        this.pending = false;
        if (this.stale) this.push();
      });
    } catch (err) {
      this.stop();
      this.options.onError(err);
    }
  }
}
