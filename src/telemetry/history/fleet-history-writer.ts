import type { Clock, TimerHandle } from "../../clock/clock.js";
import { RESOLUTIONS } from "./history-series.js";
import type { HistoryShelf } from "./history-shelf.js";
import { AT_FIELD, encodeBucket, encodeMeta, META_FIELD, RECORD_TTL_MS, recordName, slotField } from "./history-wire.js";
import type { StatsHistory } from "./stats-history.js";

export interface FleetHistoryWriterOptions {
  /** Time between writes; default 5 s. */
  readonly intervalMs?: number | undefined;
  /** A write failed (the first of a run of failures only). */
  readonly onError?: ((message: string) => void) | undefined;
  /** A write succeeded after failures. */
  readonly onRecovered?: (() => void) | undefined;
}

/**
 * Writes this sidecar's history to the shelf every few seconds, and once
 * more when it stops, so that the others can answer for the fleet. Off the
 * request path: a lease never waits for it. Each write carries only the
 * buckets that may have changed since the last one that succeeded (those
 * from its time to now), and the markers and series list when they changed.
 * A store that lost the record gets all of it again with the next write.
 */
export class FleetHistoryWriter {
  readonly record: string;
  private readonly intervalMs: number;
  /** Per ring, the first bucket number not yet known to be written in its final state. */
  private readonly from: number[];
  private metaWritten = -1;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly history: StatsHistory,
    private readonly shelf: HistoryShelf,
    private readonly clock: Clock,
    private readonly options: FleetHistoryWriterOptions = {},
  ) {
    this.record = recordName(history.sidecar, history.recordingSince);
    this.intervalMs = options.intervalMs ?? 5_000;
    this.from = this.fromStart();
  }

  private fromStart(): number[] {
    return RESOLUTIONS.map((r) => Math.floor(this.history.recordingSince / r.widthMs));
  }

  start(): void {
    this.schedule();
  }

  /** Writes what changed; one write at a time (a slow store does not pile them up). */
  flush(): Promise<void> {
    this.running ??= this.write().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and writes once more, so that the record holds everything up to the stop. Never rejects. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    await this.running?.catch(() => undefined);
    await this.flush().catch((err: unknown) => this.failed(err));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      void this.flush()
        .catch((err: unknown) => this.failed(err))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  private failed(err: unknown): void {
    if (!this.failing) this.options.onError?.(err instanceof Error ? err.message : String(err));
    this.failing = true;
  }

  private async write(): Promise<void> {
    const now = this.clock.now();
    const changes = this.history.changes;
    const fields = new Map<string, string>([[AT_FIELD, String(now)]]);
    if (changes !== this.metaWritten) fields.set(META_FIELD, encodeMeta(this.history.meta()));
    const upTo = RESOLUTIONS.map((r, ring) => {
      const slots = r.retentionMs / r.widthMs;
      const last = Math.floor(now / r.widthMs);
      for (let n = Math.max(this.from[ring] ?? last, last - slots + 1); n <= last; n++) {
        const rows = this.history.rowsAt(ring, n);
        if (rows.length > 0) fields.set(slotField(ring, n % slots), encodeBucket({ n, rows }));
      }
      return last;
    });
    const kept = await this.shelf.write(this.record, fields, RECORD_TTL_MS, now);
    if (!kept && this.metaWritten !== -1) {
      // Lost: what this write left out was in the record and is gone with it.
      this.from.splice(0, this.from.length, ...this.fromStart());
      this.metaWritten = -1;
      return this.write();
    }
    // The bucket holding `now` may still grow: the next write starts with it.
    upTo.forEach((n, ring) => (this.from[ring] = n));
    this.metaWritten = changes;
    if (this.failing) this.options.onRecovered?.();
    this.failing = false;
  }
}
