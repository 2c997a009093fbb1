import type { PoolSettings } from "../config/types.js";
import type { KeyActionDecision } from "./key-action-budget.js";
import { applyOutcome, healthGranted, healthLeaseEnded, healthState, putsOutOfService, type ReportedOutcome } from "./key-health.js";
import type { PooledKey } from "./pooled-key.js";
import type { KeyStateName } from "./types.js";
import { settleCharges, type Charge } from "./quota.js";

/**
 * The transitions of a key's state, one function per event: a lease granted,
 * a lease settled by its report, a lease expired, the key drained. Each is a
 * function of (key state, event, now) and touches nothing else, so a store
 * can run it inside one atomic step; the policy decisions in them (the
 * health's) are pure functions returning new data.
 */

/** The key's state at `now`, draining included (removed from the configuration, or drained by an operator). */
export function keyStateAt(key: PooledKey, now: number): KeyStateName {
  return key.draining || key.health.hold?.kind === "draining" ? "draining" : healthState(key.health, now);
}

/**
 * Leases the key: counts the request (with its estimated tokens) in every
 * window that bounds it (the key's, its model's, its scope's), opens a lease
 * against the concurrency limit, and makes it the most recently used. `seq`
 * orders uses within one millisecond.
 */
export function grantKey(key: PooledKey, leaseId: string, estimatedTokens: number, model: string, seq: number, now: number): Charge[] {
  key.health = healthGranted(key.health, leaseId, now);
  const own = key.quota.record(now, estimatedTokens, model);
  const charges = key.scope === undefined ? own : own.concat(key.scope.quota.record(now, estimatedTokens, model));
  key.inFlight += 1;
  key.lastUsedAt = now;
  key.lastUsedSeq = seq;
  key.counters.requests += 1;
  return charges;
}

export interface SettledReport extends ReportedOutcome {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly latencyMs: number | undefined;
  /** The reporter's key actions count against its budget (every client but an admin). */
  readonly budgeted: boolean;
}

/** Where a store keeps each client's key-action budget; `spend` is {@link spendKeyAction} over its entry. */
export interface KeyActionGate {
  spend(client: string, now: number): KeyActionDecision;
}

/**
 * Ends a lease with its report: real tokens replace the estimate, the outcome
 * moves the health. A report that would put the key out of service spends
 * one of its client's key actions; past the budget the lease still ends and
 * its tokens count, but the health stays. Returns the budget's decision when
 * one was taken.
 */
export function settleKey(
  key: PooledKey,
  charges: readonly Charge[],
  report: SettledReport,
  now: number,
  settings: PoolSettings,
  gate: KeyActionGate,
): KeyActionDecision | undefined {
  const { outcome, promptTokens, completionTokens } = report;
  // A success reported without counts keeps its estimate: the tokens were
  // spent, the caller just did not say how many. A refused call spent none.
  if (!(outcome === "success" && promptTokens + completionTokens === 0)) settleCharges(charges, promptTokens + completionTokens, now);
  key.inFlight -= 1;
  const c = key.counters;
  c.byOutcome[outcome] = (c.byOutcome[outcome] ?? 0) + 1;
  if (outcome === "success") c.successes += 1;
  else if (outcome === "rate_limited") c.rateLimited += 1;
  else c.errors += 1;
  c.promptTokens += promptTokens;
  c.completionTokens += completionTokens;
  if (report.latencyMs !== undefined) key.latency.add(report.latencyMs, now);
  const next = applyOutcome(key.health, report, now, settings);
  if (!report.budgeted || !putsOutOfService(key.health, next, now)) {
    key.health = next;
    return undefined;
  }
  const decision = gate.spend(report.by, now);
  if (decision.allowed) key.health = next;
  else key.health = healthLeaseEnded(key.health, report.leaseId);
  return decision;
}

/** Ends a lease at its TTL. The estimate stays counted: the call may well have reached the provider. */
export function expireKey(key: PooledKey, leaseId: string): void {
  key.inFlight -= 1;
  key.counters.expired += 1;
  key.health = healthLeaseEnded(key.health, leaseId);
}

/** The key left the configuration: it serves no new lease, and leaves once its open ones end. */
export function drainKey(key: PooledKey): void {
  key.draining = true;
}
