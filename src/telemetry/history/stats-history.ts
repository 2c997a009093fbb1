import type { Clock } from "../../clock/clock.js";
import { notFound } from "../../protocol/keypool-error.js";
import type { KeyStateName } from "../../pool/types.js";
import { F, FIELDS, latencyBin, outcomeField, type BucketOutcome } from "./bucket-fields.js";
import type { BucketRing } from "./bucket-ring.js";
import type { FleetHistorySource, FleetWindow, SeriesIndex, SeriesRow, SidecarHistory } from "./fleet-history-source.js";
import { MarkerLog } from "./history-markers.js";
import type { HistoryQuery } from "./history-query.js";
import { HistorySeries, MAX_RETENTION_MS, RESOLUTIONS, SERIES_BYTES } from "./history-series.js";
import type { HistoryDirectory, HistoryMarker, HistoryResult } from "./history-types.js";
import type { HistoryMeta } from "./history-wire.js";
import { othersKnowKey, othersMarkers, othersModels, othersRing } from "./merge-sidecars.js";
import { readBuckets } from "./read-buckets.js";

/** Models with their own history per provider by default; a provider's keys share the list. */
export const DEFAULT_MAX_MODELS = 8;
const PROCESS_MARKERS = 256;
const KEY_STATE_MARKERS = 2_048;

/**
 * The most one key can cost: its own series and one per tracked model of
 * its provider. Keys without traffic in the last day cost nothing.
 */
export function keyBytesBound(maxModels = DEFAULT_MAX_MODELS): number {
  return (1 + maxModels) * SERIES_BYTES;
}

interface KeyHistory {
  readonly series: HistorySeries;
  readonly models: Map<string, HistorySeries>;
  /**
   * The model whose series is the key's own series object, while every event
   * of the key has been that model's: a key used with one model (the common
   * case) holds one series for both, not two equal ones. The first event of
   * anything else gives the model a copy of its own.
   */
  sharedWith: string | undefined;
}

interface ProviderHistory {
  readonly series: HistorySeries;
  readonly keys: Map<string, KeyHistory>;
  /** Models in first-seen order; beyond the limit a model counts in its key and provider only. */
  readonly models: string[];
}

export interface StatsHistoryOptions {
  readonly clock: Clock;
  /** Models with their own history per provider (default 8). */
  readonly maxModels?: number | undefined;
  /** Configuration generation at the start. */
  readonly configGeneration?: number | undefined;
  /** When recording began; default: now. */
  readonly recordingSince?: number | undefined;
  /** This sidecar's name in a fleet (host name and process id), carried by its markers. */
  readonly sidecar?: string | undefined;
  /** The other sidecars' histories (the shared store's); without it the history is this process's alone. */
  readonly fleet?: FleetHistorySource | undefined;
}

/** The other sidecars' part of a query: their histories, or why they could not be read. */
export interface FleetPart {
  readonly others: readonly SidecarHistory[];
  /** "" when they were read. */
  readonly unavailable: string;
}

const NO_FLEET: FleetPart = { others: [], unavailable: "" };

/**
 * What happened in this process, per provider, per key and per (key, model),
 * in fixed buckets: 10 s for the last hour, 5 min for the last day. Memory
 * is bounded by construction: a series is a fixed block of counters
 * (SERIES_BYTES), at most keyBytesBound() per key, and series without
 * events for a day are dropped. The process start and every reload are
 * markers, so a restart shows as "restart at T" and not as a silent drop.
 * No timers: buckets roll over as time is read from the clock.
 */
export class StatsHistory {
  readonly recordingSince: number;
  readonly maxModels: number;
  readonly sidecar: string;
  private readonly clock: Clock;
  private readonly fleet: FleetHistorySource | undefined;
  /** Counts additions of series and markers, so a writer knows when what it wrote of them is out of date. */
  private changeCount = 0;
  private readonly providers = new Map<string, ProviderHistory>();
  private readonly processMarkers = new MarkerLog(PROCESS_MARKERS);
  private readonly keyMarkers = new MarkerLog(KEY_STATE_MARKERS);
  private generation: number;
  private lastPrune: number;
  private readonly eventSeries: HistorySeries[] = [];

  constructor(options: StatsHistoryOptions) {
    this.clock = options.clock;
    this.maxModels = options.maxModels ?? DEFAULT_MAX_MODELS;
    this.generation = options.configGeneration ?? 0;
    this.sidecar = options.sidecar ?? "";
    this.fleet = options.fleet;
    this.recordingSince = options.recordingSince ?? this.clock.now();
    this.lastPrune = this.recordingSince;
    const where = this.sidecar === "" ? "" : ` on ${this.sidecar}`;
    this.processMarkers.add(this.marker("start", "", "", undefined, `keypool started${where}; nothing before this is in its history`));
  }

  /** A lease was granted, after waiting `waitedMs`. */
  recordAcquired(provider: string, keyId: string, model: string, waitedMs: number): void {
    const now = this.now();
    for (const s of this.seriesFor(provider, keyId, model)) {
      s.add(now, F.requests, 1);
      if (waitedMs > 0) {
        s.add(now, F.waits, 1);
        s.add(now, F.waitMs, waitedMs);
      }
    }
  }

  /** An acquisition was refused; a refusal has no key. */
  recordRefused(provider: string): void {
    this.providerHistory(provider).series.add(this.now(), F.refusals, 1);
  }

  /** A lease ended with a report, or expired unreported (outcome "expired"). */
  recordEnded(
    provider: string,
    keyId: string,
    model: string,
    outcome: BucketOutcome,
    promptTokens = 0,
    completionTokens = 0,
    latencyMs?: number,
  ): void {
    const now = this.now();
    for (const s of this.seriesFor(provider, keyId, model)) {
      s.add(now, outcomeField(outcome), 1);
      if (promptTokens > 0) s.add(now, F.promptTokens, promptTokens);
      if (completionTokens > 0) s.add(now, F.completionTokens, completionTokens);
      if (latencyMs !== undefined && Number.isFinite(latencyMs) && latencyMs >= 0) {
        s.add(now, F.latency + latencyBin(latencyMs), 1);
        s.raise(now, F.latencyMaxMs, latencyMs);
      }
    }
  }

  recordKeyState(provider: string, keyId: string, to: KeyStateName, detail: string, changedBy: string): void {
    this.keyMarkers.add(this.marker("key_state", provider, keyId, to, detail, changedBy));
    this.changeCount++;
  }

  /** A reload that applied a new configuration generation. */
  recordReload(generation: number, detail: string): void {
    this.generation = generation;
    this.processMarkers.add(this.marker("reload", "", "", undefined, detail));
    this.changeCount++;
  }

  /**
   * The history a query selects, the fleet's when the history has a fleet
   * source: this sidecar's own rings and every other sidecar's last written
   * ones, summed bucket by bucket. A store that cannot be read leaves the
   * answer this sidecar's alone, saying why: the query never fails for it.
   */
  async query(q: HistoryQuery, directory: HistoryDirectory): Promise<HistoryResult> {
    if (this.fleet === undefined) return this.read(q, directory);
    let fleet: FleetPart;
    try {
      fleet = { others: await this.fleet.others(this.window(q, this.clock.now())), unavailable: "" };
    } catch (err) {
      fleet = { others: [], unavailable: `the other sidecars' history could not be read: ${err instanceof Error ? err.message : String(err)}` };
    }
    return this.read(q, directory, fleet);
  }

  /**
   * The history a query selects, with the other sidecars' part given. NOT_FOUND
   * for a provider that is not configured, a key the provider has neither
   * configured nor recorded on any sidecar, and a model without its own
   * history in the selection.
   */
  read(q: HistoryQuery, directory: HistoryDirectory, fleet: FleetPart = NO_FLEET): HistoryResult {
    const now = this.now();
    const { others } = fleet;
    if (!directory.providerNames().includes(q.provider) && !this.providers.has(q.provider) && !others.some((o) => Object.hasOwn(o.index, q.provider))) {
      throw notFound(`provider: not configured (configured: ${directory.providerNames().join(", ") || "none"})`);
    }
    const configured = directory.keysOf(q.provider);
    const ph = this.providers.get(q.provider);
    const kh = q.keyId === "" ? undefined : ph?.keys.get(q.keyId);
    if (q.keyId !== "" && kh === undefined && !configured.has(q.keyId) && !othersKnowKey(others, q.provider, q.keyId)) {
      throw notFound(`key: not a key of provider ${q.provider}`);
    }
    const keys = q.keyId === "" ? [...(ph?.keys.values() ?? [])] : kh === undefined ? [] : [kh];
    const own = q.keyId === "" ? (ph?.models ?? []) : [...(kh?.models.keys() ?? [])];
    const models = [...new Set([...own, ...othersModels(others, q.provider, q.keyId)])];
    let series: HistorySeries[];
    if (q.model !== "") {
      if (!models.includes(q.model)) {
        throw notFound(
          `model: no history in this selection (models with history: ${models.map(quote).join(", ") || "none"}; at most ${this.maxModels} per provider)`,
        );
      }
      series = keys.map((k) => k.models.get(q.model)).filter((s) => s !== undefined);
    } else if (q.keyId !== "") {
      series = kh === undefined ? [] : [kh.series];
    } else {
      series = ph === undefined ? [] : [ph.series];
    }
    const { ring, rangeStart, rangeEnd } = this.window(q, now);
    const rings: BucketRing[] = series.map((s) => s.rings[ring]).filter((r) => r !== undefined);
    const fromOthers = othersRing(others, q, ring, now);
    if (fromOthers !== undefined) rings.push(fromOthers);
    const recording = [{ from: this.recordingSince, to: Number.POSITIVE_INFINITY }, ...others.map((o) => ({ from: o.recordingSince, to: o.writtenAt }))];
    const buckets = readBuckets(rings, { ring, rangeStart, rangeEnd, resolutionMs: q.resolutionMs, now, recording });
    const ofSelection = (m: HistoryMarker) => m.kind !== "key_state" || (m.provider === q.provider && (q.keyId === "" || m.keyId === q.keyId));
    const markers = [
      ...this.processMarkers.between(rangeStart, rangeEnd, () => true),
      ...this.keyMarkers.between(rangeStart, rangeEnd, ofSelection),
      ...othersMarkers(others, rangeStart, rangeEnd, ofSelection),
    ].sort((a, b) => a.at - b.at);
    return {
      provider: q.provider,
      keyId: q.keyId,
      maskedKey: q.keyId === "" ? "" : (configured.get(q.keyId) ?? ""),
      model: q.model,
      resolutionMs: q.resolutionMs,
      rangeStart,
      rangeEnd,
      recordingSince: Math.min(this.recordingSince, ...others.map((o) => o.recordingSince)),
      sidecars: [this.sidecar, ...others.map((o) => o.sidecar)],
      fleetUnavailable: fleet.unavailable,
      buckets,
      markers,
      models,
    };
  }

  /** The ring a query reads and the range it covers, whole buckets of its resolution ending with the one holding `now`. */
  private window(q: HistoryQuery, now: number): FleetWindow {
    const ring = RESOLUTIONS.findIndex((r) => q.rangeMs <= r.retentionMs);
    const rangeEnd = (Math.floor(now / q.resolutionMs) + 1) * q.resolutionMs;
    const rangeStart = rangeEnd - Math.ceil(q.rangeMs / q.resolutionMs) * q.resolutionMs;
    return { ring, rangeStart, rangeEnd };
  }

  /** Changes to the markers and the set of series so far; equal counts, nothing new to write of them. */
  get changes(): number {
    return this.changeCount;
  }

  /** Who this history is, since when, its markers and the series it holds: what others need besides the buckets. */
  meta(): HistoryMeta {
    const index: Record<string, { models: readonly string[]; keys: Record<string, readonly string[]> }> = {};
    for (const [name, ph] of this.providers) {
      const keys: Record<string, readonly string[]> = {};
      for (const [id, kh] of ph.keys) keys[id] = [...kh.models.keys()];
      index[name] = { models: [...ph.models], keys };
    }
    const markers = [...this.processMarkers.between(-Infinity, Infinity, () => true), ...this.keyMarkers.between(-Infinity, Infinity, () => true)];
    return { sidecar: this.sidecar, recordingSince: this.recordingSince, markers, index: index as SeriesIndex };
  }

  /** The non-empty rows of every series in bucket number `n` of ring `ring`. */
  rowsAt(ring: number, n: number): SeriesRow[] {
    const out: SeriesRow[] = [];
    const take = (provider: string, keyId: string, model: string, s: HistorySeries) => {
      const r = s.rings[ring];
      const offset = r === undefined ? -1 : r.offsetOf(n);
      if (r === undefined || offset < 0) return;
      const counters = Array.from(r.rows.subarray(offset + 1, offset + FIELDS));
      if (counters.some((c) => c !== 0)) out.push({ provider, keyId, model, counters });
    };
    for (const [name, ph] of this.providers) {
      take(name, "", "", ph.series);
      for (const [id, kh] of ph.keys) {
        take(name, id, "", kh.series);
        for (const [model, ms] of kh.models) take(name, id, model, ms);
      }
    }
    return out;
  }

  /** Bytes held by one key's series (its own and its models'). */
  keyBytes(provider: string, keyId: string): number {
    const kh = this.providers.get(provider)?.keys.get(keyId);
    if (kh === undefined) return 0;
    let bytes = kh.series.bytes();
    for (const s of kh.models.values()) if (s !== kh.series) bytes += s.bytes();
    return bytes;
  }

  private now(): number {
    const now = this.clock.now();
    // Once per coarse bucket at most: series silent for a whole retention are dropped.
    if (now - this.lastPrune >= (RESOLUTIONS[RESOLUTIONS.length - 1]?.widthMs ?? MAX_RETENTION_MS)) {
      this.lastPrune = now;
      this.prune(now - MAX_RETENTION_MS);
    }
    return now;
  }

  private prune(before: number): void {
    for (const [name, ph] of this.providers) {
      for (const [id, kh] of ph.keys) if (kh.series.lastAt < before) ph.keys.delete(id);
      if (ph.series.lastAt < before && ph.keys.size === 0) this.providers.delete(name);
    }
    this.changeCount++;
  }

  private providerHistory(provider: string): ProviderHistory {
    let ph = this.providers.get(provider);
    if (ph === undefined) {
      this.providers.set(provider, (ph = { series: new HistorySeries(), keys: new Map(), models: [] }));
      this.changeCount++;
    }
    return ph;
  }

  /**
   * The series an event of (provider, key, model) counts in: the provider's,
   * the key's, and the key's model's when tracked. One array, refilled for
   * each event (every call records two), read at once by the caller.
   */
  private seriesFor(provider: string, keyId: string, model: string): readonly HistorySeries[] {
    const ph = this.providerHistory(provider);
    let kh = ph.keys.get(keyId);
    if (kh === undefined) {
      ph.keys.set(keyId, (kh = { series: new HistorySeries(), models: new Map(), sharedWith: undefined }));
      this.changeCount++;
    }
    const out = this.eventSeries;
    out.length = 0;
    out.push(ph.series, kh.series);
    // An event that is not the sharing model's would count in the key's series and not in that model's.
    if (kh.sharedWith !== undefined && kh.sharedWith !== model) {
      kh.models.set(kh.sharedWith, kh.series.copy());
      kh.sharedWith = undefined;
    }
    if (model === "") return out;
    if (!ph.models.includes(model)) {
      if (ph.models.length >= this.maxModels) return out;
      ph.models.push(model);
    }
    let ms = kh.models.get(model);
    if (ms === undefined) {
      // A key's first event, for a tracked model: the model's series is the key's until the key sees anything else.
      const first = kh.models.size === 0 && kh.series.lastAt === Number.NEGATIVE_INFINITY;
      kh.models.set(model, (ms = first ? kh.series : new HistorySeries()));
      if (first) kh.sharedWith = model;
      this.changeCount++;
    }
    if (ms !== kh.series) out.push(ms);
    return out;
  }

  private marker(
    kind: HistoryMarker["kind"],
    provider: string,
    keyId: string,
    keyState: KeyStateName | undefined,
    detail: string,
    changedBy = "",
  ): HistoryMarker {
    return { at: this.clock.now(), kind, provider, keyId, keyState, configGeneration: this.generation, detail, changedBy, sidecar: this.sidecar };
  }
}

function quote(s: string): string {
  return JSON.stringify(s.slice(0, 64));
}
