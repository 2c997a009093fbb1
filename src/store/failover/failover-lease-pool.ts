import { randomBytes } from "node:crypto";
import { PoolEventListeners } from "../../pool/pool-event-listeners.js";
import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { PoolConfig, PoolSettings } from "../../config/types.js";
import { KeypoolError } from "../../protocol/keypool-error.js";
import type { KeyAction } from "../../pool/key-action.js";
import type { RecheckVerdict } from "../../pool/key-recheck.js";
import type { KeyActionResult, KeyRecheckResult, LeasePool, PoolKeyView } from "../../pool/lease-pool.js";
import type { PoolSnapshot, StoreFailureMode, StoreStatus } from "../../pool/stats-types.js";
import type { AcquireRequest, ConfigDiff, Lease, PoolEvent, ReportResult, ReporterRights, UsageReport } from "../../pool/types.js";
import { MemoryLeasePool } from "../memory/memory-lease-pool.js";
import { STATE_VERSION } from "../memory/persisted-state.js";
import type { RedisLeasePool, Reservation } from "../redis/redis-lease-pool.js";
import { isStoreFailure } from "../redis/store-failure.js";
import { LocalGrants, replayedOpen } from "./local-grants.js";
import { heldShare, shareOfLimits } from "./share-of-limits.js";

export interface FailoverLeasePoolOptions {
  readonly shared: RedisLeasePool;
  /** The store's URL with the password masked. */
  readonly location: string;
  readonly mode: StoreFailureMode;
  readonly clock: Clock;
  readonly configuredClients?: (() => number) | undefined;
  /** Time between heartbeats (which are also the check that the store is back); default 1 s. */
  readonly heartbeatMs?: number | undefined;
  /** A sidecar whose heartbeat is older than this is no longer counted; default 5 s. */
  readonly heartbeatTtlMs?: number | undefined;
  /** Entering and leaving degraded mode, one line each. */
  readonly onDegraded?: ((status: StoreStatus) => void) | undefined;
  readonly onRejoined?: ((status: StoreStatus, replayed: number, degradedMs: number) => void) | undefined;
  /** Something failed that a later heartbeat retries (a replay, an empty store refilled). */
  readonly warn?: ((message: string) => void) | undefined;
}

/**
 * The Redis store with what a sidecar does when it fails. Every call goes to
 * the shared pool while the store answers; a heartbeat each second counts
 * the live sidecars. When the store stops answering (a call or a heartbeat
 * fails for want of it), the sidecar is degraded: with `local` it goes on
 * alone in an in-process pool holding 1/N of every limit (N the sidecars it
 * last saw), seeded with its last view of the windows and key states; with
 * `closed` it refuses with UNAVAILABLE. A heartbeat that succeeds again
 * rejoins: what was granted alone is counted in the shared windows (leases
 * still open are opened there), and every call goes to the store again.
 * Never more than the limits, fleet-wide: the fleet of N shares each limit.
 */
export class FailoverLeasePool implements LeasePool {
  readonly sidecarId = randomBytes(6).toString("hex");
  private readonly shared: RedisLeasePool;
  private readonly options: FailoverLeasePoolOptions;
  private readonly clock: Clock;
  private readonly events = new PoolEventListeners();
  private readonly grants = new LocalGrants();
  private local: MemoryLeasePool | undefined;
  private degradedSince: number | undefined;
  private reason = "";
  private sidecars = 1;
  /** The live sidecars at the last heartbeat, and the others among them when the store went away. */
  private members: readonly string[] = [];
  private othersAtDegrade: readonly string[] = [];
  private sidecarsAtDegrade = 1;
  /** Open leases fleet-wide per key (provider NUL id) when the store went away. */
  private atDegrade = new Map<string, number>();
  private dividedBy: number | undefined;
  private timer: TimerHandle | undefined;
  private rejoining: Promise<void> | undefined;
  private closed = false;

  constructor(options: FailoverLeasePoolOptions) {
    this.options = options;
    this.shared = options.shared;
    this.clock = options.clock;
    this.shared.subscribe((e) => this.emit(e));
  }

  /** Sends the first heartbeat (the count of live sidecars starts right), then one every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.scheduleBeat();
  }

  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  storeStatus(): StoreStatus {
    return this.status();
  }

  status(): StoreStatus {
    return {
      kind: "redis",
      location: this.options.location,
      failureMode: this.options.mode,
      degraded: this.degraded,
      degradedSince: this.degradedSince,
      reason: this.reason,
      sidecarsAlive: this.sidecars,
      sidecarId: this.sidecarId,
      limitsDividedBy: this.dividedBy,
    };
  }

  subscribe(listener: (event: PoolEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  private emit(event: PoolEvent): void {
    this.events.emit(event);
  }

  get settings(): PoolSettings {
    return this.shared.settings;
  }

  get configGeneration(): number {
    return this.shared.configGeneration;
  }

  providerNames(): string[] {
    return this.shared.providerNames();
  }

  async acquire(request: AcquireRequest): Promise<Lease> {
    if (!this.degraded) {
      try {
        return await this.shared.acquire(request);
      } catch (err) {
        if (!isStoreFailure(err)) throw err;
        this.degrade(err.message);
      }
    }
    return this.acquireAlone(request);
  }

  private async acquireAlone(request: AcquireRequest): Promise<Lease> {
    const local = this.local;
    if (local === undefined) throw this.unavailable("this sidecar refuses every acquisition until it is back (--store-failure closed)");
    let lease: Lease;
    try {
      lease = await local.acquire(request);
    } catch (err) {
      // Waiting alone when the store came back: the wait goes on in the store.
      if (this.local !== local && !this.closed) return this.acquire(request);
      // A share rounded to nothing is the store's absence, not a request no key could ever serve.
      if (err instanceof KeypoolError && err.reason === "NO_KEY_CAN_SERVE") {
        throw this.unavailable(`this sidecar's share of the limits (1/${this.dividedBy ?? 1}) cannot serve this request until it is back`);
      }
      throw err;
    }
    if (this.local !== local) {
      // Granted alone as the store came back, after the replay: it goes to the store on its own.
      await this.shared.replay({ grants: [replayedOpen(lease, request.model ?? "")] }).catch(() => {});
      return lease;
    }
    this.grants.granted(lease, request.model ?? "");
    return lease;
  }

  async report(leaseId: string, report: UsageReport, owner = "", rights?: ReporterRights): Promise<ReportResult> {
    const local = this.local;
    if (local !== undefined && this.grants.isLocal(leaseId)) {
      const result = await local.report(leaseId, report, owner, rights);
      if (!result.alreadyReported) this.grants.ended(leaseId, report, owner, rights);
      return result;
    }
    try {
      return await this.shared.report(leaseId, report, owner, rights);
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      this.degrade(err.message);
      throw this.unavailable("a lease granted through it ends there: report again once it is back, or the lease ends at its TTL");
    }
  }

  setKeyState(provider: string, keyId: string, action: KeyAction, reason: string, by: string): Promise<KeyActionResult> {
    // An action taken alone would be undone by the store's state on rejoining: it waits for the store.
    if (this.degraded) return Promise.reject(this.unavailable("actions on keys wait until it is back"));
    return this.shared.setKeyState(provider, keyId, action, reason, by);
  }

  recheckKey(provider: string, keyId: string, verdict: RecheckVerdict, detail: string): Promise<KeyRecheckResult> {
    if (this.local !== undefined) return this.local.recheckKey(provider, keyId, verdict, detail);
    return this.shared.recheckKey(provider, keyId, verdict, detail);
  }

  applyConfig(config: PoolConfig): ConfigDiff {
    const diff = this.shared.applyConfig(config);
    if (this.local !== undefined && this.dividedBy !== undefined) this.local.applyConfig(shareOfLimits(config, this.dividedBy, (p, id) => this.openAtDegrade(p, id)));
    return diff;
  }

  snapshot(providers?: readonly string[]): PoolSnapshot {
    const inner = this.local?.snapshot(providers) ?? this.shared.snapshot(providers);
    return { ...inner, configGeneration: this.shared.configGeneration, store: this.status() };
  }

  keys(): Iterable<PoolKeyView> {
    return (this.local ?? this.shared).keys();
  }

  waitingCount(provider: string): number {
    return this.shared.waitingCount(provider) + (this.local?.waitingCount(provider) ?? 0);
  }

  openLeaseCount(): number {
    return this.shared.openLeaseCount() + (this.local?.openLeaseCount() ?? 0);
  }

  /** Ends the heartbeats and every wait; the connections stay until {@link quit}. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.shared.close();
    this.local?.close();
  }

  /** Leaves the count of live sidecars and closes the store's connections. */
  async quit(): Promise<void> {
    this.close();
    await this.rejoining?.catch(() => {});
    if (!this.degraded) await this.shared.leave(this.sidecarId);
    await this.shared.quit();
  }

  /** One heartbeat: counts the live sidecars; after a failure, the first success rejoins. */
  async beat(): Promise<void> {
    const ttl = this.options.heartbeatTtlMs ?? 5_000;
    try {
      const reply = await this.shared.heartbeat(this.sidecarId, ttl);
      this.sidecars = Math.max(1, reply.alive);
      this.members = reply.members;
      if (this.degraded) await this.rejoin(!reply.schema);
      else if (!reply.schema) await this.refill();
      // Another sidecar held a share for this one, which never served alone (or replayed already): released.
      else if (reply.heldFor) await this.shared.replay({ grants: [], release: this.sidecarId });
    } catch (err) {
      if (isStoreFailure(err)) this.degrade(err.message);
      else this.options.warn?.(`shared store check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleBeat(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimer(() => {
      void this.beat().finally(() => this.scheduleBeat());
    }, this.options.heartbeatMs ?? 1_000);
  }

  /** Open leases fleet-wide on each key when the store went away, as last seen. */
  private openAtDegrade(provider: string, keyId: string): number {
    return this.atDegrade.get(`${provider}\u0000${keyId}`) ?? 0;
  }

  private degrade(reason: string): void {
    if (this.degraded || this.closed) return;
    const now = this.clock.now();
    this.degradedSince = now;
    this.reason = reason;
    this.othersAtDegrade = this.members.filter((id) => id !== this.sidecarId);
    this.sidecarsAtDegrade = this.sidecars;
    if (this.options.mode === "local") {
      const config = this.shared.currentConfig;
      if (config !== undefined) {
        this.atDegrade = new Map([...this.shared.keys()].map((v) => [`${v.provider}\u0000${v.key.id}`, v.key.inFlight]));
        const local = new MemoryLeasePool({ clock: this.clock, onEvent: (e) => this.emit(e), configuredClients: this.options.configuredClients });
        this.dividedBy = this.sidecars;
        local.applyConfig(shareOfLimits(config, this.sidecars, (p, id) => this.openAtDegrade(p, id)));
        local.importState({ version: STATE_VERSION, savedAt: now, keys: this.shared.lastCounts(now) });
        this.local = local;
      }
    }
    this.options.onDegraded?.(this.status());
  }

  private rejoin(emptied: boolean): Promise<void> {
    this.rejoining ??= this.rejoinNow(emptied).finally(() => {
      this.rejoining = undefined;
    });
    return this.rejoining;
  }

  /**
   * Counts in the store what was granted alone, then leaves degraded mode.
   * A lease reported alone while the replay ran was replayed open: its
   * report is passed on to the store, which ends it there.
   */
  private async rejoinNow(emptied: boolean): Promise<void> {
    const since = this.degradedSince ?? this.clock.now();
    let added: number;
    try {
      added = await this.shared.restore({ grants: this.grants.takeUnreplayed(), reserve: this.reservations(), release: this.sidecarId }, emptied ? true : undefined);
      // Acquisitions served alone while the replay ran: replayed too, until none is left.
      for (let batch = this.grants.takeUnreplayed(); batch.length > 0; batch = this.grants.takeUnreplayed()) added += await this.shared.replay({ grants: batch });
    } catch (err) {
      this.grants.unmark();
      if (isStoreFailure(err)) this.reason = err.message;
      else this.options.warn?.(`rejoining the shared store failed; the next heartbeat tries again: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const local = this.local;
    this.local = undefined;
    this.degradedSince = undefined;
    this.reason = "";
    this.dividedBy = undefined;
    const late = this.grants.endedAfterReplay();
    this.grants.clear();
    local?.close();
    this.options.onRejoined?.(this.status(), added, this.clock.now() - since);
    for (const g of late) await this.shared.report(g.leaseId, g.report, g.owner, g.rights).catch(() => {});
  }

  /** The store came back empty before any call noticed: it gets the configuration and this sidecar's last counts again. */
  private async refill(): Promise<void> {
    this.options.warn?.(`the shared store at ${this.options.location} came back empty (restarted without persistence?): configuration and this sidecar's last counts written again`);
    await this.shared.restore({ grants: [] }, true);
  }

  /**
   * The others seen alive when the store went away may be serving alone
   * still: each one's share is held for it until it replays its own. A
   * closed sidecar holds them too: the others may be local.
   */
  private reservations(): Reservation[] {
    const config = this.shared.currentConfig;
    if (config === undefined || this.othersAtDegrade.length === 0) return [];
    const keys = heldShare(config, this.sidecarsAtDegrade, this.clock.now());
    return this.othersAtDegrade.map((sidecar) => ({ sidecar, keys }));
  }

  private unavailable(what: string): KeypoolError {
    return new KeypoolError("UNAVAILABLE", `the shared store at ${this.options.location} is unreachable: ${what}`);
  }
}
