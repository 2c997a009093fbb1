import type { StoreConnection } from "./store-connection.js";
import { PoolEventListeners } from "../../pool/pool-event-listeners.js";
import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { KeyConfig, PoolConfig, PoolSettings, ProviderConfig } from "../../config/types.js";
import { KeypoolError, notFound } from "../../protocol/keypool-error.js";
import { outcomeFromHttpStatus, type Outcome } from "../../protocol/outcome.js";
import { readAnswer } from "../../pool/answer-transitions.js";
import { ClientLimits } from "../../pool/client-limits.js";
import { clientUsage } from "../../pool/client-usage.js";
import { REPORTED_RETENTION_MS } from "../../pool/ended-leases.js";
import { applyKeyAction, keyActionReason, validateKeyActionReason, type KeyAction } from "../../pool/key-action.js";
import { attribution, clampNotice, HEALTHY, healthConfigured, healthReason } from "../../pool/key-health.js";
import { keyStateAt } from "../../pool/key-transitions.js";
import type { KeyActionResult, KeyRecheckResult, LeasePool, PoolKeyView } from "../../pool/lease-pool.js";
import { waitIsHopeless } from "../../pool/hopeless-wait.js";
import { applyRecheck, RECHECK_BY, type RecheckVerdict } from "../../pool/key-recheck.js";
import type { KeyHealth } from "../../pool/key-health.js";
import { redactSecret } from "../../pool/redact.js";
import { newLeaseId } from "../../pool/lease-id.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import { refusalError } from "../../pool/refusal-error.js";
import { poolSnapshot } from "../../pool/snapshot.js";
import type { ClientUsageSnapshot, PoolSnapshot } from "../../pool/stats-types.js";
import type { AcquireRequest, ConfigDiff, KeyStateName, Lease, PoolEvent, ReportResult, ReporterRights, UsageReport } from "../../pool/types.js";
import { normalizeAcquire, validateReport, type NormalizedAcquire } from "../../pool/validate-request.js";
import { KeyActionBudgets } from "../memory/key-action-budgets.js";
import { queueFull } from "../memory/refusal.js";
import { RedisHistoryShelf } from "./redis-history-shelf.js";
import { FleetConfigChannel } from "./fleet-config-channel.js";
import { FleetWaiters } from "./fleet-waiters.js";
import { healthFromJson, healthToJson } from "./health-json.js";
import { keyConfigJson, secretFingerprint } from "./key-config-json.js";
import { MirroredKey, type KeyView } from "./mirrored-key.js";
import { keyTriple, providerFromChannel, providerKeyNames, schemaKey, type ProviderKeyNames } from "./redis-key-names.js";
import type { StoreScripts, ScriptName } from "./store-scripts.js";
import { refuseUnmirrored } from "./unmirrored-config.js";
import { mirrorConfig } from "./mirror-config.js";
import { reportHealth } from "./report-health.js";
import { heartbeat, heldKey, leaveFleet, type HeartbeatReply } from "./fleet-heartbeat.js";
import { StoreFailure } from "./store-failure.js";
import { seedUsage } from "./view-seeds.js";
import { windowSpecs } from "../../pool/pooled-key.js";
import type { PersistedKey } from "../memory/persisted-state.js";

/**
 * A request a sidecar granted while it served alone, to be counted in the
 * shared windows once the store is back: still open (it opens there too) or
 * ended with the tokens it settled at.
 */
export interface ReplayedGrant {
  readonly provider: string;
  readonly keyId: string;
  readonly leaseId: string;
  readonly at: number;
  readonly tokens: number;
  readonly open: boolean;
  readonly expiresAt: number;
  readonly owner: string;
  readonly model: string;
}

/** A share of every limit held in the shared windows for another sidecar that may still serve alone. */
export interface Reservation {
  readonly sidecar: string;
  /** Per key, the requests (and tokens) the other sidecar may have granted alone. */
  readonly keys: readonly PersistedKey[];
}

/** What a sidecar that served alone brings back to the store. */
export interface Replay {
  readonly grants: readonly ReplayedGrant[];
  /** Held for the other sidecars last seen alive, until each rejoins: they may be granting alone still. */
  readonly reserve?: readonly Reservation[];
  /** This sidecar's id: what others held for it is released (its grants are replayed, or it never served alone). */
  readonly release?: string;
}

/** A lease this sidecar granted, for the events and client limits of its end. */
interface LocalLease {
  readonly lease: Lease;
  readonly model: string;
}

/** What this sidecar holds of one provider: its local view of the keys and its waiters. */
interface FleetProvider {
  readonly name: string;
  readonly names: ProviderKeyNames;
  /** Configured keys and keys draining after a reload, by id. */
  readonly keys: Map<string, MirroredKey>;
  readonly waiters: FleetWaiters;
}

export interface RedisLeasePoolOptions {
  readonly redis: StoreConnection;
  /** A second connection, for pub/sub (a subscribed connection can do nothing else). */
  readonly subscriber: StoreConnection;
  readonly scripts: StoreScripts;
  readonly prefix: string;
  /** The store's address with the password masked, for error messages. */
  readonly where: string;
  readonly clock: Clock;
  readonly onEvent?: ((event: PoolEvent) => void) | undefined;
  readonly configuredClients?: (() => number) | undefined;
  /** Period of the read that refreshes the local view of every key; 0 reads only with each decision. */
  readonly viewIntervalMs?: number | undefined;
  /** Longest a waiting acquisition sleeps without a pub/sub message before it tries again. */
  readonly waitPollMs?: number | undefined;
  /** Said once, when a report carries limits learned from the provider. */
  readonly warn?: ((message: string) => void) | undefined;
  /** Writes the schema record when the store has none (after the store lost its data). */
  readonly claimSchema?: (() => Promise<void>) | undefined;
}

const FULL_RIGHTS: ReporterRights = Object.freeze({ trusted: true, admin: true });
const STALE_RETRIES = 8;

type AcquireReply = ["granted", string, KeyView, ExpiredLease[] | object] | ["refused", number, boolean, ExpiredLease[] | object];
type ReportReply =
  | ["ok", KeyView]
  | ["stale", string, number, KeyView]
  | ["ended", "reported" | "expired", string, string, KeyView | false]
  | ["denied"]
  | ["unknown"]
  | ["other_key", string];
type ExpiredLease = [string, string, string];

/**
 * The pool kept in Redis, shared by every sidecar pointed at the same store
 * and prefix: each decision that must hold across the fleet (choosing and
 * leasing a key, ending a lease with its report, an expiry, an operator's
 * action, a configuration) is one Lua script, one round trip. Time comes
 * from the injected clock and travels to the scripts as an argument.
 *
 * The policy is the memory store's: the scripts port its reading of health
 * and windows, and the health's changes are the same pure functions, run
 * here and written with a version check so that a change made meanwhile by
 * another sidecar is never overwritten. Statistics read a local view of each
 * key, refreshed from every answer and by a periodic read.
 */
export class RedisLeasePool implements LeasePool {
  private readonly redis: StoreConnection;
  private readonly subscriber: StoreConnection;
  private readonly scripts: StoreScripts;
  private readonly clock: Clock;
  private readonly prefix: string;
  private readonly where: string;
  private readonly events = new PoolEventListeners();
  private readonly providers = new Map<string, FleetProvider>();
  private readonly leases = new Map<string, LocalLease>();
  private readonly clientLimits = new ClientLimits();
  private readonly keyActions = new KeyActionBudgets(() => this.settings);
  private readonly configuredClients: () => number;
  private readonly viewIntervalMs: number;
  private readonly waitPollMs: number;
  private readonly warn: (message: string) => void;
  private readonly claimSchema: () => Promise<void>;
  private config: PoolConfig | undefined;
  private generation = 0;
  /** The last configuration write; decisions wait for it so that they read the configuration they were made under. */
  private written: Promise<void> = Promise.resolve();
  private viewTimer: TimerHandle | undefined;
  private closed = false;
  private learnedWarned = false;

  constructor(options: RedisLeasePoolOptions) {
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.scripts = options.scripts;
    this.clock = options.clock;
    this.prefix = options.prefix;
    this.where = options.where;
    this.configuredClients = options.configuredClients ?? (() => 0);
    this.viewIntervalMs = options.viewIntervalMs ?? 500;
    this.waitPollMs = options.waitPollMs ?? 1_000;
    this.warn = options.warn ?? (() => {});
    this.claimSchema = options.claimSchema ?? (() => Promise.resolve());
    if (options.onEvent !== undefined) this.events.subscribe(options.onEvent);
    this.subscriber.on("message", (channel: string) => {
      const name = providerFromChannel(this.prefix, channel);
      if (name !== undefined) this.providers.get(name)?.waiters.wakeAll();
    });
    this.scripts.afterReload = () => this.storeRestarted();
    this.scheduleView();
  }

  /**
   * The store lost its scripts: it restarted, perhaps without its data. The
   * configuration is written again; a store that lost its data also gets
   * the schema record and this sidecar's last view of every key's windows,
   * so that it starts from what it counted rather than from nothing.
   */
  private async storeRestarted(): Promise<void> {
    // Scripts do not survive a restart, data may (persistence): only a store without its schema record lost the counts.
    const empty = (await this.redis.exists(schemaKey(this.prefix))) === 0;
    this.warn(
      empty
        ? `the shared store at ${this.where} came back empty (restarted without persistence, or flushed): configuration and this sidecar's last counts written again`
        : `the shared store at ${this.where} lost its scripts (restarted?): scripts and configuration written again`,
    );
    await this.restore({ grants: [] }, empty);
  }

  /**
   * Brings the store up to date after this sidecar lost it: the schema
   * record, scripts and configuration again when it came back empty (with
   * this sidecar's last view of the windows: it never starts above what the
   * fleet had used), the configuration otherwise (a write made while it was
   * away failed), then every grant made meanwhile. Answers the requests added.
   */
  async restore(replay: Replay, emptied?: boolean): Promise<number> {
    try {
      return await this.restoreNow(replay, emptied);
    } catch (err) {
      if (err instanceof KeypoolError) throw err;
      throw this.failure(err);
    }
  }

  private async restoreNow(replay: Replay, emptied: boolean | undefined): Promise<number> {
    const now = this.clock.now();
    const empty = emptied ?? (await this.redis.exists(schemaKey(this.prefix))) === 0;
    // Read before the configuration write refreshes the views from the store.
    const seeds = empty ? this.lastCounts(now) : [];
    if (empty) {
      await this.claimSchema();
      await this.scripts.load();
    }
    if (this.config !== undefined) {
      const write = this.writeConfig(this.config);
      this.written = write;
      write.catch(() => {});
      await write;
    }
    return this.replay(replay, seeds);
  }

  /**
   * Counts a replay in the shared windows (and, for a store that came back
   * empty, `seeds`), then marks the sidecars it holds a share for, so that
   * each releases it once it has replayed its own (see replay-script.ts).
   * Answers the requests added.
   */
  async replay(replay: Replay, seeds: readonly PersistedKey[] = []): Promise<number> {
    let added = 0;
    const reserve = replay.reserve ?? [];
    for (const p of this.providers.values()) {
      const grants = replay.grants.filter((g) => g.provider === p.name);
      const seeded = seeds.filter((k) => k.provider === p.name && k.usage.length > 0);
      // Newest first: the n-th newest entries of two sidecars' views meet as one entry.
      const newest = (keys: readonly PersistedKey[]) => keys.filter((k) => k.provider === p.name && k.usage.length > 0).map((k) => [k.id, [...k.usage].reverse()]);
      const held = reserve.map((r) => [r.sidecar, newest(r.keys)] as const).filter(([, keys]) => keys.length > 0);
      if (grants.length === 0 && seeded.length === 0 && held.length === 0 && replay.release === undefined) continue;
      const ids = [...new Set([...[...p.keys.values()].filter((k) => !k.draining).map((k) => k.id), ...grants.map((g) => g.keyId)])];
      const keys = [p.names.leases, p.names.expiries];
      for (const id of ids) keys.push(...keyTriple(p.names, id));
      const payload = {
        ids,
        grants: grants.map((g) => ({ k: g.keyId, l: g.leaseId, at: g.at, t: g.tokens, open: g.open, exp: g.expiresAt, o: g.owner, m: g.model })),
        seeds: newest(seeded),
        reserve: held,
        release: replay.release ?? "",
      };
      added += Number(await this.call("replay", keys, [JSON.stringify(payload)]));
    }
    try {
      const longest = this.longestSpan();
      for (const r of reserve) await this.redis.set(heldKey(this.prefix, r.sidecar), "1", "PX", longest);
      if (replay.release !== undefined) await this.redis.del(heldKey(this.prefix, replay.release));
    } catch (err) {
      throw this.failure(err);
    }
    await this.refreshViews();
    return added;
  }

  /** The longest any window of the configuration counts a request: how long a share held for another sidecar may matter. */
  private longestSpan(): number {
    let longest = 1;
    for (const p of this.providers.values()) for (const k of p.keys.values()) for (const s of windowSpecs(k.config, this.settings)) longest = Math.max(longest, s.perMs + s.marginMs);
    return Math.ceil(longest);
  }

  private failure(err: unknown): StoreFailure {
    return new StoreFailure(`the shared store at ${this.where} did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }

  /**
   * This sidecar's last view of every configured key as the memory store's
   * persisted form: window counts as the latest requests they could be
   * (see seedUsage), and the health, so that a disabled, exhausted or
   * cooling key stays so. Ids only, no secret.
   */
  lastCounts(now: number): PersistedKey[] {
    const out: PersistedKey[] = [];
    if (this.config === undefined) return out;
    for (const p of this.providers.values()) {
      for (const key of p.keys.values()) {
        if (key.draining) continue;
        const { state, reason, until, consecutiveRateLimits, consecutiveServerErrors, by, hold } = key.health;
        const health = { state, reason, until, consecutiveRateLimits, consecutiveServerErrors, by, ...(hold === undefined ? {} : { hold }) };
        out.push({ provider: p.name, id: key.id, usage: seedUsage(windowSpecs(key.config, this.settings), key.windowCounts, now), health });
      }
    }
    return out;
  }

  /** One heartbeat of this sidecar (see fleet-heartbeat.ts); a StoreFailure when the store does not answer. */
  async heartbeat(sidecarId: string, ttlMs: number): Promise<HeartbeatReply> {
    try {
      return await heartbeat(this.redis, this.prefix, sidecarId, this.clock.now(), ttlMs);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Leaves the count of live sidecars; best effort, on a clean shutdown. */
  async leave(sidecarId: string): Promise<void> {
    await leaveFleet(this.redis, this.prefix, sidecarId).catch(() => {});
  }

  /** The configuration last applied; undefined before the first. */
  get currentConfig(): PoolConfig | undefined {
    return this.config;
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

  /** Script calls sent so far: one per acquisition and one per report in the common case. */
  get roundTrips(): number {
    return this.scripts.calls;
  }

  providerNames(): string[] {
    return this.config === undefined ? [] : [...this.config.providers.keys()];
  }

  /** Configuration announcements between the sidecars sharing this store. */
  configAnnouncements(): FleetConfigChannel {
    return new FleetConfigChannel(this.redis, this.subscriber, this.prefix);
  }

  /** Where each sidecar of the fleet keeps its statistics history for the others to read. */
  historyShelf(): RedisHistoryShelf {
    return new RedisHistoryShelf(this.redis, this.prefix);
  }

  /** Resolves once the last configuration is in the store; rejects with why it could not be written. */
  ready(): Promise<void> {
    return this.written;
  }

  async acquire(request: AcquireRequest): Promise<Lease> {
    const req = normalizeAcquire(request, this.settings);
    const p = this.providerFor(req.provider);
    this.admit(p, req.owner);
    await this.written;
    const started = this.clock.now();
    const deadline = started + req.maxWaitMs;
    for (;;) {
      const outcome = await this.tryAcquire(p, req, this.clock.now() - started);
      if (typeof outcome !== "number") return outcome;
      const now = this.clock.now();
      if (req.maxWaitMs <= 0 || request.signal?.aborted === true || now >= deadline) throw this.refuse(p, outcome);
      // The fleet's open leases, as of the last view: a report of any of them could free a key sooner than time.
      if (waitIsHopeless(outcome, deadline - now, p.keys.values())) throw this.refuse(p, outcome);
      if (p.waiters.length >= this.settings.maxWaitingPerProvider) {
        const err = queueFull(p.name, p.waiters.length, outcome);
        this.emit({ type: "refused", provider: p.name, code: err.code, retryAfterMs: err.retryAfterMs, limit: "waiting_queue" });
        throw err;
      }
      if (this.closed) throw new KeypoolError("UNAVAILABLE", "keypool is shutting down");
      await p.waiters.sleep(Math.min(outcome, deadline - now, this.waitPollMs), request.signal);
      if (this.closed) throw new KeypoolError("UNAVAILABLE", "keypool is shutting down");
      // A reload may have removed the provider meanwhile: NOT_FOUND, as for a new request.
      this.providerFor(req.provider);
    }
  }

  /** One acquisition attempt: the lease, or the milliseconds until capacity returns (Infinity: never, by time alone). */
  private async tryAcquire(p: FleetProvider, req: NormalizedAcquire, waitedMs: number): Promise<Lease | number> {
    const now = this.clock.now();
    const leaseId = newLeaseId();
    const ids = this.leasableIds(p);
    const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt, p.names.sequence];
    for (const id of ids) keys.push(...keyTriple(p.names, id));
    const args = [now, leaseId, req.estimatedTokens, req.model, req.leaseTtlMs, req.owner, REPORTED_RETENTION_MS, p.names.keyPrefix, ...ids];
    const reply = JSON.parse(await this.call("acquire", keys, args)) as AcquireReply;
    this.expired(p, reply[3]);
    if (reply[0] === "refused") {
      const [, retryMs, allDisabled] = reply;
      this.lastRefusalAllDisabled.set(p.name, allDisabled);
      return allDisabled ? Infinity : retryMs < 0 ? Infinity : retryMs;
    }
    const [, keyId, view] = reply;
    const key = p.keys.get(keyId);
    if (key === undefined) throw new KeypoolError("INTERNAL", `the store leased key ${keyId}, unknown to this sidecar`);
    key.apply(view);
    this.clientLimits.leaseOpened(req.owner);
    const lease: Lease = {
      leaseId,
      provider: p.name,
      keyId,
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
    this.leases.set(leaseId, { lease, model: req.model });
    this.emit({ type: "acquired", provider: p.name, keyId, waitedMs, model: req.model });
    return lease;
  }

  private readonly lastRefusalAllDisabled = new Map<string, boolean>();

  private refuse(p: FleetProvider, retryMs: number): KeypoolError {
    const now = this.clock.now();
    const live = [...p.keys.values()].filter((k) => !k.draining);
    const reasons = this.lastRefusalAllDisabled.get(p.name) === true ? live.map((k) => healthReason(k.health, now)) : undefined;
    const err = refusalError(p.name, reasons, retryMs);
    this.emit({ type: "refused", provider: p.name, code: err.code, retryAfterMs: err.retryAfterMs });
    return err;
  }

  async report(leaseId: string, report: UsageReport, owner = "", rights: ReporterRights = FULL_RIGHTS): Promise<ReportResult> {
    if (leaseId === "") throw new KeypoolError("INVALID_ARGUMENT", "lease_id: required");
    validateReport(report);
    const outcome = report.outcome ?? outcomeFromHttpStatus(report.httpStatus ?? 0);
    if (outcome === undefined) throw new KeypoolError("INVALID_ARGUMENT", "outcome: unspecified, and http_status does not say one");
    await this.written;
    const local = this.leases.get(leaseId);
    // A lease granted by another sidecar: its provider is found by asking each in turn (rare).
    const candidates = local !== undefined ? [this.providers.get(local.lease.provider)] : [...this.providers.values()];
    for (const p of candidates) {
      if (p === undefined) continue;
      const result = await this.reportTo(p, leaseId, report, outcome, owner, rights, local);
      if (result !== undefined) return result;
    }
    throw notFound("lease_id: unknown, or ended too long ago to remember");
  }

  /** The report through one provider's script; undefined when the provider does not know the lease. */
  private async reportTo(
    p: FleetProvider,
    leaseId: string,
    report: UsageReport,
    outcome: Outcome,
    owner: string,
    rights: ReporterRights,
    local: LocalLease | undefined,
  ): Promise<ReportResult | undefined> {
    let keyId = local?.lease.keyId ?? [...p.keys.keys()][0] ?? "";
    let key = this.viewOf(p, keyId);
    for (let attempt = 0; attempt < STALE_RETRIES; attempt++) {
      const now = this.clock.now();
      const before = keyStateAt(key, now);
      const next = this.nextHealth(key, leaseId, report, outcome, owner, rights, local?.model ?? "", now);
      const promptTokens = report.promptTokens ?? 0;
      const completionTokens = report.completionTokens ?? 0;
      // A success reported without counts keeps its estimate; a refused call spent none.
      const settle = outcome === "success" && promptTokens + completionTokens === 0 ? -1 : promptTokens + completionTokens;
      const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt, ...keyTriple(p.names, keyId)];
      const args = [
        now, leaseId, owner, keyId, settle, outcome, promptTokens, completionTokens, key.healthVersion,
        next.health === key.health ? "" : healthToJson(next.health), p.names.channel, REPORTED_RETENTION_MS, p.names.keyPrefix,
      ];
      const [reply, expired] = JSON.parse(await this.call("report", keys, args)) as [ReportReply, ExpiredLease[] | object];
      this.expired(p, expired, leaseId);
      switch (reply[0]) {
        case "unknown":
          return undefined;
        case "denied":
          throw leaseOfAnother();
        case "other_key":
          keyId = reply[1];
          key = this.viewOf(p, keyId);
          continue;
        case "stale":
          key.apply(reply[3]);
          continue;
        case "ended": {
          const [, how, endedKey, by, view] = reply;
          if (by !== owner) throw leaseOfAnother();
          const ended = p.keys.get(endedKey);
          if (ended !== undefined && view !== false) ended.apply(view);
          if (how === "expired" && local !== undefined) this.expired(p, [[leaseId, endedKey, owner]]);
          const state = ended === undefined ? "draining" : keyStateAt(ended, now);
          return { provider: p.name, keyId: endedKey, keyState: state, alreadyReported: true, outcome: undefined };
        }
        case "ok": {
          key.apply(reply[1]);
          if (report.latencyMs !== undefined) key.latency.add(report.latencyMs, now);
          this.localEnd(leaseId);
          const after = keyStateAt(key, now);
          const by = attribution(owner);
          this.emit({ type: "reported", provider: p.name, keyId, outcome, latencyMs: report.latencyMs, promptTokens, completionTokens, model: local?.model ?? "" });
          if (next.budget !== undefined) this.keyActions.commit(by, next.budget, now);
          if (next.budget?.allowed === false && next.budget.firstRefusal) {
            const detail = `over its budget of ${this.settings.maxKeyActionsPerClient} keys put out of service per minute; its reports leave key states alone until the minute is over`;
            this.emit({ type: "report_limited", provider: p.name, keyId, client: by, limit: "key_action_budget", detail });
          }
          this.noteClamp(p.name, keyId, by, outcome, report.retryAfterMs, after);
          if (after !== before) this.emitState(p.name, key, before, after, now);
          return { provider: p.name, keyId, keyState: after, alreadyReported: false, outcome, rateLimits: next.parsed };
        }
      }
    }
    throw new KeypoolError("UNAVAILABLE", "the key's state kept changing under this report; retry it");
  }

  /** A retry_after the server's cap shortened is announced, as the memory store does. */
  private noteClamp(provider: string, keyId: string, client: string, outcome: Outcome, retryAfterMs: number | undefined, after: KeyStateName): void {
    const detail = clampNotice(outcome, retryAfterMs, after, this.settings);
    if (detail === undefined) return;
    this.emit({ type: "report_limited", provider, keyId, client, limit: "retry_after_clamped", detail });
  }

  /** The key's health after this report; says once that limits learned from answers are not shared. */
  private nextHealth(key: MirroredKey, leaseId: string, report: UsageReport, outcome: Outcome, owner: string, rights: ReporterRights, model: string, now: number) {
    const parsed = readAnswer(key.config.provider, model, report.httpStatus ?? 0, report.answer, now);
    if (parsed !== undefined && parsed.limits.length > 0 && !this.learnedWarned) {
      this.learnedWarned = true;
      this.warn("limits learned from provider answers are not shared through the Redis store yet; each sidecar keeps to the configured limits");
    }
    const event = { leaseId, report, outcome, owner, rights, parsed };
    return { ...reportHealth(key, event, now, this.settings, this.configuredClients(), (c, t) => this.keyActions.preview(c, t)), parsed };
  }

  async setKeyState(provider: string, keyId: string, action: KeyAction, reason: string, by: string): Promise<KeyActionResult> {
    const why = validateKeyActionReason(reason);
    const { p, key } = this.configuredKey(provider, keyId);
    const r = await this.changeHealth(p, key, (h, now) => applyKeyAction(h, action, why, by, now));
    if (r.changed) this.emit({ type: "key_state", provider: p.name, keyId, from: r.from, to: r.to, reason: keyActionReason(action, why), by });
    return { provider: p.name, keyId, action, ...r, stateReason: healthReason(key.health, this.clock.now()) };
  }

  async recheckKey(provider: string, keyId: string, verdict: RecheckVerdict, detail: string): Promise<KeyRecheckResult> {
    const { p, key } = this.configuredKey(provider, keyId);
    const why = redactSecret(detail, key.config.secret);
    const r = await this.changeHealth(p, key, (h, now) => applyRecheck(h, verdict, why, now, this.settings));
    if (r.from !== r.to) this.emit({ type: "key_state", provider: p.name, keyId, from: r.from, to: r.to, reason: "provider accepted the key on recheck", by: RECHECK_BY });
    return r;
  }

  private configuredKey(provider: string, keyId: string): { p: FleetProvider; key: MirroredKey } {
    const p = this.providerFor(provider);
    const key = p.keys.get(keyId);
    if (key === undefined || key.draining) throw notFound("key_id: not configured for this provider");
    return { p, key };
  }

  /**
   * Changes a key's health by a pure function of (health, now), starting
   * from the store's health, not a view half a second old: it is read first
   * (version -1 never matches), then written if no one changed it meanwhile.
   * Operators' actions and rechecks are rare; two round trips are fine.
   */
  private async changeHealth(p: FleetProvider, key: MirroredKey, change: (h: KeyHealth, now: number) => KeyHealth): Promise<KeyRecheckResult> {
    await this.written;
    const [kh] = keyTriple(p.names, key.id);
    let seen = -1;
    for (let attempt = 0; attempt < STALE_RETRIES; attempt++) {
      const now = this.clock.now();
      const from = keyStateAt(key, now);
      const next = seen < 0 ? key.health : change(key.health, now);
      if (seen >= 0 && next === key.health) return { from, to: from, changed: false };
      const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt, kh];
      const args = [seen, healthToJson(next), p.names.channel, now, REPORTED_RETENTION_MS, p.names.keyPrefix];
      const [reply, expired] = JSON.parse(await this.call("health", keys, args)) as [["ok", number] | ["stale", string, number] | ["missing"], ExpiredLease[] | object];
      this.expired(p, expired);
      if (reply[0] === "missing") throw notFound("key_id: not configured for this provider");
      if (reply[0] === "stale") {
        key.health = healthFromJson(reply[1]);
        key.healthVersion = seen = reply[2];
        continue;
      }
      key.health = next;
      key.healthVersion = reply[1];
      return { from, to: keyStateAt(key, now), changed: true };
    }
    throw new KeypoolError("UNAVAILABLE", "the key's state kept changing under this change; retry it");
  }

  applyConfig(config: PoolConfig): ConfigDiff {
    refuseUnmirrored(config);
    const keyViews = new Map([...this.providers].map(([name, p]) => [name, p.keys]));
    const diff = mirrorConfig(keyViews, this.config, config, (name) => (this.providers.get(name) ?? this.addProvider(name)).keys);
    // Waiters of a provider that left answer now.
    for (const p of this.providers.values()) if (!config.providers.has(p.name)) p.waiters.wakeAll();
    const { added, removed, updated, unchanged } = diff;
    if (added.length + removed.length + updated.length > 0 || diff.settingsChanged) this.generation += 1;
    this.config = config;
    // Chained: each write starts after the one before, and decisions wait for the last.
    const write = this.written.catch(() => {}).then(() => this.writeConfig(config));
    this.written = write;
    write.catch(() => {});
    return { generation: this.generation, added, removed, updated, unchanged, warnings: config.warnings };
  }

  private async writeConfig(config: PoolConfig): Promise<void> {
    for (const pc of config.providers.values()) await this.writeProvider(pc, config.settings);
    // An emptied provider: its keys drain in the store too.
    for (const p of this.providers.values()) {
      if (!config.providers.has(p.name)) {
        const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt, p.names.ids];
        await this.call("config", keys, [p.names.keyPrefix, this.clock.now(), REPORTED_RETENTION_MS]);
      }
    }
    await this.subscriber.subscribe(...[...this.providers.values()].map((p) => p.names.channel));
    await this.refreshViews();
  }

  private async writeProvider(pc: ProviderConfig, settings: PoolSettings): Promise<void> {
    const p = this.providers.get(pc.name);
    if (p === undefined) return;
    const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt, p.names.ids];
    const args: (string | number)[] = [p.names.keyPrefix, this.clock.now(), REPORTED_RETENTION_MS];
    for (const kc of pc.keys) {
      keys.push(...keyTriple(p.names, kc.id));
      args.push(kc.id, keyConfigJson(kc, settings), secretFingerprint(kc), healthToJson(healthConfigured(HEALTHY, kc.enabled)), kc.enabled ? "1" : "0");
    }
    const [, expired] = JSON.parse(await this.call("config", keys, args)) as [unknown, ExpiredLease[] | object];
    this.expired(p, expired);
  }

  /** Reads every key's fleet-wide state into the local view, ending leases past their TTL on the way. */
  async refreshViews(): Promise<void> {
    if (this.config === undefined) return;
    for (const p of this.providers.values()) {
      const ids = [...p.keys.keys()];
      const keys = [p.names.leases, p.names.expiries, p.names.ended, p.names.endedAt];
      for (const id of ids) keys.push(...keyTriple(p.names, id));
      const args = [this.clock.now(), REPORTED_RETENTION_MS, p.names.keyPrefix, p.names.channel, ...ids];
      const [views, expired] = JSON.parse(await this.call("view", keys, args)) as [[string, KeyView | false][] | object, ExpiredLease[] | object];
      this.expired(p, expired);
      for (const [id, view] of Array.isArray(views) ? views : []) {
        const key = p.keys.get(id);
        if (key === undefined) continue;
        if (view === false) {
          if (key.draining) p.keys.delete(id);
          continue;
        }
        const before = keyStateAt(key, this.clock.now());
        key.apply(view);
        if (key.draining && key.inFlight === 0) p.keys.delete(id);
        const after = keyStateAt(key, this.clock.now());
        if (after !== before && !key.draining) this.emitState(p.name, key, before, after, this.clock.now());
      }
    }
  }

  private scheduleView(): void {
    if (this.viewIntervalMs <= 0 || this.closed) return;
    this.viewTimer = this.clock.setTimer(() => {
      this.refreshViews()
        .catch(() => {}) // the next read tries again; decisions report their own errors
        .finally(() => this.scheduleView());
    }, this.viewIntervalMs);
  }

  /** Leases the store ended at their TTL: those granted here end here too (events, client limits). */
  private expired(p: FleetProvider, list: ExpiredLease[] | object, reporting?: string): void {
    if (!Array.isArray(list)) return;
    for (const [leaseId, keyId] of list as ExpiredLease[]) {
      // The lease being reported is answered as ended: its expiry is announced there.
      if (leaseId === reporting) continue;
      const local = this.leases.get(leaseId);
      this.emit({ type: "lease_expired", provider: p.name, keyId, model: local?.model ?? "" });
      this.localEnd(leaseId);
    }
  }

  private localEnd(leaseId: string): void {
    const local = this.leases.get(leaseId);
    if (local === undefined) return;
    this.leases.delete(leaseId);
    this.clientLimits.leaseEnded(local.lease.owner);
  }

  /** Every script call goes through here: the one place a failing store becomes an error for callers. */
  private async call(name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<string> {
    try {
      return await this.scripts.run(name, keys, args);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new StoreFailure(`the shared store at ${this.where} did not answer: ${why}`);
    }
  }

  *keys(): Iterable<PoolKeyView> {
    const now = this.clock.now();
    for (const p of this.providers.values()) for (const key of p.keys.values()) yield { provider: p.name, key, state: keyStateAt(key, now) };
  }

  snapshot(providers?: readonly string[]): PoolSnapshot {
    return poolSnapshot(this, this.clock.now(), providers);
  }

  stateOf(key: PooledKey, now: number): KeyStateName {
    return keyStateAt(key, now);
  }

  waitingCount(provider: string): number {
    return this.providers.get(provider)?.waiters.length ?? 0;
  }

  openLeaseCount(): number {
    return this.leases.size;
  }

  clientsOf(provider: string): readonly ClientUsageSnapshot[] {
    return clientUsage([...this.leases.values()].filter((l) => l.lease.provider === provider).map((l) => l.lease), []);
  }

  /**
   * Ends every wait and the periodic read. The connections stay, so that
   * reports arriving during a graceful shutdown still end their leases;
   * {@link quit} closes them.
   */
  close(): void {
    this.closed = true;
    if (this.viewTimer !== undefined) this.clock.clearTimer(this.viewTimer);
    for (const p of this.providers.values()) p.waiters.wakeAll();
  }

  /** Closes the connections to the store, after {@link close}; nothing can be decided afterwards. */
  async quit(): Promise<void> {
    this.close();
    await Promise.all([this.redis.quit().catch(() => this.redis.disconnect()), this.subscriber.quit().catch(() => this.subscriber.disconnect())]);
  }

  /** The local view of a key; for one this sidecar is not configured with, a stand-in the store's answer fills in. */
  private viewOf(p: FleetProvider, keyId: string): MirroredKey {
    return p.keys.get(keyId) ?? new MirroredKey(placeholderConfig(p.name, keyId), this.settings);
  }

  private addProvider(name: string): FleetProvider {
    const p: FleetProvider = { name, names: providerKeyNames(this.prefix, name), keys: new Map(), waiters: new FleetWaiters(this.clock) };
    this.providers.set(name, p);
    return p;
  }

  private providerFor(provider: string): FleetProvider {
    const p = this.providers.get(provider);
    if (p === undefined || this.config?.providers.has(provider) !== true) {
      throw notFound(`provider: not configured (configured: ${this.providerNames().join(", ") || "none"})`);
    }
    return p;
  }

  /** Ids of the keys an acquisition may choose from: this sidecar's configured ones (it holds their secrets). */
  private leasableIds(p: FleetProvider): string[] {
    const out: string[] = [];
    for (const key of p.keys.values()) if (!key.draining) out.push(key.id);
    return out;
  }

  private admit(p: FleetProvider, owner: string): void {
    const refused = this.clientLimits.admit(owner, this.clock.now(), this.settings);
    if (refused === undefined) return;
    this.emit({ type: "refused", provider: p.name, code: refused.error.code, retryAfterMs: refused.error.retryAfterMs, limit: refused.limit });
    throw refused.error;
  }

  private emitState(provider: string, key: PooledKey, from: KeyStateName, to: KeyStateName, now: number): void {
    const by = key.draining ? "config" : key.health.hold?.by ?? key.health.by;
    this.emit({ type: "key_state", provider, keyId: key.id, from, to, reason: healthReason(key.health, now), by });
  }
}

function leaseOfAnother(): KeypoolError {
  return new KeypoolError("PERMISSION_DENIED", "the lease belongs to another client");
}

/** A key this sidecar is not configured with, read only to compute a report's health before the store names it. */
function placeholderConfig(provider: string, id: string): KeyConfig {
  return { id, secret: "", masked: "", label: "", provider, weight: 1, rpm: undefined, tpm: undefined, rpd: undefined, maxConcurrent: undefined, windows: [], models: undefined, baseUrl: undefined, enabled: true };
}

