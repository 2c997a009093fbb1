import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { KeyStateName } from "../../pool/types.js";
import { FIELDS } from "./bucket-fields.js";
import type { SeriesIndex, SeriesRow, SidecarBucket } from "./fleet-history-source.js";
import type { HistoryMarker, HistoryMarkerKind } from "./history-types.js";

/**
 * How a sidecar's history is written to the shared store, as text fields of
 * one record: "at" (when it last wrote), "meta" (who, since when, its
 * markers and which series it holds) and one field per ring slot,
 * "<ring>:<slot>", holding that slot's bucket number and the non-empty rows
 * of every series in it. Slots are reused round-robin, as in memory, so a
 * record never holds more buckets than the rings do; a reader ignores a slot
 * whose bucket number is not the one it asked for. Key ids, models and
 * counters only: nothing here can carry a secret. "meta" and the slots are
 * JSON, deflated and in base64: rows of similar counters under repeated
 * names shrink about fourfold, and the store and every reader carry that
 * much less.
 */

export const AT_FIELD = "at";
export const META_FIELD = "meta";
const VERSION = 1;

/** One record per process: a sidecar restarted under the same host name and pid (pid 1 in a container) starts a new one. */
export function recordName(sidecar: string, recordingSince: number): string {
  return `${sidecar}@${recordingSince}`;
}

export function slotField(ring: number, slot: number): string {
  return `${ring}:${slot}`;
}

export interface HistoryMeta {
  readonly sidecar: string;
  readonly recordingSince: number;
  readonly markers: readonly HistoryMarker[];
  readonly index: SeriesIndex;
}

type WireMarker = [number, HistoryMarkerKind, string, string, string, number, string, string];

export function encodeMeta(m: HistoryMeta): string {
  const markers = m.markers.map((k): WireMarker => [k.at, k.kind, k.provider, k.keyId, k.keyState ?? "", k.configGeneration, k.detail, k.changedBy]);
  return pack(JSON.stringify({ v: VERSION, sidecar: m.sidecar, since: m.recordingSince, markers, index: m.index }));
}

/** Undefined for anything this version did not write: another version's record is skipped, never a failed query. */
export function decodeMeta(text: string): HistoryMeta | undefined {
  const v = parse(unpack(text));
  if (!isObject(v) || v["v"] !== VERSION || typeof v["sidecar"] !== "string" || typeof v["since"] !== "number") return undefined;
  const { markers, index } = v;
  if (!Array.isArray(markers) || !isIndex(index)) return undefined;
  const sidecar = v["sidecar"];
  const out: HistoryMarker[] = [];
  for (const k of markers) {
    if (!Array.isArray(k) || k.length !== 8 || typeof k[0] !== "number" || typeof k[5] !== "number") return undefined;
    if (![1, 2, 3, 4, 6, 7].every((i) => typeof k[i] === "string")) return undefined;
    const [at, kind, provider, keyId, keyState, configGeneration, detail, changedBy] = k as WireMarker;
    if (kind !== "start" && kind !== "reload" && kind !== "key_state") return undefined;
    out.push({ at, kind, provider, keyId, keyState: keyState === "" ? undefined : (keyState as KeyStateName), configGeneration, detail, changedBy, sidecar });
  }
  return { sidecar, recordingSince: v["since"], markers: out, index };
}

/** A bucket's rows; trailing zero counters are left out (the latency bins of a bucket without reports). */
export function encodeBucket(b: SidecarBucket): string {
  const rows = b.rows.map((r) => {
    let end = r.counters.length;
    while (end > 0 && r.counters[end - 1] === 0) end--;
    return [r.provider, r.keyId, r.model, ...r.counters.slice(0, end)];
  });
  return pack(JSON.stringify([b.n, ...rows]));
}

export function decodeBucket(text: string): SidecarBucket | undefined {
  const v = parse(unpack(text));
  if (!Array.isArray(v) || typeof v[0] !== "number") return undefined;
  const rows: SeriesRow[] = [];
  for (const r of v.slice(1)) {
    if (!Array.isArray(r) || r.length > FIELDS + 2 || typeof r[0] !== "string" || typeof r[1] !== "string" || typeof r[2] !== "string") return undefined;
    const counters = r.slice(3);
    if (!counters.every((c) => typeof c === "number" && c >= 0)) return undefined;
    while (counters.length < FIELDS - 1) counters.push(0);
    rows.push({ provider: r[0], keyId: r[1], model: r[2], counters: counters as number[] });
  }
  return { n: v[0], rows };
}

/** Largest text a field may unpack to: far above any real bucket, and a bound on what a corrupt value can cost. */
const MAX_UNPACKED = 16 * 1024 * 1024;

function pack(json: string): string {
  return deflateRawSync(json).toString("base64");
}

/** A field's JSON text; "" for a value that is not a packed field. */
export function unpack(value: string): string {
  try {
    return inflateRawSync(Buffer.from(value, "base64"), { maxOutputLength: MAX_UNPACKED }).toString("utf8");
  } catch {
    return "";
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isIndex(v: unknown): v is SeriesIndex {
  const strings = (a: unknown) => Array.isArray(a) && a.every((m) => typeof m === "string");
  return isObject(v) && Object.values(v).every((p) => isObject(p) && strings(p["models"]) && isObject(p["keys"]) && Object.values(p["keys"]).every(strings));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * How long a record outlives its sidecar's last write: the day the longest
 * ring covers, and an hour's margin so that a sidecar that stopped is still
 * seen over the whole day range.
 */
export const RECORD_TTL_MS = 25 * 3_600_000;
