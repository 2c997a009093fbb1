import { clientUsage } from "../../pool/client-usage.js";
import { PoolEventListeners } from "../../pool/pool-event-listeners.js";
import type { ClientUsageSnapshot } from "../../pool/stats-types.js";
import type { Clock } from "../../clock/clock.js";
import type { PoolConfig, PoolSettings } from "../../config/types.js";
import { KeypoolError, notFound } from "../../protocol/keypool-error.js";
import { ClientLimits } from "../../pool/client-limits.js";
import type { KeyActionDecision } from "../../pool/key-action-budget.js";
import type { EndedLease } from "../../pool/ended-leases.js";
import { LeaseRecords } from "../../pool/lease-records.js";
import { exhaustionOf, holdScopeFromAnswer, learnFromAnswer, readAnswer } from "../../pool/answer-transitions.js";
import { attribution, clampNotice, healthAvailableAt, healthReason, unauthorizedQuorum } from "../../pool/key-health.js";
import { KeyIndex } from "../../pool/key-index.js";
import { drainKey, expireKey, grantKey, keyStateAt, settleKey } from "../../pool/key-transitions.js";
import { applyKeyAction, keyActionReason, validateKeyActionReason, type KeyAction } from "../../pool/key-action.js";
import type { KeyActionResult, KeyRecheckResult, LeasePool, PoolKeyView } from "../../pool/lease-pool.js";
import { applyRecheck, RECHECK_BY, type RecheckVerdict } from "../../pool/key-recheck.js";
import { outcomeFromHttpStatus, type Outcome } from "../../protocol/outcome.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import { redactSecret } from "../../pool/redact.js";
import { poolSnapshot } from "../../pool/snapshot.js";
import type { PoolSnapshot } from "../../pool/stats-types.js";
import type { AcquireRequest, ConfigDiff, KeyStateName, Lease, PoolEvent, ReportResult, ReporterRights, UsageReport } from "../../pool/types.js";
import type { Charge } from "../../pool/quota.js";
import { normalizeAcquire, validateReport, type NormalizedAcquire } from "../../pool/validate-request.js";
import { DeadlineScheduler, type DeadlineHandle } from "./deadline-scheduler.js";
import { KeyActionBudgets } from "./key-action-budgets.js";
import { persistKey, persistScope, restoreKey, restoreScope } from "./key-persistence.js";
import type { PersistedScope } from "./persisted-quota.js";
import { STATE_VERSION, type PersistedKey, type PersistedState } from "./persisted-state.js";
import type { ProviderKeys } from "./provider-keys.js";
import { linkScopes } from "./link-scopes.js";
import { reconcileConfig } from "./reconcile-config.js";
import { waitIsHopeless } from "../../pool/hopeless-wait.js";
import { queueFull, refusal, retryDelay } from "./refusal.js";
import { WaitQueue } from "./wait-queue.js";

const NO_CHARGES: readonly Charge[] = Object.freeze([]);

/** A lease in flight; once ended, also the record the ended leases copy (so that ending one allocates none). */
class OpenLease implements EndedLease {
  deadline: DeadlineHandle | undefined;
  how: EndedLease["how"] = "reported";
  // The lease's id names the slot of this record, so the record is kept first and the lease written into it once granted.
  lease!: Lease;
  charges: readonly Charge[] = NO_CHARGES;
  constructor(
    readonly key: PooledKey,
    /** The model asked for, for the events of this lease ("" for any). */
    readonly model: string,
  ) {}

  get provider(): string {
    return this.lease.provider;
  }

  get keyId(): string {
    return this.key.id;
  }

  get owner(): string {
    return this.lease.owner;
  }
}

/** A cooldown or exhaustion that ends by time alone, to be announced when it does. */
class Recovery {
  constructor(
    readonly key: PooledKey,
    readonly from: KeyStateName,
  ) {}
}

export interface MemoryLeasePoolOptions {
  readonly clock: Clock;
  readonly onEvent?: ((event: PoolEvent) => void) | undefined;
  /** Clients configured in the tokens file (0 without one), for the UNAUTHORIZED quorum's default. */
  readonly configuredClients?: (() => number) | undefined;
}

/** The embedding program reporting on its own: every right. */
const FULL_RIGHTS: ReporterRights = Object.freeze({ trusted: true, admin: true });

/**
 * The embedded pool: every key's state in this process, each decision taken
 * in one synchronous step. Leases keys least-used first within every key's
 * limits, learns from reported outcomes, and swaps configurations without
 * losing what it knows of the keys that stay. No I/O; time comes from the
 * clock, and one timer serves every lease TTL and cooldown end.
 */
export class MemoryLeasePool implements LeasePool {
  private readonly clock: Clock;
  private readonly events = new PoolEventListeners();
  private readonly providers = new Map<string, ProviderKeys>();
  private readonly leases = new LeaseRecords<OpenLease>();
  private readonly clientLimits = new ClientLimits();
  private readonly keyActions = new KeyActionBudgets(() => this.settings);
  private readonly configuredClients: () => number;
  private readonly recoveries = new Map<PooledKey, DeadlineHandle>();
  private readonly deadlines: DeadlineScheduler<OpenLease | Recovery>;
  private config: PoolConfig | undefined;
  private generation = 0;
  private useSeq = 0;

  constructor(options: MemoryLeasePoolOptions) {
    this.clock = options.clock;
    this.configuredClients = options.configuredClients ?? (() => 0);
    if (options.onEvent !== undefined) this.events.subscribe(options.onEvent);
    this.deadlines = new DeadlineScheduler(this.clock, (due) => (due instanceof OpenLease ? this.expire(due) : this.recovered(due)));
  }

  subscribe(listener: (event: PoolEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  private emit(event: PoolEvent): void {
    this.events.emit(event);
  }

  get settings(): PoolSettings {
    if (this.config === undefined) throw new KeypoolError("UNAVAILABLE", "no configuration loaded yet");
    return this.config.settings;
  }

  get configGeneration(): number {
    return this.generation;
  }

  providerNames(): string[] {
    return this.config === undefined ? [] : [...this.config.providers.keys()];
  }

  acquire(request: AcquireRequest): Promise<Lease> {
    try {
      const lease = this.acquireNow(request);
      return lease instanceof Promise ? lease : Promise.resolve(lease);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  acquireNow(request: AcquireRequest): Lease | Promise<Lease> {
    const req = normalizeAcquire(request, this.settings);
    const rt = this.runtimeFor(req.provider);
    // One reading of the clock for the whole call: admission, choice and grant see the same moment.
    const now = this.clock.now();
    this.admit(rt, req.owner, now);
    // Waiters first: capacity that returned since the last event is theirs.
    rt.waiters.serve();
    const lease = this.tryGrant(rt, req, 0, now);
    if (lease !== undefined) return lease;
    const retryMs = retryDelay(rt.keys.values(), req, now);
    // The signal is read last: a caller may make it only when asked (the gRPC service does), and most refusals need none.
    if (req.maxWaitMs <= 0 || waitIsHopeless(retryMs, req.maxWaitMs, rt.keys.values()) || request.signal?.aborted === true) {
      throw this.refuse(rt, retryMs);
    }
    if (rt.waiters.length >= this.settings.maxWaitingPerProvider) {
      const err = queueFull(rt.name, rt.waiters.length, retryMs);
      this.emit({ type: "refused", provider: rt.name, code: err.code, retryAfterMs: err.retryAfterMs, limit: "waiting_queue" });
      throw err;
    }
    return rt.waiters.enqueue(req, request.signal);
  }

  report(leaseId: string, report: UsageReport, owner = "", rights: ReporterRights = FULL_RIGHTS): Promise<ReportResult> {
    try {
      return Promise.resolve(this.settle(leaseId, report, owner, rights));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  reportNow(leaseId: string, report: UsageReport, owner = "", rights: ReporterRights = FULL_RIGHTS): ReportResult {
    return this.settle(leaseId, report, owner, rights);
  }

  private settle(leaseId: string, report: UsageReport, owner: string, rights: ReporterRights): ReportResult {
    if (leaseId === "") throw new KeypoolError("INVALID_ARGUMENT", "lease_id: required");
    validateReport(report);
    const now = this.clock.now();
    const open = this.leases.openLease(leaseId);
    if (open === undefined) {
      const ended = this.leases.ended(leaseId, now);
      if (ended === undefined) throw notFound("lease_id: unknown, or ended too long ago to remember");
      if (ended.owner !== owner) throw leaseOfAnother();
      const key = this.providers.get(ended.provider)?.keys.get(ended.keyId);
      const state = key === undefined ? "draining" : keyStateAt(key, now);
      return { provider: ended.provider, keyId: ended.keyId, keyState: state, alreadyReported: true, outcome: undefined };
    }
    if (open.lease.owner !== owner) throw leaseOfAnother();
    const outcome = report.outcome ?? outcomeFromHttpStatus(report.httpStatus ?? 0);
    if (outcome === undefined) {
      throw new KeypoolError("INVALID_ARGUMENT", "outcome: unspecified, and http_status does not say one");
    }
    const { key, lease, charges } = open;
    const promptTokens = report.promptTokens ?? 0;
    const completionTokens = report.completionTokens ?? 0;
    const before = keyStateAt(key, now);
    const settings = this.settings;
    const by = attribution(owner);
    const parsed = readAnswer(lease.provider, open.model, report.httpStatus ?? 0, report.answer, now);
    this.endLease(open, now, "reported");
    const budget = settleKey(
      key,
      charges,
      {
        outcome,
        leaseId,
        retryAfterMs: report.retryAfterMs,
        detail: redactSecret(report.errorMessage ?? "", key.config.secret),
        promptTokens,
        completionTokens,
        latencyMs: report.latencyMs,
        by,
        confirms: rights.trusted || rights.admin,
        quorum: outcome === "unauthorized" ? unauthorizedQuorum(settings, this.configuredClients()) : 1,
        budgeted: !rights.admin,
        exhaustion: exhaustionOf(key, parsed, outcome, now, settings),
      },
      now,
      settings,
      this.keyActions,
    );
    if (parsed !== undefined) {
      learnFromAnswer(key, parsed, open.model, now);
      // A client past its key-action budget may not take a whole scope out either.
      if (budget?.allowed !== false && holdScopeFromAnswer(key, parsed, outcome, key.health.until, now, settings) && key.scope !== undefined) {
        const { state, reason, until } = key.scope.hold;
        if (state !== "active") this.emit({ type: "scope_state", provider: lease.provider, scope: key.scope.name, state, reason, until, keyId: key.id, by });
      }
    }
    const after = keyStateAt(key, now);
    this.emit({ type: "reported", provider: lease.provider, keyId: key.id, outcome, latencyMs: report.latencyMs, promptTokens, completionTokens, model: open.model });
    this.noteReportLimits(lease.provider, key.id, by, outcome, report.retryAfterMs, budget, after);
    if (after !== before) this.emitState(key, before, after, now);
    if (after === "cooling_down" || after === "exhausted") this.watchRecovery(key, after, now);
    this.keyChanged(lease.provider, key, now);
    return { provider: lease.provider, keyId: key.id, keyState: after, alreadyReported: false, outcome, rateLimits: parsed };
  }

  /**
   * A report held to a server-side bound is announced (a warn line and a
   * count): a refused key action once per client and minute, a clamped
   * retry_after each time it shortened a cooldown.
   */
  private noteReportLimits(
    provider: string,
    keyId: string,
    client: string,
    outcome: Outcome,
    retryAfterMs: number | undefined,
    budget: KeyActionDecision | undefined,
    after: KeyStateName,
  ): void {
    if (budget?.allowed === false) {
      if (!budget.firstRefusal) return;
      const limit = this.settings.maxKeyActionsPerClient;
      const detail = `over its budget of ${limit} keys put out of service per minute; its reports leave key states alone until the minute is over`;
      this.emit({ type: "report_limited", provider, keyId, client, limit: "key_action_budget", detail });
      return;
    }
    const detail = clampNotice(outcome, retryAfterMs, after, this.settings);
    if (detail === undefined) return;
    this.emit({ type: "report_limited", provider, keyId, client, limit: "retry_after_clamped", detail });
  }

  setKeyState(provider: string, keyId: string, action: KeyAction, reason: string, by: string): Promise<KeyActionResult> {
    try {
      return Promise.resolve(this.applyAction(provider, keyId, action, reason, by));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private applyAction(provider: string, keyId: string, action: KeyAction, reason: string, by: string): KeyActionResult {
    const why = validateKeyActionReason(reason);
    const rt = this.runtimeFor(provider);
    const key = rt.keys.get(keyId);
    if (key === undefined || key.draining) throw notFound("key_id: not configured for this provider");
    const now = this.clock.now();
    const from = keyStateAt(key, now);
    const next = applyKeyAction(key.health, action, why, by, now);
    const changed = next !== key.health;
    key.health = next;
    const to = keyStateAt(key, now);
    if (changed) {
      this.emit({ type: "key_state", provider: rt.name, keyId: key.id, from, to, reason: keyActionReason(action, why), by });
      if (to === "cooling_down" || to === "exhausted") this.watchRecovery(key, to, now);
      this.keyChanged(rt.name, key, now);
    }
    return { provider: rt.name, keyId: key.id, action, from, to, changed, stateReason: healthReason(key.health, now) };
  }

  recheckKey(provider: string, keyId: string, verdict: RecheckVerdict, detail: string): Promise<KeyRecheckResult> {
    try {
      const rt = this.runtimeFor(provider);
      const key = rt.keys.get(keyId);
      if (key === undefined || key.draining) throw notFound("key_id: not configured for this provider");
      const now = this.clock.now();
      const from = keyStateAt(key, now);
      const next = applyRecheck(key.health, verdict, redactSecret(detail, key.config.secret), now, this.settings);
      const changed = next !== key.health;
      key.health = next;
      const to = keyStateAt(key, now);
      if (from !== to) this.emit({ type: "key_state", provider: rt.name, keyId: key.id, from, to, reason: "provider accepted the key on recheck", by: RECHECK_BY });
      if (changed) this.keyChanged(rt.name, key, now);
      return Promise.resolve({ from, to, changed });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  applyConfig(config: PoolConfig): ConfigDiff {
    const now = this.clock.now();
    const first = this.config === undefined;
    const r = reconcileConfig(this.providers, this.config, config, now, {
      provider: (name) => this.providers.get(name) ?? this.addProvider(name, now),
      drain: (rt, key) => {
        const before = keyStateAt(key, now);
        drainKey(key);
        this.emitState(key, before, "draining", now, "config");
        if (key.inFlight === 0) rt.keys.delete(key.id);
      },
      stateChanged: (key, from, to) => this.emitState(key, from, to, now, "config"),
    });
    for (const rt of this.providers.values()) {
      if (!config.providers.has(rt.name)) {
        rt.waiters.rejectAll(new KeypoolError("NOT_FOUND", `provider ${rt.name} was removed from the configuration`));
      }
    }
    let scopesChanged = false;
    for (const rt of this.providers.values()) scopesChanged = linkScopes(rt, config.providers.get(rt.name), config.settings) || scopesChanged;
    if (r.added.length + r.removed.length + r.updated.length > 0 || r.settingsChanged || scopesChanged) {
      this.generation += 1;
      // Keys, limits, weights or model lists may all have changed: a fresh index is simplest and reloads are rare.
      for (const rt of this.providers.values()) rt.index = new KeyIndex(rt.keys.values(), now);
    }
    this.config = config;
    if (first) for (const rt of this.providers.values()) for (const key of rt.keys.values()) key.fromFirstConfig = true;
    for (const rt of this.providers.values()) rt.waiters.serve();
    const { added, removed, updated, unchanged } = r;
    return { generation: this.generation, added, removed, updated, unchanged, warnings: config.warnings };
  }

  *keys(): Iterable<PoolKeyView> {
    const now = this.clock.now();
    for (const rt of this.providers.values()) {
      for (const key of rt.keys.values()) yield { provider: rt.name, key, state: keyStateAt(key, now) };
    }
  }

  snapshot(providers?: readonly string[]): PoolSnapshot {
    return poolSnapshot(this, this.clock.now(), providers);
  }

  /** What must survive a restart: every configured key's open windows and health. Ids only, no secret. */
  exportState(): PersistedState {
    const now = this.clock.now();
    const keys: PersistedKey[] = [];
    const scopes: PersistedScope[] = [];
    for (const rt of this.providers.values()) {
      for (const key of rt.keys.values()) {
        const saved = key.draining ? undefined : persistKey(rt.name, key, now);
        if (saved !== undefined) keys.push(saved);
      }
      for (const scope of rt.scopes.values()) {
        const saved = persistScope(rt.name, scope, now);
        if (saved !== undefined) scopes.push(saved);
      }
    }
    return { version: STATE_VERSION, savedAt: now, keys, ...(scopes.length > 0 ? { scopes } : {}) };
  }

  /**
   * Takes back what an earlier process saved, for the keys configured now
   * (others are ignored); call it after the first configuration, before
   * serving. Returns how many keys it restored.
   */
  importState(state: PersistedState): number {
    const now = this.clock.now();
    let restored = 0;
    const touched = new Set<ProviderKeys>();
    for (const saved of state.keys) {
      const rt = this.providers.get(saved.provider);
      const key = rt?.keys.get(saved.id);
      if (rt === undefined || key === undefined || key.draining) continue;
      restoreKey(key, saved, now);
      const s = keyStateAt(key, now);
      if (s === "cooling_down" || s === "exhausted") this.watchRecovery(key, s, now);
      touched.add(rt);
      restored += 1;
    }
    for (const saved of state.scopes ?? []) {
      const rt = this.providers.get(saved.provider);
      const scope = rt?.scopes.get(saved.name);
      if (rt === undefined || scope === undefined) continue;
      restoreScope(scope, saved, now);
      touched.add(rt);
    }
    for (const rt of touched) rt.index = new KeyIndex(rt.keys.values(), now);
    return restored;
  }

  stateOf(key: PooledKey, now: number): KeyStateName {
    return keyStateAt(key, now);
  }

  waitingCount(provider: string): number {
    return this.providers.get(provider)?.waiters.length ?? 0;
  }

  openLeaseCount(): number {
    return this.leases.openSize;
  }

  clientsOf(provider: string): readonly ClientUsageSnapshot[] {
    const leases = [...this.leases.openRecords()].filter((o) => o.lease.provider === provider).map((o) => o.lease);
    return clientUsage(leases, this.providers.get(provider)?.waiters.requests() ?? []);
  }

  close(): void {
    for (const rt of this.providers.values()) rt.waiters.rejectAll(new KeypoolError("UNAVAILABLE", "keypool is shutting down"));
    this.deadlines.close();
  }

  private addProvider(name: string, now: number): ProviderKeys {
    const rt: ProviderKeys = {
      name,
      keys: new Map(),
      scopes: new Map(),
      index: new KeyIndex([], now),
      waiters: new WaitQueue(this.clock, {
        retryDelay: (req, t) => retryDelay(rt.keys.values(), req, t),
        tryGrant: (req, waitedMs) => this.tryGrant(rt, req, waitedMs, this.clock.now()),
        timedOut: (req) => this.refuse(rt, retryDelay(rt.keys.values(), req, this.clock.now())),
      }),
    };
    this.providers.set(name, rt);
    return rt;
  }

  private runtimeFor(provider: string): ProviderKeys {
    const rt = this.providers.get(provider);
    if (rt === undefined || this.config?.providers.has(provider) !== true) {
      const known = this.providerNames().join(", ");
      throw notFound(`provider: not configured (configured: ${known || "none"})`);
    }
    return rt;
  }

  /** Leases the key the balancer picks, if any can serve the request now. */
  private tryGrant(rt: ProviderKeys, req: NormalizedAcquire, waitedMs: number, now: number): Lease | undefined {
    const key = rt.index.choose(req.estimatedTokens, req.model, now);
    if (key === undefined) return undefined;
    const open = new OpenLease(key, req.model);
    const leaseId = this.leases.open(open);
    const charges = grantKey(key, leaseId, req.estimatedTokens, req.model, this.useSeq++, now);
    this.clientLimits.leaseOpened(req.owner);
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
    open.lease = lease;
    open.charges = charges;
    open.deadline = this.deadlines.add(open, lease.expiresAt);
    rt.index.update(key, now);
    this.emit({ type: "acquired", provider: rt.name, keyId: key.id, waitedMs, model: req.model });
    return lease;
  }

  private expire(open: OpenLease): void {
    if (this.leases.openLease(open.lease.leaseId) !== open) return;
    const now = this.clock.now();
    open.deadline = undefined;
    this.endLease(open, now, "expired");
    expireKey(open.key, open.lease.leaseId);
    this.emit({ type: "lease_expired", provider: open.lease.provider, keyId: open.key.id, model: open.model });
    this.keyChanged(open.lease.provider, open.key, now);
  }

  private endLease(open: OpenLease, now: number, how: "reported" | "expired"): void {
    if (open.deadline !== undefined) this.deadlines.cancel(open.deadline);
    this.clientLimits.leaseEnded(open.lease.owner);
    open.how = how;
    this.leases.end(open.lease.leaseId, open, now, open.lease.expiresAt - open.lease.acquiredAt);
  }

  /** After an event on a key: a draining key leaves with its last lease, the index re-reads it, waiters get a chance. */
  private keyChanged(provider: string, key: PooledKey, now: number): void {
    const rt = this.providers.get(provider);
    if (rt === undefined) return;
    if (key.draining && key.inFlight === 0) {
      if (rt.keys.get(key.id) === key) rt.keys.delete(key.id);
      if (rt.keys.size === 0 && this.config?.providers.has(rt.name) !== true) this.providers.delete(rt.name);
    }
    rt.index.update(key, now);
    // The scope's windows and hold are every member's: each may have changed place.
    if (key.scope !== undefined) for (const member of key.scope.members) if (member !== key) rt.index.update(member, now);
    rt.waiters.serve();
  }

  /** Per-client rate and open-lease guards; a refusal here is counted like any other. */
  private admit(rt: ProviderKeys, owner: string, now: number): void {
    const refused = this.clientLimits.admit(owner, now, this.settings);
    if (refused === undefined) return;
    const { error, limit } = refused;
    this.emit({ type: "refused", provider: rt.name, code: error.code, retryAfterMs: error.retryAfterMs, limit });
    throw error;
  }

  private refuse(rt: ProviderKeys, retryMs: number): KeypoolError {
    const err = refusal(rt.name, rt.keys, retryMs, this.clock.now());
    this.emit({ type: "refused", provider: rt.name, code: err.code, retryAfterMs: err.retryAfterMs });
    return err;
  }

  /**
   * A cooldown or exhaustion ends by time alone, noticed by whoever looks
   * next. A deadline at its end announces the return to active (one
   * key_state event, one log line) and lets waiters have the key.
   */
  private watchRecovery(key: PooledKey, from: KeyStateName, now: number): void {
    const previous = this.recoveries.get(key);
    if (previous !== undefined) this.deadlines.cancel(previous);
    this.recoveries.delete(key);
    // A probe an operator asked for makes the key available now, not active: the return to active is still the cooldown's end.
    const available = healthAvailableAt(key.health, now);
    const at = available !== undefined && available <= now ? key.health.until : available;
    if (at === undefined || !Number.isFinite(at) || at <= now) return;
    this.recoveries.set(key, this.deadlines.add(new Recovery(key, from), at));
  }

  private recovered({ key, from }: Recovery): void {
    this.recoveries.delete(key);
    const rt = this.providers.get(key.config.provider);
    // A key replaced by a reload (new secret) is no longer the pool's: nothing to announce.
    if (rt === undefined || rt.keys.get(key.id) !== key) return;
    const now = this.clock.now();
    const to = keyStateAt(key, now);
    if (to === from) return this.watchRecovery(key, from, now);
    if (to !== "active") return;
    const reason = from === "exhausted" ? "quota cooldown over" : "cooldown over";
    this.emit({ type: "key_state", provider: rt.name, keyId: key.id, from, to, reason, by: "time" });
    rt.index.update(key, now);
    rt.waiters.serve();
  }

  private emitState(key: PooledKey, from: KeyStateName, to: KeyStateName, now: number, by = key.health.by): void {
    this.emit({ type: "key_state", provider: key.config.provider, keyId: key.id, from, to, reason: healthReason(key.health, now), by });
  }
}

function leaseOfAnother(): KeypoolError {
  return new KeypoolError("PERMISSION_DENIED", "the lease belongs to another client");
}
