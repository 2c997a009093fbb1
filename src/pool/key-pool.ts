import type { Clock, TimerHandle } from "../clock/clock.js";
import type { PoolConfig, PoolSettings } from "../config/types.js";
import { allKeysDisabled, KeypoolError, noKeyCanServe, notFound, poolBusy } from "../protocol/keypool-error.js";
import { ClientLimits } from "./client-limits.js";
import { EndedLeases } from "./ended-leases.js";
import { KeyIndex } from "./key-index.js";
import { newLeaseId } from "./lease-id.js";
import { outcomeFromHttpStatus } from "../protocol/outcome.js";
import { PooledKey } from "./pooled-key.js";
import { redactSecret } from "./redact.js";
import { poolSnapshot } from "./snapshot.js";
import type { PoolSnapshot } from "./stats-types.js";
import type { AcquireRequest, ConfigDiff, KeyStateName, Lease, PoolEvent, ReportResult, UsageReport } from "./types.js";
import type { UsageEntry } from "./usage-log.js";
import { normalizeAcquire, validateReport, type NormalizedAcquire } from "./validate-request.js";

interface OpenLease {
  readonly lease: Lease;
  readonly key: PooledKey;
  readonly entry: UsageEntry;
  readonly timer: TimerHandle;
  /** The model asked for, for the events of this lease ("" for any). */
  readonly model: string;
}

interface Waiter {
  readonly req: NormalizedAcquire;
  readonly enqueuedAt: number;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (err: unknown) => void;
  cleanup: () => void;
}

interface ProviderRuntime {
  readonly name: string;
  readonly keys: Map<string, PooledKey>;
  /** The keys that can still be leased, in the balancer's order; rebuilt by a reload that changes anything. */
  index: KeyIndex;
  waiters: Waiter[];
  wakeTimer: TimerHandle | undefined;
}

export interface KeyPoolOptions {
  readonly clock: Clock;
  readonly onEvent?: ((event: PoolEvent) => void) | undefined;
}

/**
 * The balancer: leases keys least-used first within every key's limits,
 * learns from reported outcomes, and swaps configurations without losing
 * what it knows of the keys that stay. No I/O; time comes from the clock.
 */
export class KeyPool {
  private readonly clock: Clock;
  private readonly listeners = new Set<(event: PoolEvent) => void>();
  private readonly providers = new Map<string, ProviderRuntime>();
  private readonly leases = new Map<string, OpenLease>();
  private readonly ended = new EndedLeases();
  private readonly clientLimits = new ClientLimits();
  /** Timers that announce the end of a cooldown, which otherwise happens silently by time alone. */
  private readonly recoveries = new Map<PooledKey, TimerHandle>();
  private config: PoolConfig | undefined;
  private generation = 0;
  private useSeq = 0;

  constructor(options: KeyPoolOptions) {
    this.clock = options.clock;
    if (options.onEvent !== undefined) this.listeners.add(options.onEvent);
  }

  /** Adds a listener for pool events (state changes, leases, refusals); returns its removal. */
  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: PoolEvent): void {
    for (const l of this.listeners) l(event);
  }

  get settings(): PoolSettings {
    if (this.config === undefined) throw new KeypoolError("UNAVAILABLE", "no configuration loaded yet");
    return this.config.settings;
  }

  get configGeneration(): number {
    return this.generation;
  }

  /** Provider names in the running configuration. */
  providerNames(): string[] {
    return this.config === undefined ? [] : [...this.config.providers.keys()];
  }

  /**
   * Leases a key. Waits up to the request's max wait for one to free up, in
   * first-come order; otherwise rejects with RESOURCE_EXHAUSTED and the delay
   * until the earliest key could serve. A refusal consumes nothing.
   */
  acquire(request: AcquireRequest): Promise<Lease> {
    try {
      const req = normalizeAcquire(request, this.settings);
      const rt = this.runtimeFor(req.provider);
      this.admit(rt, req.owner);
      // Waiters first: capacity that returned since the last event is theirs.
      this.serveWaiters(rt);
      const now = this.clock.now();
      const key = this.pick(rt, req, now);
      if (key !== undefined) return Promise.resolve(this.grant(rt, key, req, 0));
      const retryMs = this.retryDelay(rt, req, now);
      if (req.maxWaitMs <= 0 || request.signal?.aborted === true) return Promise.reject(this.refusal(rt, retryMs));
      return this.wait(rt, req, request.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Ends a lease with the outcome of the provider call. A second report changes nothing. */
  report(leaseId: string, report: UsageReport, owner = ""): ReportResult {
    if (leaseId === "") throw new KeypoolError("INVALID_ARGUMENT", "lease_id: required");
    validateReport(report);
    const open = this.leases.get(leaseId);
    if (open === undefined) {
      const ended = this.ended.get(leaseId, this.clock.now());
      if (ended === undefined) throw notFound("lease_id: unknown, or ended too long ago to remember");
      if (ended.owner !== owner) throw leaseOfAnother();
      const key = this.providers.get(ended.provider)?.keys.get(ended.keyId);
      const state = key === undefined ? "draining" : this.stateOf(key, this.clock.now());
      return { provider: ended.provider, keyId: ended.keyId, keyState: state, alreadyReported: true, outcome: undefined };
    }
    if (open.lease.owner !== owner) throw leaseOfAnother();
    const outcome = report.outcome ?? outcomeFromHttpStatus(report.httpStatus ?? 0);
    if (outcome === undefined) {
      throw new KeypoolError("INVALID_ARGUMENT", "outcome: unspecified, and http_status does not say one");
    }
    const now = this.clock.now();
    const { key, lease, entry } = open;
    const prompt = report.promptTokens ?? 0;
    const completion = report.completionTokens ?? 0;
    // A success reported without counts keeps its estimate: the tokens were
    // spent, the caller just did not say how many. A refused call spent none.
    if (!(outcome === "success" && prompt + completion === 0)) key.usage.settle(entry, prompt + completion, now);
    this.endLease(open, now, "reported");
    key.count(outcome, prompt, completion);
    if (report.latencyMs !== undefined) key.latency.add(report.latencyMs, now);
    const before = this.stateOf(key, now);
    const detail = redactSecret(report.errorMessage ?? "", key.config.secret);
    key.health.apply(outcome, leaseId, report.retryAfterMs, now, this.settings, detail);
    const after = this.stateOf(key, now);
    this.emit({
      type: "reported",
      provider: lease.provider,
      keyId: key.id,
      outcome,
      latencyMs: report.latencyMs,
      promptTokens: prompt,
      completionTokens: completion,
      model: open.model,
    });
    if (after !== before) this.emitState(key, before, after, now);
    if (after === "cooling_down" || after === "exhausted") this.watchRecovery(key, now);
    this.settleDrain(key);
    const rt = this.providers.get(lease.provider);
    rt?.index.update(key, now);
    if (rt !== undefined) this.serveWaiters(rt);
    return { provider: lease.provider, keyId: key.id, keyState: after, alreadyReported: false, outcome };
  }

  /**
   * Swaps in a new configuration in one step. Keys that stay keep their
   * windows, leases, health and counters; removed keys drain; new keys start
   * empty. The generation moves only when something changed.
   */
  applyConfig(config: PoolConfig): ConfigDiff {
    const now = this.clock.now();
    const added: string[] = [];
    const removed: string[] = [];
    const updated: string[] = [];
    const unchanged: string[] = [];
    const first = this.config === undefined;
    const settingsChanged = this.config === undefined || !sameJson(this.config.settings, config.settings);
    for (const [name, provider] of config.providers) {
      let rt = this.providers.get(name);
      if (rt === undefined) {
        rt = { name, keys: new Map(), index: new KeyIndex([], now), waiters: [], wakeTimer: undefined };
        this.providers.set(name, rt);
      }
      const wanted = new Set<string>();
      for (const kc of provider.keys) {
        wanted.add(kc.id);
        const qualified = `${name}/${kc.id}`;
        const existing = rt.keys.get(kc.id);
        if (existing === undefined || existing.draining) {
          // A key removed and added back starts fresh: that is how an operator re-enables it.
          rt.keys.set(kc.id, new PooledKey(kc, config.settings));
          added.push(qualified);
        } else if (existing.config.secret !== kc.secret) {
          // Same id, new secret: a different key upstream, so nothing it knew applies.
          rt.keys.set(kc.id, new PooledKey(kc, config.settings));
          updated.push(qualified);
        } else if (!sameJson(existing.config, kc)) {
          const before = this.stateOf(existing, now);
          existing.reconfigure(kc, config.settings);
          const after = this.stateOf(existing, now);
          if (before !== after) this.emitState(existing, before, after, now);
          updated.push(qualified);
        } else {
          if (settingsChanged) existing.reconfigure(kc, config.settings);
          unchanged.push(qualified);
        }
      }
      for (const key of rt.keys.values()) {
        if (!wanted.has(key.id) && !key.draining) {
          this.startDrain(rt, key, now);
          removed.push(`${name}/${key.id}`);
        }
      }
    }
    for (const rt of this.providers.values()) {
      if (config.providers.has(rt.name)) continue;
      for (const key of rt.keys.values()) {
        if (!key.draining) {
          this.startDrain(rt, key, now);
          removed.push(`${rt.name}/${key.id}`);
        }
      }
      for (const w of rt.waiters.splice(0)) {
        w.cleanup();
        w.reject(new KeypoolError("NOT_FOUND", `provider ${rt.name} was removed from the configuration`));
      }
      this.scheduleWake(rt);
    }
    if (added.length + removed.length + updated.length > 0 || settingsChanged) {
      this.generation += 1;
      // Keys, limits, weights or model lists may all have changed: a fresh index is simplest and reloads are rare.
      for (const rt of this.providers.values()) rt.index = new KeyIndex(rt.keys.values(), now);
    }
    this.config = config;
    if (first) for (const rt of this.providers.values()) for (const key of rt.keys.values()) key.fromFirstConfig = true;
    for (const rt of this.providers.values()) this.serveWaiters(rt);
    return { generation: this.generation, added, removed, updated, unchanged, warnings: config.warnings };
  }

  /** Every key the pool holds now, configured or draining, for statistics. */
  *keys(): Iterable<{ provider: string; key: PooledKey; state: KeyStateName }> {
    const now = this.clock.now();
    for (const rt of this.providers.values()) {
      for (const key of rt.keys.values()) yield { provider: rt.name, key, state: this.stateOf(key, now) };
    }
  }

  /** Statistics of every key at the clock's now, restricted to `providers` when given (empty: all). */
  snapshot(providers?: readonly string[]): PoolSnapshot {
    return poolSnapshot(this, this.clock.now(), providers);
  }

  waitingCount(provider: string): number {
    return this.providers.get(provider)?.waiters.length ?? 0;
  }

  openLeaseCount(): number {
    return this.leases.size;
  }

  /** Cancels every waiter and timer, for shutdown. Open leases are left to their callers. */
  close(): void {
    for (const rt of this.providers.values()) {
      for (const w of rt.waiters.splice(0)) {
        w.cleanup();
        w.reject(new KeypoolError("UNAVAILABLE", "keypool is shutting down"));
      }
      if (rt.wakeTimer !== undefined) this.clock.clearTimer(rt.wakeTimer);
      rt.wakeTimer = undefined;
    }
    for (const open of this.leases.values()) this.clock.clearTimer(open.timer);
    for (const timer of this.recoveries.values()) this.clock.clearTimer(timer);
    this.recoveries.clear();
  }

  stateOf(key: PooledKey, now: number): KeyStateName {
    return key.draining ? "draining" : key.health.current(now);
  }

  private runtimeFor(provider: string): ProviderRuntime {
    const rt = this.providers.get(provider);
    if (rt === undefined || this.config?.providers.has(provider) !== true) {
      const known = this.providerNames().join(", ");
      throw notFound(`provider ${JSON.stringify(provider)} is not configured (configured: ${known || "none"})`);
    }
    return rt;
  }

  /** The key `chooseKey` would pick over all of the provider's keys, found through the index. */
  private pick(rt: ProviderRuntime, req: NormalizedAcquire, now: number): PooledKey | undefined {
    return rt.index.choose(req.estimatedTokens, req.model, now);
  }

  private grant(rt: ProviderRuntime, key: PooledKey, req: NormalizedAcquire, waitedMs: number): Lease {
    const now = this.clock.now();
    const leaseId = newLeaseId();
    key.health.granted(leaseId, now);
    const entry = key.usage.record(now, req.estimatedTokens);
    key.inFlight += 1;
    this.clientLimits.leaseOpened(req.owner);
    key.lastUsedAt = now;
    key.lastUsedSeq = this.useSeq++;
    key.counters.requests += 1;
    const lease: Lease = {
      leaseId,
      provider: rt.name,
      keyId: key.id,
      secret: key.config.secret,
      maskedKey: key.config.masked,
      baseUrl: key.config.baseUrl,
      acquiredAt: now,
      expiresAt: now + req.leaseTtlMs,
      waitedMs,
      estimatedTokens: req.estimatedTokens,
      clientId: req.clientId,
      owner: req.owner,
    };
    const timer = this.clock.setTimer(() => this.expire(leaseId), req.leaseTtlMs);
    this.leases.set(leaseId, { lease, key, entry, timer, model: req.model });
    rt.index.update(key, now);
    this.emit({ type: "acquired", provider: rt.name, keyId: key.id, waitedMs, model: req.model });
    return lease;
  }

  private expire(leaseId: string): void {
    const open = this.leases.get(leaseId);
    if (open === undefined) return;
    const now = this.clock.now();
    // The estimate stays counted: the call may well have reached the provider.
    this.endLease(open, now, "expired");
    open.key.counters.expired += 1;
    open.key.health.leaseEnded(leaseId);
    this.emit({ type: "lease_expired", provider: open.lease.provider, keyId: open.key.id, model: open.model });
    this.settleDrain(open.key);
    const rt = this.providers.get(open.lease.provider);
    rt?.index.update(open.key, now);
    if (rt !== undefined) this.serveWaiters(rt);
  }

  private endLease(open: OpenLease, now: number, how: "reported" | "expired"): void {
    this.clock.clearTimer(open.timer);
    this.leases.delete(open.lease.leaseId);
    open.key.inFlight -= 1;
    this.clientLimits.leaseEnded(open.lease.owner);
    this.ended.add(
      open.lease.leaseId,
      { provider: open.lease.provider, keyId: open.key.id, owner: open.lease.owner, how },
      now,
      open.lease.expiresAt - open.lease.acquiredAt,
    );
  }

  private startDrain(rt: ProviderRuntime, key: PooledKey, now: number): void {
    const before = this.stateOf(key, now);
    key.draining = true;
    this.emitState(key, before, "draining", now);
    if (key.inFlight === 0) rt.keys.delete(key.id);
  }

  /** A draining key leaves once its last lease has ended. */
  private settleDrain(key: PooledKey): void {
    if (!key.draining || key.inFlight > 0) return;
    const rt = this.providers.get(key.config.provider);
    if (rt !== undefined && rt.keys.get(key.id) === key) rt.keys.delete(key.id);
    if (rt !== undefined && rt.keys.size === 0 && this.config?.providers.has(rt.name) !== true) {
      this.providers.delete(rt.name);
    }
  }

  /** Per-client rate and open-lease guards; a refusal here is counted like any other. */
  private admit(rt: ProviderRuntime, owner: string): void {
    const refusal = this.clientLimits.admit(owner, this.clock.now(), this.settings);
    if (refusal === undefined) return;
    const { error, limit } = refusal;
    this.emit({ type: "refused", provider: rt.name, code: error.code, retryAfterMs: error.retryAfterMs, limit });
    throw error;
  }

  private wait(rt: ProviderRuntime, req: NormalizedAcquire, signal: AbortSignal | undefined): Promise<Lease> {
    if (rt.waiters.length >= this.settings.maxWaitingPerProvider) {
      const retryMs = Math.max(1, Math.ceil(this.retryDelay(rt, req, this.clock.now())));
      const err = poolBusy(
        `${rt.waiters.length} acquisitions are already waiting for provider ${rt.name}, the most allowed`,
        Number.isFinite(retryMs) ? retryMs : undefined,
      );
      this.emit({ type: "refused", provider: rt.name, code: err.code, retryAfterMs: err.retryAfterMs, limit: "waiting_queue" });
      return Promise.reject(err);
    }
    return new Promise<Lease>((resolve, reject) => {
      const enqueuedAt = this.clock.now();
      const waiter: Waiter = { req, enqueuedAt, resolve, reject, cleanup: () => {} };
      const leave = (err: unknown) => {
        const i = rt.waiters.indexOf(waiter);
        if (i < 0) return;
        rt.waiters.splice(i, 1);
        waiter.cleanup();
        this.scheduleWake(rt);
        reject(err);
      };
      const timer = this.clock.setTimer(() => {
        leave(this.refusal(rt, this.retryDelay(rt, req, this.clock.now())));
      }, req.maxWaitMs);
      const onAbort = () => leave(new KeypoolError("CANCELLED", "the acquisition was cancelled while waiting"));
      signal?.addEventListener("abort", onAbort, { once: true });
      // One cleanup removes both the timer and the abort listener, whichever ends the wait.
      waiter.cleanup = () => {
        this.clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      rt.waiters.push(waiter);
      this.scheduleWake(rt);
    });
  }

  /** Grants freed capacity to waiters in arrival order; one that cannot use it lets the next try. */
  private serveWaiters(rt: ProviderRuntime): void {
    if (rt.waiters.length === 0) return;
    const now = this.clock.now();
    for (let i = 0; i < rt.waiters.length; ) {
      const w = rt.waiters[i] as Waiter;
      const key = this.pick(rt, w.req, now);
      if (key === undefined) {
        i += 1;
        continue;
      }
      rt.waiters.splice(i, 1);
      w.cleanup();
      w.resolve(this.grant(rt, key, w.req, now - w.enqueuedAt));
    }
    this.scheduleWake(rt);
  }

  /** Wakes the provider's waiters when the earliest key frees up by time alone (window slide, cooldown end). */
  private scheduleWake(rt: ProviderRuntime): void {
    if (rt.wakeTimer !== undefined) this.clock.clearTimer(rt.wakeTimer);
    rt.wakeTimer = undefined;
    if (rt.waiters.length === 0) return;
    const now = this.clock.now();
    let soonest = Infinity;
    for (const w of rt.waiters) soonest = Math.min(soonest, this.retryDelay(rt, w.req, now));
    if (!Number.isFinite(soonest)) return;
    rt.wakeTimer = this.clock.setTimer(() => {
      rt.wakeTimer = undefined;
      this.serveWaiters(rt);
    }, Math.max(1, soonest));
  }

  /** Milliseconds until some key of the provider could serve this request; Infinity if none ever can. */
  private retryDelay(rt: ProviderRuntime, req: NormalizedAcquire, now: number): number {
    let soonest = Infinity;
    for (const key of rt.keys.values()) soonest = Math.min(soonest, key.waitFor(req.estimatedTokens, req.model, now));
    return soonest;
  }

  /** The error for an acquisition that cannot be served now, saying why and when to retry. */
  private refusal(rt: ProviderRuntime, retryMs: number): KeypoolError {
    const now = this.clock.now();
    let err: KeypoolError;
    const live = [...rt.keys.values()].filter((k) => !k.draining);
    if (live.length > 0 && live.every((k) => k.health.current(now) === "disabled")) {
      const reasons = [...new Set(live.map((k) => k.health.stateReason(now)))].join("; ");
      err = allKeysDisabled(`every key of provider ${rt.name} is disabled (${reasons})`);
    } else if (Number.isFinite(retryMs)) {
      const ms = Math.max(1, Math.ceil(retryMs));
      err = poolBusy(`every key of provider ${rt.name} is at its limits or cooling down; retry in ${ms} ms`, ms);
    } else {
      err = noKeyCanServe(
        `no key of provider ${rt.name} can ever serve this request (model not served, or estimated_tokens above every key's token limit)`,
      );
    }
    this.emit({ type: "refused", provider: rt.name, code: err.code, retryAfterMs: err.retryAfterMs });
    return err;
  }

  /**
   * A cooldown or exhaustion ends by time alone, noticed lazily by whoever
   * looks next. A timer at its end announces the return to active (one
   * key_state event, one log line) and lets waiters have the key.
   */
  private watchRecovery(key: PooledKey, now: number): void {
    const previous = this.recoveries.get(key);
    if (previous !== undefined) this.clock.clearTimer(previous);
    this.recoveries.delete(key);
    const from = this.stateOf(key, now);
    const at = key.health.availableAt(now);
    if ((from !== "cooling_down" && from !== "exhausted") || at === undefined || !Number.isFinite(at)) return;
    const timer = this.clock.setTimer(() => {
      this.recoveries.delete(key);
      const rt = this.providers.get(key.config.provider);
      // A key replaced by a reload (new secret) is no longer the pool's: nothing to announce.
      if (rt === undefined || rt.keys.get(key.id) !== key) return;
      const t = this.clock.now();
      const to = this.stateOf(key, t);
      if (to === from) return this.watchRecovery(key, t);
      if (to !== "active") return;
      const reason = from === "exhausted" ? "quota cooldown over" : "cooldown over";
      this.emit({ type: "key_state", provider: rt.name, keyId: key.id, from, to, reason });
      this.serveWaiters(rt);
    }, Math.max(0, at - now));
    this.recoveries.set(key, timer);
  }

  private emitState(key: PooledKey, from: KeyStateName, to: KeyStateName, now: number): void {
    this.emit({ type: "key_state", provider: key.config.provider, keyId: key.id, from, to, reason: key.health.stateReason(now) });
  }
}

function leaseOfAnother(): KeypoolError {
  return new KeypoolError("PERMISSION_DENIED", "the lease belongs to another client");
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
