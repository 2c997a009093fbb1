import type { LimitSet, PoolSettings } from "../config/types.js";
import { chargeLearned, freshLearned, learnedRoomAt, learnFacts, MAX_LEARNED_LIMITS, nextLearnedExpiry, ownShare, type LearnedLimit } from "./learned-limits.js";
import type { RateLimitFact } from "../provider-http/rate-limits/rate-limit-facts.js";
import { UsageLog, type WindowSpec } from "./usage-log.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One request counted in one log, so that its report settles the real tokens there. */
export interface Charge {
  readonly log: UsageLog;
  /** The request's sequence number in that log. */
  readonly seq: number;
}

/** The windows of a set of limits (a model's, a scope's), with the window margin. */
export function limitSpecs(limits: LimitSet, settings: PoolSettings): WindowSpec[] {
  const specs: WindowSpec[] = [];
  if (limits.rpm !== undefined) specs.push(spec("requests", limits.rpm, MINUTE, settings));
  if (limits.tpm !== undefined) specs.push(spec("tokens", limits.tpm, MINUTE, settings));
  if (limits.rpd !== undefined) specs.push(spec("requests", limits.rpd, DAY, settings));
  return specs;
}

export function spec(kind: "requests" | "tokens", limit: number, perMs: number, settings: PoolSettings): WindowSpec {
  return { kind, limit, perMs, marginMs: Math.min(perMs * settings.windowMarginRatio, settings.windowMarginMaxMs) };
}

/**
 * The counters one quota holder keeps, a key or a scope: its general windows,
 * a log per model that has limits of its own, and what the provider's answers
 * taught about its limits. A learned limit is one more window next to the
 * configured ones, so the effective limit is the smaller of the two; a
 * learned `remaining` is a budget until its reset that others' traffic on
 * the same quota has already spent from.
 */
export class Quota {
  readonly usage: UsageLog;
  /** Created on first need: most keys have no model windows, and a pool may hold many keys. */
  private modelLogs: Map<string, UsageLog> | undefined = undefined;
  private baseSpecs: readonly WindowSpec[];
  private modelLimits: Readonly<Record<string, LimitSet>>;
  private settings: PoolSettings;
  /** Plain data; see learned-limits.ts. */
  learned: readonly LearnedLimit[] = [];
  private learnedExpiry = Infinity;
  /** The learned window limits the logs were last built with, to rebuild only when they change. */
  private learnedShape = "";

  constructor(baseSpecs: readonly WindowSpec[], modelLimits: Readonly<Record<string, LimitSet>>, settings: PoolSettings) {
    this.baseSpecs = baseSpecs;
    this.modelLimits = modelLimits;
    this.settings = settings;
    this.usage = new UsageLog(baseSpecs);
    this.rebuild();
  }

  /** Applies changed limits at once, keeping what was counted. */
  reconfigure(baseSpecs: readonly WindowSpec[], modelLimits: Readonly<Record<string, LimitSet>>, settings: PoolSettings): void {
    this.baseSpecs = baseSpecs;
    this.modelLimits = modelLimits;
    this.settings = settings;
    this.rebuild();
  }

  /**
   * Whether any of its limits counts tokens: then a report, which settles a
   * lease's estimate to what the call really used, can free room sooner
   * than time alone would.
   */
  boundsTokens(): boolean {
    for (const s of this.baseSpecs) if (s.kind === "tokens" && Number.isFinite(s.limit)) return true;
    for (const l of Object.values(this.modelLimits)) if (l.tpm !== undefined) return true;
    for (const l of this.learned) if (l.dimension === "tokens") return true;
    return false;
  }

  /** True when nothing but the general windows can limit it: the common case, kept cheap. */
  get plain(): boolean {
    return this.modelLogs === undefined && this.learned.length === 0;
  }

  /**
   * Counts a request of `tokens` for `model` in every window that bounds it;
   * returns where it was counted. The array is made at its size: one per
   * lease, an empty one grown by push would reserve room for sixteen.
   */
  record(now: number, tokens: number, model: string): Charge[] {
    const general: Charge = { log: this.usage, seq: this.usage.record(now, tokens) };
    const log = this.modelLogs?.get(model);
    if (this.learned.length > 0) this.learned = chargeLearned(this.learned, model, tokens);
    return log === undefined ? [general] : [general, { log, seq: log.record(now, tokens) }];
  }

  /**
   * The time from which every window and learned budget for `model` has room
   * for one more request of `tokens`; `model` undefined reads only what
   * bounds every request alike (see {@link learnedRoomAt}).
   */
  roomAt(tokens: number, model: string | undefined, now: number): number {
    // Expired learned limits go before anything is read: they may be windows of the general log.
    this.expire(now);
    let at = this.usage.roomAt(tokens, now);
    if (this.plain) return at;
    const log = model === undefined ? undefined : this.modelLogs?.get(model);
    if (log !== undefined) at = Math.max(at, log.roomAt(tokens, now));
    at = Math.max(at, learnedRoomAt(this.learned, tokens, model, now));
    // A learned limit that expires first may free the room sooner: whoever
    // waits must look again then (the key index sets a key aside until this time).
    return Math.min(at, this.learnedExpiry);
  }

  /** Takes in what an answer for `model` said about this quota's limits. */
  learn(facts: readonly RateLimitFact[], model: string, now: number): void {
    if (facts.length === 0) return;
    this.learned = learnFacts(freshLearned(this.learned, now), facts, model, now, (dimension, windowMs) => this.ownUsage(model, dimension, windowMs, now));
    this.learnedExpiry = nextLearnedExpiry(this.learned);
    this.rebuildIfChanged();
  }

  /** Learned limits the provider stopped sending are dropped. */
  expire(now: number): void {
    if (now < this.learnedExpiry) return;
    this.learned = freshLearned(this.learned, now);
    this.learnedExpiry = nextLearnedExpiry(this.learned);
    this.rebuildIfChanged();
  }

  /** The requests each model's windows still count, `[at, tokens]` oldest first, for a state file. */
  modelHistories(now: number): Record<string, [number, number][]> {
    const out: Record<string, [number, number][]> = {};
    for (const [model, log] of this.modelLogs ?? []) {
      log.advance(now);
      const entries = log.history().map((e): [number, number] => [e.at, e.tokens]);
      if (entries.length > 0) out[model] = entries;
    }
    return out;
  }

  /**
   * Takes back what a state file kept: learned limits still fresh first (they
   * may create model windows), then each model's counted requests. A model
   * with no window now has nothing to count them in.
   */
  restore(models: Readonly<Record<string, readonly (readonly [number, number])[]>>, learned: readonly LearnedLimit[], now: number): void {
    if (learned.length > 0) {
      this.learned = freshLearned(learned, now).slice(-MAX_LEARNED_LIMITS);
      this.learnedExpiry = nextLearnedExpiry(this.learned);
      this.rebuildIfChanged();
    }
    for (const [model, entries] of Object.entries(models)) {
      const log = this.modelLogs?.get(model);
      if (log === undefined) continue;
      for (const [at, tokens] of entries) log.record(Math.min(at, now), tokens);
      log.advance(now);
    }
  }

  /**
   * keypool's own use as one of the windows for `model` counts it (the
   * general minute windows always exist); 0 when no window of that length is
   * kept yet, so the first answer credits everything to others' account only
   * within what the provider reported.
   */
  private ownUsage(model: string, dimension: "requests" | "tokens", windowMs: number, now: number): number {
    const log = model === "" ? this.usage : (this.modelLogs?.get(model) ?? this.usage);
    log.advance(now);
    const i = log.specs().findIndex((s) => s.kind === dimension && s.perMs === windowMs);
    if (i < 0) return 0;
    const u = log.usage(i);
    return dimension === "requests" ? u.requests : u.tokens;
  }

  private rebuildIfChanged(): void {
    if (shapeOf(this.learned) !== this.learnedShape) this.rebuild();
  }

  private rebuild(): void {
    this.learnedShape = shapeOf(this.learned);
    const learnedSpecs = (model: string) =>
      this.learned.flatMap((l) => {
        const limit = l.model === model ? ownShare(l) : undefined;
        return limit === undefined ? [] : [spec(l.dimension, limit, l.windowMs, this.settings)];
      });
    this.usage.setWindows([...this.baseSpecs, ...learnedSpecs("")]);
    const models = new Set([...Object.keys(this.modelLimits), ...this.learned.map((l) => l.model).filter((m) => m !== "")]);
    if (models.size === 0) {
      this.modelLogs = undefined;
      return;
    }
    const logs = (this.modelLogs ??= new Map());
    for (const m of logs.keys()) if (!models.has(m)) logs.delete(m);
    for (const m of models) {
      const limits = this.modelLimits[m];
      const specs = [...(limits === undefined ? [] : limitSpecs(limits, this.settings)), ...learnedSpecs(m)];
      const log = logs.get(m);
      if (log === undefined) logs.set(m, new UsageLog(specs));
      else log.setWindows(specs);
    }
  }
}

function shapeOf(learned: readonly LearnedLimit[]): string {
  return learned
    .map((l) => `${l.model}\u0000${l.dimension}\u0000${l.windowMs}\u0000${ownShare(l) ?? ""}`)
    .sort()
    .join("\u0001");
}

/** Settles the real token count of a lease in every log that counted it. */
export function settleCharges(charges: readonly Charge[], tokens: number, now: number): void {
  for (const c of charges) c.log.settle(c.seq, tokens, now);
}
