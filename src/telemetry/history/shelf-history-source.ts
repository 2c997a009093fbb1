import type { Clock } from "../../clock/clock.js";
import type { FleetHistorySource, FleetWindow, SidecarBucket, SidecarHistory } from "./fleet-history-source.js";
import { RESOLUTIONS } from "./history-series.js";
import type { HistoryShelf } from "./history-shelf.js";
import { AT_FIELD, decodeBucket, decodeMeta, META_FIELD, RECORD_TTL_MS, slotField } from "./history-wire.js";

/**
 * The other sidecars' histories, read from the shelf they write to: only the
 * fields of the ring and range asked for. A record that cannot be understood
 * (another version) is left out rather than failing the query.
 */
export function shelfHistorySource(shelf: HistoryShelf, self: string, clock: Clock): FleetHistorySource {
  return {
    async others(w: FleetWindow): Promise<readonly SidecarHistory[]> {
      const resolution = RESOLUTIONS[w.ring];
      if (resolution === undefined) throw new RangeError(`no ring ${w.ring}`);
      const width = resolution.widthMs;
      const slots = resolution.retentionMs / width;
      const last = Math.ceil(w.rangeEnd / width) - 1;
      const first = Math.max(Math.floor(w.rangeStart / width), last - slots + 1);
      const wanted: number[] = [];
      for (let n = first; n <= last; n++) wanted.push(n);
      const fields = [AT_FIELD, META_FIELD, ...wanted.map((n) => slotField(w.ring, n % slots))];
      const records = await shelf.read(fields, clock.now() - RECORD_TTL_MS, self);
      const out: SidecarHistory[] = [];
      for (const { values } of records) {
        const meta = values[1] == null ? undefined : decodeMeta(values[1]);
        const writtenAt = Number(values[0]);
        if (meta === undefined || !Number.isFinite(writtenAt)) continue;
        const buckets: SidecarBucket[] = [];
        wanted.forEach((n, i) => {
          const text = values[i + 2];
          const b = text == null ? undefined : decodeBucket(text);
          // A slot still holding an older bucket, from before the ring came round: not this one.
          if (b !== undefined && b.n === n) buckets.push(b);
        });
        out.push({ sidecar: meta.sidecar, recordingSince: meta.recordingSince, writtenAt, markers: meta.markers, index: meta.index, buckets });
      }
      return out;
    },
  };
}
