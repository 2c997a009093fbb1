import type { HistoryMarker } from "./history-types.js";

/**
 * Markers in time order, at most `capacity`: the oldest go first. Process
 * markers (start, reload) and key state markers are kept apart, so that a
 * flapping key cannot push the last restart out of sight.
 */
export class MarkerLog {
  private readonly entries: HistoryMarker[] = [];

  constructor(readonly capacity: number) {}

  add(marker: HistoryMarker): void {
    this.entries.push(marker);
    // Dropping in halves keeps adding amortised O(1) without a ring's bookkeeping.
    if (this.entries.length > this.capacity * 2) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Markers with from <= at < to that pass `keep`, the newest `capacity` at most. */
  between(from: number, to: number, keep: (m: HistoryMarker) => boolean): HistoryMarker[] {
    const start = Math.max(0, this.entries.length - this.capacity);
    return this.entries.slice(start).filter((m) => m.at >= from && m.at < to && keep(m));
  }
}
