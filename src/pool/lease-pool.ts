import type { PoolConfig, PoolSettings } from "../config/types.js";
import type { KeyAction } from "./key-action.js";
import type { RecheckVerdict } from "./key-recheck.js";
import type { PooledKey } from "./pooled-key.js";
import type { PoolSnapshot, StoreStatus } from "./stats-types.js";
import type { AcquireRequest, ConfigDiff, KeyStateName, Lease, PoolEvent, ReportResult, ReporterRights, UsageReport } from "./types.js";

/** One key as the pool holds it now, for statistics and routing; read it, never change it. */
export interface PoolKeyView {
  readonly provider: string;
  readonly key: PooledKey;
  readonly state: KeyStateName;
}

/** What an operator's action did to a key. */
export interface KeyActionResult {
  readonly provider: string;
  readonly keyId: string;
  readonly action: KeyAction;
  readonly from: KeyStateName;
  readonly to: KeyStateName;
  /** False when the action had nothing to do (clearing the cooldown of an active key). */
  readonly changed: boolean;
  /** Why the key is in its state now ("disabled by operator alice: rotating"); empty when active. */
  readonly stateReason: string;
}

/** What the sidecar's recheck of a key did to it. */
export interface KeyRecheckResult {
  readonly from: KeyStateName;
  readonly to: KeyStateName;
  /** False when the key no longer waited for a recheck (an operator or a reload acted meanwhile). */
  readonly changed: boolean;
}

/**
 * What every edge (gRPC service, proxy, admin and statistics, telemetry)
 * needs of the pool, whichever store keeps its state. Decisions are atomic
 * in the store; `report` is asynchronous because a shared store answers
 * after a round trip.
 */
export interface LeasePool {
  /**
   * Leases a key, least used first within every limit. Waits up to the
   * request's max wait for one to free up; otherwise rejects with
   * RESOURCE_EXHAUSTED and the delay until capacity returns. A refusal
   * consumes nothing.
   */
  acquire(request: AcquireRequest): Promise<Lease>;
  /**
   * Ends a lease with the outcome of the provider call. A second report
   * changes nothing. `owner` is the reporting client's name ("" anonymous),
   * `rights` what it may do to the key beyond its lease (trusted, admin).
   */
  report(leaseId: string, report: UsageReport, owner?: string, rights?: ReporterRights): Promise<ReportResult>;
  /**
   * `acquire`, answered at once where the store decides in memory: the lease
   * granted now, or a refusal thrown now; a promise only for a request that
   * waits. A transport that can answer synchronously saves a promise and a
   * microtask turn per call. A store whose decisions take a round trip leaves
   * it out, and callers use `acquire`.
   */
  acquireNow?(request: AcquireRequest): Lease | Promise<Lease>;
  /** `report`, answered at once (thrown errors included), where the store decides in memory; see `acquireNow`. */
  reportNow?(leaseId: string, report: UsageReport, owner?: string, rights?: ReporterRights): ReportResult;
  /**
   * An operator's action on one key (disable, enable, drain, probe, clear
   * the cooldown), attributed to `by` (the operator's client name). NOT_FOUND
   * for a provider or key not configured; INVALID_ARGUMENT for a reason too
   * long. Resolves to the key's state before and after; asynchronous because
   * a shared store takes the action in one round trip.
   */
  setKeyState(provider: string, keyId: string, action: KeyAction, reason: string, by: string): Promise<KeyActionResult>;
  /**
   * The sidecar's own recheck of a key that 401/403 reports disabled
   * (`probe: true`): valid makes it active, invalid or unchecked keeps it out
   * until the next recheck. `detail` is the provider's words, redacted here
   * too. NOT_FOUND for a provider or key not configured.
   */
  recheckKey(provider: string, keyId: string, verdict: RecheckVerdict, detail: string): Promise<KeyRecheckResult>;
  /** Swaps in a validated configuration in one step; keys that stay keep their state. */
  applyConfig(config: PoolConfig): ConfigDiff;
  /** Statistics of every key now, restricted to `providers` when given (empty: all). */
  snapshot(providers?: readonly string[]): PoolSnapshot;
  /** Adds a listener for pool events (state changes, leases, refusals); returns its removal. */
  subscribe(listener: (event: PoolEvent) => void): () => void;
  /** Every key the pool holds now, configured or draining. */
  keys(): Iterable<PoolKeyView>;
  readonly settings: PoolSettings;
  readonly configGeneration: number;
  /** Provider names in the running configuration. */
  providerNames(): string[];
  waitingCount(provider: string): number;
  openLeaseCount(): number;
  /** The shared store as this sidecar sees it; absent for a pool kept in the process. */
  storeStatus?(): StoreStatus;
  /** Cancels every waiter and timer, for shutdown. Open leases are left to their callers. */
  close(): void;
}
