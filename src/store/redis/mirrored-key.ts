import type { KeyConfig, PoolSettings } from "../../config/types.js";
import { PooledKey, windowSpecs } from "../../pool/pooled-key.js";
import { UsageLog } from "../../pool/usage-log.js";
import { healthFromJson } from "./health-json.js";

/** One key as a script reports it: the fleet's counts and state (see key_view in lua-library.ts). */
export interface KeyView {
  readonly h: string;
  readonly hv: number;
  readonly inflight: number;
  readonly last: number;
  readonly seq: number;
  readonly draining: boolean;
  readonly counters: string;
  /** [requests, tokens] counted now in each window, in the order of windowSpecs. */
  readonly counts: readonly (readonly [number, number])[];
}

/**
 * Window counts as last read from the store: statistics read them like a
 * local log's, but they are the whole fleet's. Nothing is recorded here.
 */
class FleetUsage extends UsageLog {
  counts: readonly (readonly [number, number])[] = [];

  override advance(): void {}

  override requests(i: number): number {
    return this.counts[i]?.[0] ?? 0;
  }

  override usage(i: number): { requests: number; tokens: number } {
    const c = this.counts[i];
    return { requests: c?.[0] ?? 0, tokens: c?.[1] ?? 0 };
  }
}

/**
 * The local view of a key kept in Redis: what statistics, metrics and the
 * dashboard read, refreshed from every script's answer and the periodic
 * read. Decisions never read it; only the health version it carries is used,
 * to compute a report's next health (checked in the store).
 */
export class MirroredKey extends PooledKey {
  private readonly fleet: FleetUsage;
  healthVersion = 0;

  constructor(config: KeyConfig, settings: PoolSettings) {
    super(config, settings);
    this.fleet = new FleetUsage(windowSpecs(config, settings));
  }

  override get usage(): UsageLog {
    return this.fleet;
  }

  override reconfigure(config: KeyConfig, settings: PoolSettings): void {
    super.reconfigure(config, settings);
    this.fleet.setWindows(windowSpecs(config, settings));
  }

  /** [requests, tokens] each window counted when last read, in the order of windowSpecs. */
  get windowCounts(): readonly (readonly [number, number])[] {
    return this.fleet.counts;
  }

  /** Takes in what a script answered about this key. */
  apply(view: KeyView): void {
    this.health = healthFromJson(view.h);
    this.healthVersion = view.hv;
    this.inFlight = view.inflight;
    this.lastUsedAt = view.last < 0 ? -Infinity : view.last;
    this.lastUsedSeq = view.seq;
    this.draining = view.draining;
    this.fleet.counts = view.counts;
    const raw = JSON.parse(view.counters) as Record<string, number>;
    const c = this.counters;
    c.requests = raw.requests ?? 0;
    c.expired = raw.expired ?? 0;
    c.promptTokens = raw.promptTokens ?? 0;
    c.completionTokens = raw.completionTokens ?? 0;
    const byOutcome: Record<string, number> = {};
    for (const [name, n] of Object.entries(raw)) if (name.startsWith("o:")) byOutcome[name.slice(2)] = n;
    c.byOutcome = byOutcome;
    c.successes = byOutcome.success ?? 0;
    c.rateLimited = byOutcome.rate_limited ?? 0;
    c.errors = Object.entries(byOutcome).reduce((acc, [o, n]) => (o === "success" || o === "rate_limited" ? acc : acc + n), 0);
  }
}
