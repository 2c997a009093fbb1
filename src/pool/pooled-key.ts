import type { KeyConfig, PoolSettings } from "../config/types.js";
import { HEALTHY, healthAvailableAt, healthConfigured, healthLeasable, type KeyHealth } from "./key-health.js";
import { awaitsRecheck } from "./key-recheck.js";
import { LatencyWindow } from "./latency-window.js";
import type { QuotaScope } from "./quota-scope.js";
import { Quota } from "./quota.js";
import type { UsageLog, WindowSpec } from "./usage-log.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Lifetime counters of one key, for statistics. */
export interface KeyCounters {
  requests: number;
  successes: number;
  rateLimited: number;
  errors: number;
  expired: number;
  promptTokens: number;
  completionTokens: number;
  byOutcome: Record<string, number>;
}

/**
 * A key as the memory store holds it: its configuration, its usage windows,
 * its open leases and its health. Its state changes only through the
 * transitions in key-transitions.ts (grant, settle, expire, drain); what time
 * alone changes (a window sliding, a cooldown ending) is computed by whoever
 * reads it at their `now`. Replaced wholesale only when a key is removed and
 * added back; a changed limit updates it in place.
 */
export class PooledKey {
  /** Its own windows (general, per model, learned). */
  readonly quota: Quota;
  /** The scope it shares a quota with; undefined: it is its own scope. Set by the store. */
  scope: QuotaScope<PooledKey> | undefined = undefined;
  health: KeyHealth = HEALTHY;
  inFlight = 0;
  lastUsedAt = -Infinity;
  /** Order of last use across the pool; orders keys used within the same millisecond. */
  lastUsedSeq = -1;
  /**
   * Its slot in its provider's key index, written by the index so that an
   * update finds it without a lookup; an index checks it names this key,
   * since a rebuilt index numbers its keys afresh.
   */
  indexSlot = -1;
  draining = false;
  /** True for keys of the first configuration: the lifetime balance ratio compares only those. */
  fromFirstConfig = false;
  /** Upstream latencies of the most recent reports, for percentiles. */
  readonly latency = new LatencyWindow();
  readonly counters: KeyCounters = {
    requests: 0,
    successes: 0,
    rateLimited: 0,
    errors: 0,
    expired: 0,
    promptTokens: 0,
    completionTokens: 0,
    byOutcome: {},
  };

  constructor(
    public config: KeyConfig,
    settings: PoolSettings,
  ) {
    this.quota = new Quota(windowSpecs(config, settings), config.modelLimits ?? {}, settings);
    this.health = healthConfigured(this.health, config.enabled);
  }

  get id(): string {
    return this.config.id;
  }

  /** The key's general windows; the first two are the minute's requests and tokens. */
  get usage(): UsageLog {
    return this.quota.usage;
  }

  /** Applies changed limits or settings at once, keeping what was already counted. */
  reconfigure(config: KeyConfig, settings: PoolSettings): void {
    this.config = config;
    this.quota.reconfigure(windowSpecs(config, settings), config.modelLimits ?? {}, settings);
    this.health = healthConfigured(this.health, config.enabled);
  }

  /** Requests counted now in the minute window, the balancer's measure of use. */
  requestsThisMinute(now: number): number {
    this.usage.advance(now);
    return this.usage.requests(0);
  }

  tokensThisMinute(now: number): number {
    this.usage.advance(now);
    return this.usage.usage(1).tokens;
  }

  serves(model: string): boolean {
    return model === "" || this.config.models === undefined || this.config.models.includes(model);
  }

  /** Milliseconds until this key could take one more request of `tokens` tokens; 0 when it can now. */
  waitFor(tokens: number, model: string, now: number): number {
    if (this.draining || !this.serves(model)) return Infinity;
    const healthAt = this.leasable(now) ? undefined : this.availableAt(now);
    let wait = healthAt === undefined ? 0 : healthAt - now;
    wait = Math.max(wait, this.roomAt(tokens, model, now) - now);
    const max = this.config.maxConcurrent;
    if (max !== undefined && this.inFlight >= max) wait = Math.max(wait, CONCURRENCY_HINT_MS);
    return wait;
  }

  /**
   * Whether a report of one of its open leases could let it serve sooner
   * than time alone: the report frees a concurrency slot, or settles a
   * token estimate. A request window is not freed by a report (the request
   * was made), nor is a cooldown.
   */
  reportCouldFree(): boolean {
    if (this.inFlight === 0) return false;
    if (this.config.maxConcurrent !== undefined) return true;
    return this.quota.boundsTokens() || this.scope?.quota.boundsTokens() === true;
  }

  canServe(tokens: number, model: string, now: number): boolean {
    if (this.draining || !this.serves(model) || !this.leasable(now)) return false;
    const max = this.config.maxConcurrent;
    if (max !== undefined && this.inFlight >= max) return false;
    return this.roomAt(tokens, model, now) === now;
  }

  /** Its health lets a lease through now; a key waiting for the sidecar's recheck never goes to a caller. */
  private leasable(now: number): boolean {
    return healthLeasable(this.health, now) && !awaitsRecheck(this.health, this.config.probe, now);
  }

  /** When its health lets a lease through, by time alone; Infinity when only an event (a recheck) can. */
  private availableAt(now: number): number | undefined {
    return awaitsRecheck(this.health, this.config.probe, now) ? Infinity : healthAvailableAt(this.health, now);
  }

  /** When its own windows and its scope's have room for a request of `tokens` for `model`, by time alone. */
  private roomAt(tokens: number, model: string | undefined, now: number): number {
    const own = this.quota.roomAt(tokens, model, now);
    return this.scope === undefined ? own : Math.max(own, this.scope.roomAt(tokens, model, now));
  }

  /**
   * When this key can next take a request of no tokens, as far as the limits
   * that bound every request alike say, by time alone: `now` when it can
   * now, Infinity when only an event can change that (a lease ending, a
   * report, a reload). Agrees with `canServe(0, m, t)` for a model m with no
   * limits of its own, for every t until the next such event, which is what
   * lets the key index set a key aside until then; a model's own limits (and,
   * for a request naming no model, every model's learned budget) are checked
   * per request.
   */
  servableAt(now: number): number {
    if (this.draining) return Infinity;
    const max = this.config.maxConcurrent;
    if (max !== undefined && this.inFlight >= max) return Infinity;
    const healthAt = this.leasable(now) ? now : (this.availableAt(now) ?? Infinity);
    // What bounds every request alike: a model's own limits are checked per request, walking the index.
    return Math.max(healthAt, this.roomAt(0, undefined, now));
  }
}

/**
 * When a key is full only because of open leases, nothing says when one ends
 * (a report may come any moment, the TTL is far). A short retry hint keeps
 * callers from sleeping through capacity that returns with the next report.
 */
export const CONCURRENCY_HINT_MS = 1_000;

/**
 * The windows of a key. The first two are always the minute's requests and
 * tokens, limited or not: the balancer and the statistics read them.
 */
export function windowSpecs(config: KeyConfig, settings: PoolSettings): WindowSpec[] {
  const margin = (perMs: number) => Math.min(perMs * settings.windowMarginRatio, settings.windowMarginMaxMs);
  const specs: WindowSpec[] = [
    { kind: "requests", limit: config.rpm ?? Infinity, perMs: MINUTE, marginMs: margin(MINUTE) },
    { kind: "tokens", limit: config.tpm ?? Infinity, perMs: MINUTE, marginMs: margin(MINUTE) },
  ];
  if (config.rpd !== undefined) specs.push({ kind: "requests", limit: config.rpd, perMs: DAY, marginMs: margin(DAY) });
  for (const w of config.windows) specs.push({ kind: w.kind, limit: w.limit, perMs: w.perMs, marginMs: margin(w.perMs) });
  return specs;
}
